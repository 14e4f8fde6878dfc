// Aligned text tables of the state for people (the JSON formats are for programs).
#pragma once

#include <iosfwd>
#include <string>
#include <string_view>

#include "engine/core/state.hpp"

namespace ose::tools {

// Row filters (`ose inspect --account --strategy --symbol --open`); kNoIndex = any.
struct TableFilter {
  uint16_t account = kNoIndex;
  uint16_t strategy = kNoIndex;
  uint16_t instrument = kNoIndex;
  bool open_only = false;  // orders: non-terminal only
};

// A venue's id as a terminal may show it: ids are kept as sent (any UTF-8), so control bytes
// (an ANSI escape, a newline that would break a row or a log line) are shown as \xNN.
std::string printable_id(std::string_view id);

void print_orders(std::ostream& out, const State& s, const TableFilter& f = {});
void print_positions(std::ostream& out, const State& s, const TableFilter& f = {});
void print_balances(std::ostream& out, const State& s, const TableFilter& f = {});
void print_strategies(std::ostream& out, const State& s, const TableFilter& f = {});
void print_market(std::ostream& out, const State& s, const TableFilter& f = {});

}  // namespace ose::tools
