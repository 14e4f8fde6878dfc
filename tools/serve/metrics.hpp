// GET /metrics: a live engine's figures in Prometheus' text format, read through the read-only
// mapping — the segment header and ClientStatus words (each read on its own, relaxed), a copy of
// the small tables it shows (StateReader::copy_tables: strategies, positions, balances, markets
// and the state header, which carries the order table's counts by status, kept by the engine:
// StateHeader::orders_by_status). Never a copy of the order table, nor a pass over it: a scrape
// every 100 ms beside a busy engine must cost it next to nothing (docs/PERFORMANCE.md, "Issue 19").
// Money is in the config's units (a decimal, exact to 1e-8); names and metric list:
// docs/OPERATIONS.md.
#pragma once

#include <string>

#include "engine/client/state_reader.hpp"
#include "engine/core/result.hpp"

namespace ose::tools {

// `copy_attempts`: copies of the small tables between two input boundaries tried before
// falling back to row-by-row reads (as StateReader::copy_tables).
Result<std::string> render_metrics(const StateReader& r, int copy_attempts = 200);

// When no engine is mapped: ose_up 0 alone, so that alerts on `ose_up == 0` fire.
std::string render_metrics_down(const std::string& engine);

}  // namespace ose::tools
