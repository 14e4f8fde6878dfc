// `ose._ose`: the compiled half of the `ose` Python package (python/ose/__init__.py is the other
// half and the one users import). docs/PYTHON.md describes the API.
#include "python/src/module.hpp"

PYBIND11_MODULE(_ose, m) {
  m.doc() =
      "Compiled core of the `ose` package: order entry, responses, events and state of a running "
      "ose engine through shared memory. Import `ose`, not this module.";
  // Order matters: later bindings use the exception classes and enums registered first.
  ose::python::bind_errors(m);
  ose::python::bind_enums(m);
  ose::python::bind_events(m);
  ose::python::bind_state(m);
  ose::python::bind_client(m);
  ose::python::bind_strategy(m);
  ose::python::bind_backtest(m);
}
