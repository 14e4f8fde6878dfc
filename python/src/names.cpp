#include "python/src/names.hpp"

#include <cstring>

namespace ose::python {

namespace {

// A fixed-size, NUL-padded name field as a str.
py::str name_str(const char (&field)[kNameLen]) {
  return py::str(field, strnlen(field, kNameLen));
}

void add(NameList& list, py::str name) {
  list.index[name] = list.names.size();
  list.names.push_back(std::move(name));
}

}  // namespace

uint16_t NameList::find(py::handle name, const std::string& engine) const {
  if (PyUnicode_Check(name.ptr()) && index.contains(name)) return index[name].cast<uint16_t>();
  std::string known;
  for (const py::str& n : names) known += (known.empty() ? "" : ", ") + n.cast<std::string>();
  throw py::key_error("unknown " + std::string(what) + " " + py::repr(name).cast<std::string>() +
                      " on engine '" + engine + "'; it has: " + known);
}

std::shared_ptr<const Names> Names::of(const std::string& engine, const StateReader& r) {
  auto n = std::make_shared<Names>();
  n->engine = engine;
  const State& s = r.names();
  for (uint16_t i = 0; i < r.asset_count(); ++i) add(n->assets, name_str(s.asset(i).code));
  for (uint16_t i = 0; i < r.instrument_count(); ++i) {
    add(n->instruments, name_str(s.instrument(i).symbol));
  }
  for (uint16_t i = 0; i < r.account_count(); ++i) add(n->accounts, name_str(s.account(i).name));
  for (uint16_t i = 0; i < r.strategy_count(); ++i) {
    add(n->strategies, name_str(s.strategy(i).name));
  }
  for (uint16_t i = 0; i < r.client_count(); ++i) add(n->clients, name_str(s.client(i).name));
  return n;
}

}  // namespace ose::python
