// ose.Client (compiled base): order entry and responses over the client's shared-memory rings,
// mirroring engine/client/client.hpp. Names are resolved once (dict lookups of the engine's
// names), money is converted exactly (decimal_conv.hpp), and waiting releases the GIL.
#include <pybind11/pybind11.h>

#include <chrono>
#include <memory>
#include <optional>
#include <string>

#include "engine/client/client.hpp"
#include "python/src/decimal_conv.hpp"
#include "python/src/enums.hpp"
#include "python/src/errors.hpp"
#include "python/src/events.hpp"
#include "python/src/fast_call.hpp"
#include "python/src/module.hpp"
#include "python/src/names.hpp"
#include "python/src/order_args.hpp"
#include "python/src/wait_loop.hpp"

namespace ose::python {

namespace {

WaitMode wait_mode(py::handle mode) {
  if (!PyUnicode_Check(mode.ptr())) {
    throw py::type_error("mode: expected str ('park', 'yield' or 'spin'), got " +
                         py::repr(mode).cast<std::string>());
  }
  if (PyUnicode_CompareWithASCIIString(mode.ptr(), "park") == 0) return WaitMode::kPark;
  if (PyUnicode_CompareWithASCIIString(mode.ptr(), "yield") == 0) return WaitMode::kYield;
  if (PyUnicode_CompareWithASCIIString(mode.ptr(), "spin") == 0) return WaitMode::kSpin;
  throw py::value_error("mode: '" + mode.cast<std::string>() + "' is not one of park, yield, spin");
}

class PyClient {
 public:
  PyClient(const std::string& engine, const std::string& name) : engine_(engine), name_(name) {
    require_engine(engine);
    auto c = Client::attach(engine, name);
    if (!c) {
      // Name the configured clients when the name is not one of them: the C++ message can only
      // say the segment is missing.
      auto reader = StateReader::attach(engine);
      if (reader && reader->names().find_client(name) == kNoIndex) {
        std::string known;
        for (uint16_t i = 0; i < reader->client_count(); ++i) {
          const char* n = reader->names().client(i).name;
          known += (known.empty() ? "" : ", ") + std::string(n, strnlen(n, kNameLen));
        }
        raise(ErrorKind::kUnknownClient,
              "no client '" + name + "' on engine '" + engine + "'; its [[clients]] are: " + known);
      }
      raise_attach_error(engine, c.error());
    }
    client_.emplace(std::move(*c));
    names_ = Names::of(engine, client_->state());
    default_strategy_ = client_->strategy(name);
    // Generated cl_ids start at the wall clock in ns: above any a previous run of this client
    // generated (the engine refuses a (client, cl_id) it still holds), and far above small
    // hand-picked ids.
    next_cl_id_ = static_cast<uint64_t>(std::chrono::duration_cast<std::chrono::nanoseconds>(
                                            std::chrono::system_clock::now().time_since_epoch())
                                            .count());
  }

  uint64_t new_order(const NewOrderArgs& a) {
    Client& c = live();
    Command cmd = make_command(Op::kNewOrder);
    NewOrderCmd& n = cmd.new_order;
    fill_new_order(n, a, *names_, c.state().names(), default_strategy_, name_);
    n.cl_id = a.cl_id.is_none() ? next_cl_id() : a.cl_id.cast<uint64_t>();
    last_cl_id_ = n.cl_id;
    return submitted(c.new_order(n));
  }

  uint64_t cancel(uint64_t cl_id) { return submitted(live().cancel(cl_id)); }
  uint64_t cancel_order(uint64_t order_id) { return submitted(live().cancel_order(order_id)); }
  uint64_t amend(uint64_t cl_id, py::handle qty, py::handle price) {
    return submitted(
        live().amend(cl_id, fixed_from_py<Qty>(qty, "qty"), fixed_from_py<Price>(price, "price")));
  }
  uint64_t cancel_all(py::handle account, py::handle strategy, py::handle symbol) {
    const auto index = [this](const NameList& l, py::handle name) {
      return name.is_none() ? kNoIndex : l.find(name, engine_);
    };
    return submitted(live().cancel_all(index(names_->accounts, account),
                                       index(names_->strategies, strategy),
                                       index(names_->instruments, symbol)));
  }

