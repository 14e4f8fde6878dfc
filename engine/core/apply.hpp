// The pure, deterministic core (DESIGN §5): apply one Input to the State, emitting events.
// No clock reads, no I/O, no allocation, no exceptions. Same inputs ⇒ byte-identical State.
#pragma once

#include "engine/core/command.hpp"
#include "engine/core/event.hpp"
#include "engine/core/state.hpp"

namespace ose {

void apply(State& state, const Input& input, EventSink& sink) noexcept;

}  // namespace ose
