// Memory-level parallelism for a stream of inputs. apply() on a table of 100k working orders
// spends most of its time waiting for DRAM: the order record, the (client, cl_id) index entry,
// the trade-id index entry, the slot a new order reuses, each a random line. One input's misses
// are serial (each address depends on the last), but the next inputs' addresses are known
// already, so a caller that holds a stream fetches them while the current input is applied:
//
//   for i: prefetch_far(s, in[i + 2]); prefetch_near(s, in[i + 1]); apply(s, in[i], sink);
//
// (apply_stream() below; `Ahead` counts what the inputs in between take.) prefetch_far() starts
// what the input alone names (its order's record by engine id, its index entry by (client, cl_id),
// the slot a new order will take); prefetch_near(), one input later, follows what those lines hold
// (the order an index entry points at, the trade-id entries a fill will probe and forget, the index
// entry of the order a reused slot drops). Both only read and issue prefetch hints: they change
// nothing, so the State and every outcome are exactly those of apply() alone, and a hint made stale
// by the inputs in between costs a wasted line, nothing else.
#pragma once

#include <cstddef>

#include "engine/core/apply.hpp"

namespace ose {

// What the inputs still to be applied before this one will have taken by then: the trade ring
// and the order slots are handed out in order, so the position this input gets is now + these.
struct Ahead {
  uint32_t fills = 0;
  uint32_t new_orders = 0;

  void count(const Command& cmd) noexcept {
    fills += cmd.op == Op::kFill ? 1 : 0;
    new_orders += cmd.op == Op::kNewOrder ? 1 : 0;
  }
  static Ahead of(const Input* inputs, size_t count) noexcept {
    Ahead a;
    for (size_t k = 0; k < count; ++k) a.count(inputs[k].cmd);
    return a;
  }
};

// Hints for the command of an input still to come (only its command is read).
void prefetch_far(const State& s, const Command& cmd, Ahead ahead) noexcept;
void prefetch_near(const State& s, const Command& cmd, Ahead ahead) noexcept;

// Applies inputs[0, count) in order with the two-stage lookahead above. `on_applied(i, outcome)`
// runs after each input, before the next is applied (a caller publishes or journals there).
template <typename OnApplied>
void apply_stream(State& s, const Input* inputs, size_t count, EventSink& sink,
                  OnApplied&& on_applied) noexcept {
  if (count > 0) prefetch_far(s, inputs[0].cmd, Ahead{});
  if (count > 1) prefetch_far(s, inputs[1].cmd, Ahead::of(inputs, 1));
  if (count > 0) prefetch_near(s, inputs[0].cmd, Ahead{});
  for (size_t i = 0; i < count; ++i) {
    if (i + 2 < count) prefetch_far(s, inputs[i + 2].cmd, Ahead::of(inputs + i, 2));
    if (i + 1 < count) prefetch_near(s, inputs[i + 1].cmd, Ahead::of(inputs + i, 1));
    on_applied(i, apply(s, inputs[i], sink));
  }
}

inline void apply_stream(State& s, const Input* inputs, size_t count, EventSink& sink) noexcept {
  apply_stream(s, inputs, count, sink, [](size_t, const ApplyOutcome&) noexcept {});
}

}  // namespace ose
