// Blocking waits that let the rest of Python run: the GIL is released while waiting, and taken
// back at least every kSliceNs to check for signals, so Ctrl-C raises KeyboardInterrupt within
// that time and other Python threads run meanwhile.
#pragma once

#include <pybind11/pybind11.h>

#include <algorithm>
#include <cstdint>

#include "shm/clock.hpp"

namespace ose::python {

namespace py = pybind11;

inline constexpr int64_t kSliceNs = 50'000'000;  // half the 100 ms the issue allows for Ctrl-C

// Nanoseconds to wait for a `timeout` in seconds (int or float: a duration, not money), or -1
// for None (forever).
inline int64_t timeout_ns(py::handle timeout) {
  if (timeout.is_none()) return -1;
  const double s = timeout.cast<double>();
  return s <= 0 ? 0 : static_cast<int64_t>(s * 1e9);
}

// Calls try_slice(ns) with the GIL released until it returns true (then true) or the timeout
// passes (then false). try_slice must return within about ns and must not touch Python objects.
template <typename F>
bool wait_in_slices(py::handle timeout, F&& try_slice) {
  const int64_t total = timeout_ns(timeout);
  const int64_t deadline = total < 0 ? INT64_MAX : shm::monotonic_ns() + total;
  for (;;) {
    const int64_t left = deadline - shm::monotonic_ns();
    bool got = false;
    {
      py::gil_scoped_release release;
      got = try_slice(std::clamp<int64_t>(left, 0, kSliceNs));
    }
    if (got) return true;
    if (PyErr_CheckSignals() != 0) throw py::error_already_set();
    if (shm::monotonic_ns() >= deadline) return false;
  }
}

}  // namespace ose::python