  py::object poll() {
    Client& c = live();
    refuse_if_waiting();
    Response r;
    if (!c.poll(r)) return py::none();
    return response_object(r);
  }

  py::object wait(py::handle timeout, WaitMode mode) {
    Client& c = live();
    refuse_if_waiting();
    Response r;
    // A response already there is taken with the GIL held: releasing and retaking it costs
    // more than the look, and a strategy that keeps up mostly finds one waiting.
    c.heartbeat();
    if (c.poll(r)) return response_object(r);
    waiting_ = true;  // read and written with the GIL held only
    bool got = false;
    try {
      got = wait_in_slices(timeout, [&](int64_t ns) { return c.wait(r, mode, ns); });
    } catch (...) {
      waiting_ = false;
      throw;
    }
    waiting_ = false;
    if (!got) return py::none();
    return response_object(r);
  }

  // wait(timeout=None, mode="park") as a fastcall (fast_call.hpp).
  py::object wait_fast(PyObject* const* args, Py_ssize_t nargs, PyObject* kwnames) {
    static Keyword keywords[] = {{"timeout"}, {"mode"}};
    PyObject* v[2];
    parse_arguments("wait", keywords, args, nargs, kwnames, v);
    return wait(v[0] == nullptr ? py::handle(Py_None) : v[0],
                v[1] == nullptr ? WaitMode::kPark : wait_mode(v[1]));
  }

  void close() {
    refuse_if_waiting();
    client_.reset();  // releases the client's slot
  }

  uint64_t next_cl_id() { return next_cl_id_++; }

  py::object response_object(const Response& r) const {
    return py::cast(make_response(r, client_->state(), names_));
  }

  const std::string engine_, name_;
  std::optional<Client> client_;
  std::shared_ptr<const Names> names_;
  uint16_t default_strategy_ = kNoIndex;
  uint64_t next_cl_id_ = 1, last_cl_id_ = 0;
  bool waiting_ = false;

  Client& live() {
    if (!client_) raise(ErrorKind::kClosed, "client '" + name_ + "' was closed");
    return *client_;
  }

