// The pieces of the `ose._ose` extension module, each registered by its own file.
#pragma once

#include <pybind11/pybind11.h>

namespace ose::python {

namespace py = pybind11;

void bind_errors(py::module_& m);  // errors.cpp
void bind_enums(py::module_& m);   // enums.cpp
void bind_events(py::module_& m);  // event_bindings.cpp
void bind_state(py::module_& m);   // state_bindings.cpp
void bind_client(py::module_& m);  // client_bindings.cpp

}  // namespace ose::python
