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
  if (PyUnicode_Check(name.ptr())) {
    // One lookup, no temporaries: this runs for every name of every order.
    PyObject* i = PyDict_GetItemWithError(index.ptr(), name.ptr());  // borrowed
    if (i != nullptr) return static_cast<uint16_t>(PyLong_AsUnsignedLong(i));
    if (PyErr_Occurred() != nullptr) throw py::error_already_set();
  }
  std::string known;
  for (const py::str& n : names) known += (known.empty() ? "" : ", ") + n.cast<std::string>();
  throw py::key_error("unknown " + std::string(what) + " " + py::repr(name).cast<std::string>() +
                      " on engine '" + engine + "'; it has: " + known);
}

std::shared_ptr<const Names> Names::of(const std::string& engine, const StateReader& r) {
  return of(engine, r.names());
}

std::shared_ptr<const Names> Names::of(const std::string& engine, const State& s) {
  auto n = std::make_shared<Names>();
  n->engine = engine;
  for (uint16_t i = 0; i < s.asset_count(); ++i) add(n->assets, name_str(s.asset(i).code));
  for (uint16_t i = 0; i < s.instrument_count(); ++i) {
    add(n->instruments, name_str(s.instrument(i).symbol));
  }
  for (uint16_t i = 0; i < s.account_count(); ++i) add(n->accounts, name_str(s.account(i).name));
  for (uint16_t i = 0; i < s.strategy_count(); ++i) {
    add(n->strategies, name_str(s.strategy(i).name));
  }
  for (uint16_t i = 0; i < s.client_count(); ++i) add(n->clients, name_str(s.client(i).name));
  return n;
}

py::dict Names::as_dict() const {
  const auto list = [](const NameList& l) {
    py::list out;
    for (const py::str& n : l.names) out.append(n);
    return out;
  };
  py::dict d;
  d["assets"] = list(assets);
  d["instruments"] = list(instruments);
  d["accounts"] = list(accounts);
  d["strategies"] = list(strategies);
  d["clients"] = list(clients);
  return d;
}

}  // namespace ose::python
