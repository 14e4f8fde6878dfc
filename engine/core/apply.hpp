// The pure, deterministic core (DESIGN §5): apply one Input to the State, emitting events.
// No clock reads, no I/O, no allocation, no exceptions. Same inputs ⇒ byte-identical State.
#pragma once

#include "engine/core/command.hpp"
#include "engine/core/event.hpp"
#include "engine/core/state.hpp"

namespace ose {

// What one input did, so a caller learns it without diffing the State's counters.
struct ApplyOutcome {
  // The reason of the first reject the input counted (the input refused, or an order it names
  // rejected: a venue's reject counts its reason); kNone when nothing was rejected.
  RejectReason reject = RejectReason::kNone;
  uint32_t events = 0;  // events emitted to the sink
  uint32_t alerts = 0;  // alert events among them
};

ApplyOutcome apply(State& state, const Input& input, EventSink& sink) noexcept;

}  // namespace ose
