#include <fmt/format.h>

#include <string>

#include "python/src/decimal_conv.hpp"
#include "python/src/enums.hpp"
#include "python/src/events.hpp"
#include "python/src/fast_call.hpp"
#include "python/src/module.hpp"

namespace ose::python {

namespace {

py::object venue_id(const VenueId& id) {
  if (id.empty()) return py::none();
  return py::str(id.view().data(), id.size());
}

bool is_order_event(EventType t) {
  return t != EventType::kAlert && t != EventType::kBalance && t != EventType::kStrategyState &&
         t != EventType::kHalted && t != EventType::kResumed && t != EventType::kLeverage;
}

// The fields that say what happened, for repr(): type, ids, status, reason, fill figures.
std::string describe(const PyEvent& p) {
  const Event& e = p.event;
  if (!p.has_event) return "done";
  std::string s = fmt::format("{} seq={}", to_string(e.type), e.seq);
  if (e.order_id != 0) s += fmt::format(" order_id={}", e.order_id);
  if (e.cl_id != 0) s += fmt::format(" cl_id={}", e.cl_id);
  if (is_order_event(e.type)) s += fmt::format(" status={}", to_string(e.status));
  if (e.reason != RejectReason::kNone) s += fmt::format(" reason={}", to_string(e.reason));
  if (e.alert != AlertReason::kNone) s += fmt::format(" alert={}", to_string(e.alert));
  if (e.type == EventType::kFill) {
    s += fmt::format(" qty={} price={} fee={}", to_string(e.qty), to_string(e.price),
                     to_string(e.amount));
  }
  return s;
}

// Response.request and Response.last, read on every response a wait loop takes, as plain
// CPython getters (fast_call.hpp): a pybind11 property costs ~200 ns a read, most of it the
// generic dispatch.
template <PyObject* (*Get)(const PyResponse&)>
PyObject* response_getter(PyObject* self, void*) {
  return translated([&] { return Get(py::handle(self).cast<const PyResponse&>()); });
}
PyObject* request_of(const PyResponse& p) {
  return PyLong_FromUnsignedLongLong(p.request);
}
PyObject* last_of(const PyResponse& p) {
  return PyBool_FromLong((p.flags & kResponseLast) != 0);
}
PyGetSetDef g_request{"request", &response_getter<&request_of>, nullptr,
                      "the request id it answers; 0 for an unsolicited one (a fill, an expiry)",
                      nullptr};
PyGetSetDef g_last{"last", &response_getter<&last_of>, nullptr, "the last response to `request`",
                   nullptr};

void add_getter(py::handle cls, PyGetSetDef* def) {
  const auto descr = py::reinterpret_steal<py::object>(
      PyDescr_NewGetSet(reinterpret_cast<PyTypeObject*>(cls.ptr()), def));
  if (!descr) throw py::error_already_set();
  py::setattr(cls, def->name, descr);
}

}  // namespace

PyEvent make_event(const Event& e, const StateReader& r, std::shared_ptr<const Names> names) {
  PyEvent p;
  p.event = e;
  if (e.type == EventType::kFill || e.type == EventType::kAcked) p.ids = r.read_event_ids(e);
  p.names = std::move(names);
  return p;
}

PyResponse make_response(const Response& resp, const StateReader& r,
                         std::shared_ptr<const Names> names) {
  const bool has_event = (resp.flags & kResponseDone) == 0;
  const bool has_ids = resp.event.type == EventType::kFill || resp.event.type == EventType::kAcked;
  return make_response(resp, has_event && has_ids ? r.read_event_ids(resp.event) : EventVenueIds{},
                       std::move(names));
}

PyResponse make_response(const Response& resp, const EventVenueIds& ids,
                         std::shared_ptr<const Names> names) {
  PyResponse p;
  p.request = resp.request;
  p.flags = resp.flags;
  p.has_event = (resp.flags & kResponseDone) == 0;
  if (p.has_event) p.event = resp.event;
  p.ids = ids;
  p.names = std::move(names);
  return p;
}

void bind_events(py::module_& m) {
  using E = PyEvent;
  // Fields that only some event types carry read as None elsewhere (reject_reason when not a
  // reject, names of entities the event does not name).
  py::class_<PyEvent>(m, "Event",
                      "One engine event (DESIGN §8 'Events JSONL'): what an applied input did. "
                      "Money fields are decimal.Decimal; enums are ose enum members; entities "
                      "are named (symbol, account, strategy, client, asset), None when the event "
                      "names none.")
      .def_property_readonly(
          "type",
          [](const E& p) -> py::object {
            return p.has_event ? member(p.event.type) : py::object(py::none());
          },
          "ose.EventType (None for a Response that carries no event)")
      .def_property_readonly(
          "seq", [](const E& p) { return p.event.seq; }, "the input's sequence number")
      .def_property_readonly(
          "ts", [](const E& p) { return p.event.ts; }, "engine time, ns since the Unix epoch")
      .def_property_readonly(
          "op", [](const E& p) { return member(p.event.op); }, "ose.Op of the input")
      .def_property_readonly(
          "order_id", [](const E& p) { return p.event.order_id; }, "engine order id (0: none)")
      .def_property_readonly(
          "cl_id", [](const E& p) { return p.event.cl_id; }, "client order id (0: none)")
      .def_property_readonly(
          "status",
          [](const E& p) -> py::object {
            if (!p.has_event || !is_order_event(p.event.type)) return py::none();
            return member(p.event.status);
          },
          "ose.OrderStatus after the event (order events only)")
      .def_property_readonly(
          "side", [](const E& p) { return member(p.event.side); }, "ose.Side")
      .def_property_readonly(
          "reject_reason",
          [](const E& p) -> py::object {
            if (p.event.reason == RejectReason::kNone) return py::none();
            return member(p.event.reason);
          },
          "ose.RejectReason of a rejected event, else None")
      .def_property_readonly(
          "alert",
          [](const E& p) -> py::object {
            if (p.event.alert == AlertReason::kNone) return py::none();
            return member(p.event.alert);
          },
          "ose.AlertReason of an alert event, else None")
      .def_property_readonly(
          "liquidity",
          [](const E& p) -> py::object {
            if (p.event.type != EventType::kFill) return py::none();
            return member(p.event.liquidity);
          },
          "ose.Liquidity of a fill, else None")
      .def_property_readonly(
          "qty", [](const E& p) { return decimal_from_e8(p.event.qty.e8); },
          "fill qty; order qty for accepted/amended (Decimal)")
      .def_property_readonly(
          "price", [](const E& p) { return decimal_from_e8(p.event.price.e8); },
          "fill price; order price for accepted/amended (Decimal)")
      .def_property_readonly(
          "amount", [](const E& p) { return decimal_from_e8(p.event.amount.e8); },
          "fee of a fill, amount of a deposit/withdrawal (Decimal)")
      .def_property_readonly(
          "fee", [](const E& p) { return decimal_from_e8(p.event.amount.e8); },
          "fee of a fill, in fee_asset (Decimal)")
      .def_property_readonly(
          "fee_asset",
          [](const E& p) -> py::object {
            if (p.event.type != EventType::kFill) return py::none();
            return p.names->assets.name(p.event.asset);
          },
          "asset of a fill's fee")
      .def_property_readonly(
          "asset", [](const E& p) { return p.names->assets.name(p.event.asset); },
          "fee asset (fill) or balance asset (deposit/withdraw)")
      .def_property_readonly(
          "symbol", [](const E& p) { return p.names->instruments.name(p.event.instrument); })
      .def_property_readonly("account",
                             [](const E& p) { return p.names->accounts.name(p.event.account); })
      .def_property_readonly("strategy",
                             [](const E& p) { return p.names->strategies.name(p.event.strategy); })
      .def_property_readonly("client",
                             [](const E& p) { return p.names->clients.name(p.event.client); })
      .def_property_readonly(
          "trade_seq", [](const E& p) { return p.event.trade_seq; },
          "a fill's number in the engine's trade window (0 otherwise)")
      .def_property_readonly(
          "trade_id", [](const E& p) { return venue_id(p.ids.trade_id); },
          "the venue's trade id of a fill (str), None if none or no longer readable")
      .def_property_readonly(
          "venue_order_id", [](const E& p) { return venue_id(p.ids.venue_order_id); },
          "the venue's order id of an ack (str), None otherwise")
      .def("__repr__", [](const E& p) { return "<ose.Event " + describe(p) + ">"; });

  py::class_<PyResponse, PyEvent> response(m, "Response",
                                           "An Event answering one of this client's requests: "
                                           "`request` is what new_order()/cancel()/... returned.");
  add_getter(response, &g_request);
  add_getter(response, &g_last);
  response
      .def_property_readonly(
          "flags", [](const PyResponse& p) { return p.flags; }, "raw ResponseFlags bits")
      .def_property_readonly(
          "done", [](const PyResponse& p) { return !p.has_event; },
          "carries no event: the request produced none for this client")
      .def("__repr__", [](const PyResponse& p) {
        return fmt::format("<ose.Response request={}{} {}>", p.request,
                           (p.flags & kResponseLast) != 0 ? " last" : "", describe(p));
      });

  py::class_<PyOverrun>(m, "Overrun",
                        "Yielded by an event tail that fell more than the broadcast ring's "
                        "capacity behind: `lost` events were never seen. Resync from a snapshot.")
      .def_property_readonly("lost", [](const PyOverrun& o) { return o.lost; })
      .def("__repr__",
           [](const PyOverrun& o) { return fmt::format("<ose.Overrun lost={}>", o.lost); });
}

}  // namespace ose::python
