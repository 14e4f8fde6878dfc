// GET /metrics: a live engine's figures in Prometheus' text format, read through the read-only
// mapping — the segment header and ClientStatus words (each read on its own, relaxed) and one
// consistent copy of the State (StateReader::copy) for the tables. Money is in the config's
// units (a decimal, exact to 1e-8); names and metric list: docs/OPERATIONS.md.
#pragma once

#include <string>

#include "engine/client/state_reader.hpp"
#include "engine/core/result.hpp"

namespace ose::tools {

// `copy_attempts`: whole-region copies tried before falling back to row-by-row reads (as
// StateReader::copy): each costs a copy of the region, so a server facing a busy engine keeps it
// small.
Result<std::string> render_metrics(const StateReader& r, int copy_attempts = 200);

// When no engine is mapped: ose_up 0 alone, so that alerts on `ose_up == 0` fire.
std::string render_metrics_down(const std::string& engine);

}  // namespace ose::tools
