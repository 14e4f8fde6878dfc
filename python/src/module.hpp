// The pieces of the `ose._ose` extension module, each registered by its own file.
#pragma once

#include <pybind11/pybind11.h>

#include <string>

#include "engine/client/client.hpp"

namespace ose::python {

namespace py = pybind11;

void bind_errors(py::module_& m);    // errors.cpp
void bind_enums(py::module_& m);     // enums.cpp
void bind_events(py::module_& m);    // event_bindings.cpp
void bind_state(py::module_& m);     // state_bindings.cpp
void bind_client(py::module_& m);    // client_bindings.cpp
void bind_strategy(py::module_& m);  // strategy_bindings.cpp (and strategy_context.cpp)
void bind_backtest(py::module_& m);  // backtest_bindings.cpp

// The open client an ose.Client holds, with its engine's and its own name (client_bindings.cpp).
// Raises TypeError for anything else, ose.ClientClosed for a closed one.
struct AttachedClient {
  Client* client;
  std::string engine, name;
};
AttachedClient attached_client(py::handle client);

}  // namespace ose::python
