// Engine events and client responses as Python objects: ose.Event (a broadcast event),
// ose.Response (an Event answering one of this client's requests) and ose.Overrun (the marker an
// event tail yields when it fell behind the ring and lost events).
#pragma once

#include <pybind11/pybind11.h>

#include <memory>

#include "engine/client/state_reader.hpp"
#include "engine/core/event.hpp"
#include "engine/layout/shared_layout.hpp"
#include "python/src/names.hpp"

namespace ose::python {

namespace py = pybind11;

struct PyEvent {
  Event event{};
  EventVenueIds ids{};  // read when the event was taken: the trade window moves on
  std::shared_ptr<const Names> names;
  bool has_event = true;  // false for a response that carries no event (kResponseDone)
};

struct PyResponse : PyEvent {
  uint64_t request = 0;
  uint8_t flags = 0;
};

struct PyOverrun {
  uint64_t lost = 0;
};

PyEvent make_event(const Event& e, const StateReader& r, std::shared_ptr<const Names> names);
PyResponse make_response(const Response& resp, const StateReader& r,
                         std::shared_ptr<const Names> names);
// With the venue ids already read (or left empty where there is no segment: a backtest).
PyResponse make_response(const Response& resp, const EventVenueIds& ids,
                         std::shared_ptr<const Names> names);

}  // namespace ose::python
