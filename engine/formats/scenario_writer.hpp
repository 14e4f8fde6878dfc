// The inverse of the scenario parser: an applied Input as one scenario line (DESIGN §8), so a
// log of what a live engine applied replays into the same state (`ose engine --input-log`).
#pragma once

#include <string>

#include "engine/core/command.hpp"
#include "engine/core/state.hpp"

namespace ose {

// One line that parse_scenario_line() turns back into exactly this command, source and ts.
// Readable when the command can be said in the scenario vocabulary; a command that cannot
// (a client's garbage record: an out-of-range enum, an unknown index, stray reserved bytes) is
// written as {"op":"raw","command":"<224 hex digits>"} so the log stays exact. Names come from
// `state`'s immutable tables. Cold path.
std::string scenario_line_of(const State& state, const Input& input);

}  // namespace ose
