// ose.Strategy's compiled base (the PyStrategy trampoline) and ose.run_live's compiled half: a
// LiveDriver (engine/client/live_strategy.hpp) passing over a Client, the GIL released between
// callbacks, Ctrl-C (or a Python exception in a callback) ending the run after on_stop().
#include <pybind11/pybind11.h>
#include <pybind11/stl.h>

#include <chrono>
#include <thread>
#include <vector>

#include "engine/client/live_strategy.hpp"
#include "python/src/module.hpp"
#include "python/src/names.hpp"
#include "python/src/py_strategy.hpp"
#include "python/src/strategy_context.hpp"
#include "shm/clock.hpp"

namespace ose::python {

namespace {

// How often the idle loop takes the GIL to look for Ctrl-C: well inside the 100 ms the issue
// allows for a wait.
constexpr int64_t kSignalCheckNs = 20'000'000;

PyStrategy& strategy_of(py::handle strategy) {
  auto* s = dynamic_cast<PyStrategy*>(&strategy.cast<Strategy&>());
  if (s == nullptr) throw py::type_error("expected an instance of a subclass of ose.Strategy");
  return *s;
}

// The loop of ose::run_live, with Python's needs: the GIL is released throughout (callbacks take
// it), a pending signal is looked for every kSignalCheckNs, and a failed callback ends the run.
// Returns 0 when stopped (Ctrl-C, `seconds` passed), 1 when the engine went silent, and raises
// what a callback raised.
int run_live_py(py::handle client, py::handle strategy, const std::vector<std::string>& symbols,
                py::handle seconds) {
  const AttachedClient c = attached_client(client);
  PyStrategy& s = strategy_of(strategy);
  const auto names = Names::of(c.engine, c.client->state());
  std::vector<uint16_t> instruments;
  for (const std::string& symbol : symbols) {
    instruments.push_back(names->instruments.find(py::str(symbol), c.engine));
  }
  const int64_t until =
      seconds.is_none() ? INT64_MAX
                        : shm::monotonic_ns() + static_cast<int64_t>(seconds.cast<double>() * 1e9);
  Client* cl = c.client;
  s.begin_run(c.engine, [cl](const Event& e) { return cl->state().read_event_ids(e); });
  int rc = 0;
  std::exception_ptr signal_error;  // a signal's exception other than KeyboardInterrupt
  {
    py::gil_scoped_release release;
    LiveDriver driver(*cl, s, instruments);
    const std::string refused = driver.start();
    if (!refused.empty()) {
      py::gil_scoped_acquire gil;
      s.end_run();  // raises what on_start raised, if it did
      throw py::value_error("the strategy refused to start: " + refused);
    }
    uint64_t idle = 0;
    int64_t next_check = shm::monotonic_ns() + kSignalCheckNs;
    while (!s.failed()) {
      const bool work = driver.pass();
      if (!cl->engine_alive(5'000'000'000)) {
        rc = 1;
        break;
      }
      cl->heartbeat();
      const int64_t now = shm::monotonic_ns();
      if (now >= until) break;
      if (now >= next_check) {
        next_check = now + kSignalCheckNs;
        py::gil_scoped_acquire gil;
        if (PyErr_CheckSignals() != 0) {
          // Ctrl-C (or a SIGTERM the script turned into KeyboardInterrupt): a clean stop.
          if (PyErr_ExceptionMatches(PyExc_KeyboardInterrupt) != 0) {
            PyErr_Clear();
          } else {
            signal_error = std::make_exception_ptr(py::error_already_set());
          }
          break;
        }
      }
      if (work) {
        idle = 0;
      } else if (++idle > 1000) {
        std::this_thread::sleep_for(std::chrono::microseconds(50));
      }
    }
    driver.finish();
  }
  s.take_interrupt();  // Ctrl-C during a callback: a clean stop as well
  s.end_run();
  if (signal_error) std::rethrow_exception(signal_error);
  return rc;
}

}  // namespace

void bind_strategy(py::module_& m) {
  bind_strategy_context(m);
  py::class_<Strategy, PyStrategy>(m, "Strategy",
                                   "A strategy the C++ drivers run (compiled base of "
                                   "ose.Strategy: subclass that, not this).")
      .def(py::init_alias<>());
  m.def("_run_live", &run_live_py, py::arg("client"), py::arg("strategy"), py::arg("symbols"),
        py::arg("seconds") = py::none(),
        "Drive `strategy` live over the open ose.Client `client`, watching `symbols`, until "
        "Ctrl-C, `seconds` (None: no limit) or the engine going silent for 5 s (returns 1).");
}

}  // namespace ose::python
