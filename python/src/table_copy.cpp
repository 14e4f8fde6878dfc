#include "python/src/table_copy.hpp"

#include <pybind11/numpy.h>

#include <algorithm>
#include <cstring>
#include <optional>

#include "python/src/errors.hpp"

namespace ose::python {

namespace {

VersionedTable versioned(Table t) {
  switch (t) {
    case Table::kOrders:
      return VersionedTable::kOrders;
    case Table::kBalances:
      return VersionedTable::kBalances;
    case Table::kPositions:
      return VersionedTable::kPositions;
    case Table::kStrategyPositions:
      return VersionedTable::kStrategyPositions;
    case Table::kMarket:
      return VersionedTable::kMarkets;
    case Table::kStrategies:
      return VersionedTable::kStrategies;
    case Table::kInstruments:
      return VersionedTable::kInstruments;
    case Table::kAccounts:
      return VersionedTable::kAccounts;
    case Table::kCount:
      break;
  }
  throw std::logic_error("no such table");
}

// Room for the order slots used by now, and for a few more that the engine may use before the
// copy: a retry (a reallocation) only when it used more than that meanwhile.
constexpr uint32_t kOrderSlack = 1024;

// `out` as the array to copy `rows` order rows into: ValueError unless it can hold them.
py::array order_rows_array(py::handle out, uint32_t rows) {
  if (!py::isinstance<py::array>(out)) {
    throw py::value_error(
        "out: expected a numpy array of the orders dtype (Reader.order_buffer())");
  }
  auto a = py::reinterpret_borrow<py::array>(out);
  const py::dtype& dtype = table_info(Table::kOrders).dtype;
  if (a.ndim() != 1 || !(a.dtype().is(dtype) || a.dtype().equal(dtype)) ||
      (a.flags() & py::array::c_style) == 0 || !a.writeable()) {
    throw py::value_error(
        "out: expected a 1-D, C-contiguous, writeable array of the orders dtype "
        "(Reader.order_buffer() makes one)");
  }
  if (a.size() < py::ssize_t{rows}) {
    throw py::value_error("out: room for " + std::to_string(a.size()) + " rows, but " +
                          std::to_string(rows) +
                          " order slots are in use (Reader.order_buffer() has room for all)");
  }
  return a;
}

}  // namespace

py::tuple snapshot_tables(const PyReader& r, const std::vector<Table>& tables,
                          py::handle orders_out) {
  const StateReader& reader = *r.reader;
  std::vector<py::array> arrays(tables.size());
  std::vector<bool> allocated(tables.size(), false);
  std::vector<StateReader::TableRequest> requests(tables.size());
  // Arrays for the rows of the tables in a state with header h: entity tables never change
  // shape; the order table gets room for the slots h has used and kOrderSlack more.
  const auto allocate = [&](const StateHeader& h) {
    for (size_t i = 0; i < tables.size(); ++i) {
      std::vector<py::ssize_t> shape = span_of(reader.mapped(), tables[i]).shape;
      if (tables[i] == Table::kOrders) {
        const uint32_t rows = reader.table_rows(VersionedTable::kOrders, h);
        shape = {std::min<py::ssize_t>(py::ssize_t{rows} + kOrderSlack, h.caps.orders)};
        if (allocated[i] && arrays[i].size() >= rows) continue;
      } else if (allocated[i]) {
        continue;
      }
      if (tables[i] == Table::kOrders && !orders_out.is_none()) {
        arrays[i] = order_rows_array(orders_out, reader.table_rows(VersionedTable::kOrders, h));
      } else {
        arrays[i] = py::array(table_info(tables[i]).dtype, shape);
      }
      allocated[i] = true;
      requests[i].table = versioned(tables[i]);
      requests[i].used_only = tables[i] == Table::kOrders;  // unused slots left out as copied
      requests[i].out = {static_cast<std::byte*>(arrays[i].mutable_data()),
                         static_cast<size_t>(arrays[i].nbytes())};
    }
  };
  StateHeader h{};
  if (!reader.read_state_header(h)) {
    raise(ErrorKind::kError, "the engine held its state header mid-write for too long");
  }
  std::optional<Result<StateReader::TablesCopy>> copy;
  for (;;) {
    allocate(h);
    {
      py::gil_scoped_release release;  // a copy of many rows: let other threads run
      copy.emplace(reader.copy_tables(requests));
    }
    if (!*copy) raise(ErrorKind::kError, copy->error());
    if ((*copy)->fits) break;
    h = (*copy)->header;  // the order table grew past the room left for it: again, with more
  }
  py::dict out;
  for (size_t i = 0; i < tables.size(); ++i) {
    const py::ssize_t rows = requests[i].rows;
    if (tables[i] == Table::kOrders && rows != arrays[i].size()) {
      if (orders_out.is_none()) {
        arrays[i].resize({rows}, false);  // no other reference yet
      } else {
        arrays[i] = arrays[i][py::slice(0, rows, 1)];  // the caller's array stays whole
      }
    }
    out[table_name(tables[i])] = arrays[i];
  }
  return py::make_tuple(out, (*copy)->header.seq, (*copy)->consistent);
}

}  // namespace ose::python
