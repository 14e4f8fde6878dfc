// Snapshots of a few tables without copying the whole state: StateReader::copy_tables() into
// numpy arrays allocated for them, so Reader.orders() of a million order slots is one copy of
// the rows (the whole-region copy() was two copies of far more).
#pragma once

#include <pybind11/pybind11.h>

#include <vector>

#include "python/src/reader.hpp"
#include "python/src/tables.hpp"

namespace ose::python {

// ({table name: array}, seq, consistent): the rows of `tables` as of one input (seq), in the
// shape span_of() gives them (orders: the used slots only, id != 0). A large table's array is
// over a RowMemory (row_memory.hpp: huge pages, reused once a snapshot's array is freed), a small
// one's is numpy's own. With `orders_out` (not None) the order rows are copied into that array,
// a 1-D C-contiguous writeable array of the orders dtype, and the result's orders are a view of
// its first rows: no allocation, and no fresh pages to fault in, when a caller reuses one array
// (ValueError when it is too small or not such an array).
py::tuple snapshot_tables(const PyReader& r, const std::vector<Table>& tables,
                          py::handle orders_out = py::none());

}  // namespace ose::python
