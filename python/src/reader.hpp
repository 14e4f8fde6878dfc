// What ose.Reader holds: a read-only attachment to an engine's state segment (no client slot),
// shared by every array viewing the mapping and every event tail, so the mapping outlives them.
#pragma once

#include <memory>
#include <string>

#include "engine/client/state_reader.hpp"
#include "python/src/names.hpp"

namespace ose::python {

struct PyReader {
  std::string engine;
  std::shared_ptr<const StateReader> reader;
  std::shared_ptr<const Names> names;

  // Raises EngineNotRunning / LayoutMismatch / ose.Error.
  static PyReader attach(const std::string& engine);
};

// event_tail.cpp: the EventTail class, and a new tail of r's broadcast ring.
void bind_event_tail(pybind11::module_& m);
pybind11::object make_event_tail(const PyReader& r, bool oldest, uint64_t since_seq);

}  // namespace ose::python
