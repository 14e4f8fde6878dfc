// The State tables Python reads, and their numpy dtypes. Each dtype is built from the record's
// field list (OSE_<RECORD>_FIELDS in engine/core/records.hpp), the same list the shared layout
// fingerprint hashes: a field added, moved or resized changes both, so a numpy column can never
// silently read the wrong bytes of a record.
#pragma once

#include <pybind11/numpy.h>
#include <pybind11/pybind11.h>

#include <cstddef>
#include <cstring>
#include <string>
#include <vector>

#include "engine/core/state.hpp"

namespace ose::python {

namespace py = pybind11;

enum class Table {
  kOrders,
  kBalances,           // account × asset
  kPositions,          // account × instrument
  kStrategyPositions,  // strategy × instrument
  kMarket,             // per instrument
  kStrategies,
  kInstruments,
  kAccounts,
  kCount
};

const char* table_name(Table t);
// ValueError listing the tables when `name` is not one.
Table table_from_name(const std::string& name);

struct TableInfo {
  py::dtype dtype;
  py::list money;  // columns in 1e-8 units (Price, Qty, Amount, Rate)
  py::dict enums;  // column → ose enum class of its raw values
};
// Built once per table (the first call needs the GIL and numpy).
const TableInfo& table_info(Table t);

// Where a table's rows are in a State and its shape: (rows,) or (entities, per-entity rows).
// Orders span every slot of the table (unused slots have id 0).
struct TableSpan {
  const std::byte* data = nullptr;
  std::vector<py::ssize_t> shape;
  size_t itemsize = 0;
  size_t rows() const {
    size_t n = 1;
    for (py::ssize_t d : shape) n *= static_cast<size_t>(d);
    return n;
  }
};
TableSpan span_of(const State& s, Table t);

// One record as a one-row array (the Python half turns it into an ose.Record), or None.
template <typename T>
py::object one_row(Table t, bool found, const T& rec) {
  if (!found) return py::none();
  py::array a(table_info(t).dtype, std::vector<py::ssize_t>{1});
  std::memcpy(a.mutable_data(), &rec, sizeof rec);
  return a;
}

}  // namespace ose::python