 private:
  uint64_t submitted(uint64_t request) const {
    if (request == 0) {
      raise(ErrorKind::kCommandRingFull,
            "the command ring of client '" + name_ + "' is full (engine '" + engine_ +
                "' is behind, or stopped taking this client's commands); nothing was submitted");
    }
    return request;
  }
  // The response ring has one reader: a second thread polling it while one waits (with the GIL
  // released) would race it.
  void refuse_if_waiting() const {
    if (waiting_) throw std::runtime_error("another thread is waiting on this client");
  }
};

}  // namespace

namespace {

// The body of a fastcall method of ose.Client: Method(self, args...) with C++ exceptions
// translated.
template <py::object (PyClient::*Method)(PyObject* const*, Py_ssize_t, PyObject*)>
PyObject* client_fastcall(PyObject* self, PyObject* const* args, Py_ssize_t nargs,
                          PyObject* kwnames) {
  return translated([&] {
    return (py::handle(self).cast<PyClient&>().*Method)(args, nargs, kwnames).release().ptr();
  });
}

PyObject* client_poll(PyObject* self, PyObject*) {
  return translated([&] { return py::handle(self).cast<PyClient&>().poll().release().ptr(); });
}

// poll() and wait() run once per response: fastcalls, as new_order (fast_call.hpp).
PyMethodDef g_poll{"poll", client_poll, METH_NOARGS,
                   "poll($self, /)\n--\n\nThe next Response, or None."};
PyMethodDef g_wait{
    "wait",
    reinterpret_cast<PyCFunction>(
        reinterpret_cast<void (*)()>(&client_fastcall<&PyClient::wait_fast>)),
    METH_FASTCALL | METH_KEYWORDS,
    "wait($self, /, timeout=None, mode='park')\n--\n\n"
    "The next Response, waiting up to `timeout` seconds (None: forever) with the GIL "
    "released; None on timeout. mode: 'park' (sleeps ~50 µs between looks), 'yield' or "
    "'spin' (lowest latency, burns a core). A response already waiting is returned without "
    "releasing the GIL. Ctrl-C raises KeyboardInterrupt."};

}  // namespace

void bind_client(py::module_& m) {
  py::class_<PyClient> cls(m, "Client", "A client of a running engine (compiled base).");
  add_method(cls, &g_poll);
  add_method(cls, &g_wait);
  def_new_order(
      cls, [](PyClient& c, const NewOrderArgs& a) { return c.new_order(a); },
      "Submit a new order; returns the request id its responses carry.\n\n"
      "symbol, account, strategy: names (KeyError lists the known ones); strategy defaults "
      "to the one named like this client, account to that strategy's account.\n"
      "side, type, tif: ose.Side/OrderType/Tif members or their words ('buy', 'limit', "
      "'gtc').\n"
      "qty, price, stop_price, callback_rate, activation_price, stop_loss, take_profit: "
      "money as str, decimal.Decimal or int (a float raises TypeError); None = 0.\n"
      "expire_ts: ns since the Unix epoch (tif='gtd'). cl_id: generated when omitted "
      "(see last_cl_id). Raises ose.CommandRingFull when the engine is behind.");
  cls.def(py::init<const std::string&, const std::string&>(), py::arg("engine"), py::arg("client"))
      .def_property_readonly("engine", [](const PyClient& c) { return c.engine_; })
      .def_property_readonly("name", [](const PyClient& c) { return c.name_; })
      .def_property_readonly(
          "index", [](PyClient& c) { return c.live().index(); },
          "this client's index in the engine's [[clients]]")
      .def_property_readonly("closed", [](const PyClient& c) { return !c.client_; })
      .def_property_readonly(
          "last_cl_id", [](const PyClient& c) { return c.last_cl_id_; },
          "the cl_id of the last new_order() (generated or given)")
      .def("next_cl_id", &PyClient::next_cl_id,
           "Reserve a generated cl_id (to know it before new_order(cl_id=...)).")
      .def("cancel", &PyClient::cancel, py::arg("cl_id"), "Cancel by client order id.")
      .def("cancel_order", &PyClient::cancel_order, py::arg("order_id"),
           "Cancel by engine order id.")
      .def("amend", &PyClient::amend, py::arg("cl_id"), py::kw_only(), py::arg("qty") = py::none(),
           py::arg("price") = py::none(), "Amend qty and/or price (None: unchanged).")
      .def("cancel_all", &PyClient::cancel_all, py::kw_only(), py::arg("account") = py::none(),
           py::arg("strategy") = py::none(), py::arg("symbol") = py::none(),
           "Cancel every working order matching the filters (None: any).")
      .def("heartbeat", [](PyClient& c) { c.live().heartbeat(); })
      .def_property_readonly(
          "lagging", [](PyClient& c) { return c.live().lagging(); },
          "the engine dropped responses for this client (ring full)")
      .def("clear_lagging", [](PyClient& c) { c.live().clear_lagging(); })
      .def(
          "engine_alive", [](PyClient& c) { return c.live().engine_alive(); },
          "the engine's heartbeat is recent and it accepts commands")
      .def("close", &PyClient::close, "Release the client's slot. Idempotent.")
      .def("__enter__", [](py::object self) { return self; })
      .def("__exit__", [](PyClient& c, py::args) {
        c.close();
        return false;
      });
}

AttachedClient attached_client(py::handle client) {
  if (!py::isinstance<PyClient>(client)) throw py::type_error("expected an ose.Client");
  PyClient& c = client.cast<PyClient&>();
  return AttachedClient{&c.live(), c.engine_, c.name_};
}

}  // namespace ose::python
