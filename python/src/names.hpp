// The names of an engine's configured entities (they never change while it runs), as Python
// strings ready to hand out, and the lookups from a name to its index that raise KeyError with
// the known names listed.
#pragma once

#include <pybind11/pybind11.h>

#include <cstdint>
#include <memory>
#include <string>
#include <vector>

#include "engine/client/state_reader.hpp"

namespace ose::python {

namespace py = pybind11;

struct NameList {
  const char* what;  // "symbol", "account"...: for messages
  std::vector<py::str> names;
  py::dict index;  // name → index

  // The name of index i, or None for kNoIndex (and any index out of range).
  py::object name(uint16_t i) const {
    if (i < names.size()) return names[i];
    return py::none();
  }
  // The index of `name`: KeyError listing the known names when unknown.
  uint16_t find(py::handle name, const std::string& engine) const;
};

struct Names {
  std::string engine;
  NameList assets{"asset", {}, {}};
  NameList instruments{"symbol", {}, {}};
  NameList accounts{"account", {}, {}};
  NameList strategies{"strategy", {}, {}};
  NameList clients{"client", {}, {}};

  static std::shared_ptr<const Names> of(const std::string& engine, const StateReader& r);
  // From a State's names (a backtest's, which has no segment to read).
  static std::shared_ptr<const Names> of(const std::string& engine, const State& s);

  // {"assets": [...], "instruments": [...], ...}: the names by table, in index order.
  py::dict as_dict() const;
};

}  // namespace ose::python
