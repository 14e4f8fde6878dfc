// Snapshots of a few tables without copying the whole state: StateReader::copy_tables() into
// numpy arrays allocated for them, so Reader.orders() of a million order slots is one copy of
// the rows (the whole-region copy() was two copies of far more).
#pragma once

#include <pybind11/pybind11.h>

#include <vector>

#include "python/src/reader.hpp"
#include "python/src/tables.hpp"

namespace ose::python {

// ({table name: array}, seq, consistent): the rows of `tables` as of one input (seq), as
// table_array() shapes them (orders: the used slots only, id != 0).
py::tuple snapshot_tables(const PyReader& r, const std::vector<Table>& tables);

}  // namespace ose::python
