// Money between Python and the engine's exact 1e-8 fixed point (engine/core/fixed_point.hpp),
// both ways through decimal text, never through a double: str, decimal.Decimal and int are
// accepted; a float is refused with a TypeError that says why.
#pragma once

#include <pybind11/pybind11.h>

#include <cstdint>

namespace ose::python {

namespace py = pybind11;

// The value of `v` in 1e-8 units. Raises TypeError (float, bool, other types) or ValueError
// (not plain decimal notation, more than 8 decimal places, out of the int64 range); `field`
// names the argument in the message.
int64_t e8_from_py(py::handle v, const char* field);

// Like e8_from_py, but None (and an absent argument) is 0.
inline int64_t e8_or_zero(py::handle v, const char* field) {
  return v.is_none() ? 0 : e8_from_py(v, field);
}

template <typename T>
T fixed_from_py(py::handle v, const char* field) {
  return T::from_e8(e8_or_zero(v, field));
}

// The exact decimal.Decimal of a 1e-8 count.
py::object decimal_from_e8(int64_t e8);

}  // namespace ose::python
