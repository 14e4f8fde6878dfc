#include "python/src/table_copy.hpp"

#include <pybind11/numpy.h>

#include <algorithm>
#include <cstring>
#include <optional>

#include "python/src/errors.hpp"
#include "python/src/row_memory.hpp"

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

// Where one table's rows are copied to, and what owns those bytes.
struct Destination {
  enum class Kind {
    kNumpy,    // an array numpy allocated for this snapshot (a small table)
    kCaller,   // the caller's out= array
    kMapping,  // a RowMemory (a large table): the array is made over it after the copy
  };
  Kind kind = Kind::kNumpy;
  py::object owner;  // the array, or the RowMemory's capsule
  std::byte* data = nullptr;
  size_t bytes = 0;

  // The copied rows as an array of `shape` (orders: (rows copied,)).
  py::array rows(const py::dtype& dtype, const std::vector<py::ssize_t>& shape) const {
    switch (kind) {
      case Kind::kMapping:
        return py::array(dtype, shape, data, owner);  // base: the capsule
      case Kind::kCaller:
        return owner[py::slice(0, shape.at(0), 1)];  // the caller's array stays whole
      case Kind::kNumpy:
        break;
    }
    auto a = py::reinterpret_borrow<py::array>(owner);
    if (a.ndim() == 1 && a.shape(0) != shape.at(0)) {
      a.resize(shape, false);  // the order table's unused room: no other reference yet
    }
    return a;
  }
};

// Fresh room for rows of `shape`: numpy's allocation when small, a RowMemory when large.
Destination fresh_rows(const py::dtype& dtype, const std::vector<py::ssize_t>& shape) {
  size_t bytes = static_cast<size_t>(dtype.itemsize());
  for (py::ssize_t d : shape) bytes *= static_cast<size_t>(d);
  if (bytes >= row_memory_min_bytes()) {
    RowMemory m = row_memory(bytes);
    return {Destination::Kind::kMapping, std::move(m.owner), m.data, m.bytes};
  }
  py::array a(dtype, shape);
  auto* data = static_cast<std::byte*>(a.mutable_data());
  const auto n = static_cast<size_t>(a.nbytes());
  return {Destination::Kind::kNumpy, std::move(a), data, n};
}

Destination caller_rows(py::array a) {
  auto* data = static_cast<std::byte*>(a.mutable_data());
  const auto n = static_cast<size_t>(a.nbytes());
  return {Destination::Kind::kCaller, std::move(a), data, n};
}

}  // namespace

py::tuple snapshot_tables(const PyReader& r, const std::vector<Table>& tables,
                          py::handle orders_out) {
  const StateReader& reader = *r.reader;
  std::vector<Destination> dest(tables.size());
  std::vector<StateReader::TableRequest> requests(tables.size());
  // Room for the rows of the tables in a state with header h: entity tables never change shape;
  // the order table gets room for the slots h has used and kOrderSlack more.
  const auto allocate = [&](const StateHeader& h) {
    for (size_t i = 0; i < tables.size(); ++i) {
      const py::dtype& dtype = table_info(tables[i]).dtype;
      const auto itemsize = static_cast<size_t>(dtype.itemsize());
      if (tables[i] != Table::kOrders) {
        if (dest[i].data != nullptr) continue;
        dest[i] = fresh_rows(dtype, span_of(reader.mapped(), tables[i]).shape);
      } else {
        const uint32_t rows = reader.table_rows(VersionedTable::kOrders, h);
        if (dest[i].data != nullptr && dest[i].bytes >= size_t{rows} * itemsize) continue;
        dest[i] = orders_out.is_none()
                      ? fresh_rows(dtype, {std::min<py::ssize_t>(py::ssize_t{rows} + kOrderSlack,
                                                                 h.caps.orders)})
                      : caller_rows(order_rows_array(orders_out, rows));
      }
      requests[i].table = versioned(tables[i]);
      requests[i].used_only = tables[i] == Table::kOrders;  // unused slots left out as copied
      requests[i].out = {dest[i].data, dest[i].bytes};
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
    const py::dtype& dtype = table_info(tables[i]).dtype;
    out[table_name(tables[i])] =
        tables[i] == Table::kOrders
            ? dest[i].rows(dtype, {py::ssize_t{requests[i].rows}})
            : dest[i].rows(dtype, span_of(reader.mapped(), tables[i]).shape);
  }
  return py::make_tuple(out, (*copy)->header.seq, (*copy)->consistent);
}

}  // namespace ose::python
