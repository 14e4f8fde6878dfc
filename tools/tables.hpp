// Aligned text tables of the state for people (the JSON formats are for programs).
#pragma once

#include <iosfwd>

#include "engine/state.hpp"

namespace ose::tools {

void print_orders(std::ostream& out, const State& s);
void print_positions(std::ostream& out, const State& s);
void print_balances(std::ostream& out, const State& s);
void print_strategies(std::ostream& out, const State& s);

}  // namespace ose::tools
