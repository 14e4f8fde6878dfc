// GET /metrics: a live engine's figures in Prometheus' text format, read through the read-only
// mapping — the segment header and ClientStatus words (each read on its own, relaxed), a copy of
// the small tables it shows (StateReader::copy_tables: strategies, positions, balances, markets
// and the state header) and the order table's counts by status, read in place and kept up to
// date from the slots whose version moved (StateReader::count_orders_by_status with a tally). Never
// a copy of the order table: a scrape every 100 ms beside a busy engine must cost it next to
// nothing (docs/PERFORMANCE.md, "Issue 19"). Money is in the config's units (a decimal, exact to
// 1e-8); names and metric list: docs/OPERATIONS.md.
#pragma once

#include <memory>
#include <mutex>
#include <string>

#include "engine/client/state_reader.hpp"
#include "engine/core/result.hpp"

namespace ose::tools {

// The order counts' memory between scrapes (StateReader::OrderStatusTally), so that a scrape
// reads only the order slots changed since the last one; kept for the mapping it was built
// from, and started afresh when the engine is mapped anew. Concurrent scrapes take turns.
class ScrapeOrderTally {
 public:
  Result<StateReader::OrderStatusCounts> count(const std::shared_ptr<const StateReader>& reader);

 private:
  std::mutex mutex_;
  std::shared_ptr<const StateReader> reader_;  // the mapping tally_ belongs to
  StateReader::OrderStatusTally tally_;
};

// `copy_attempts`: copies of the small tables between two input boundaries tried before
// falling back to row-by-row reads (as StateReader::copy_tables).
Result<std::string> render_metrics(const std::shared_ptr<const StateReader>& r,
                                   ScrapeOrderTally& orders, int copy_attempts = 200);

// When no engine is mapped: ose_up 0 alone, so that alerts on `ose_up == 0` fire.
std::string render_metrics_down(const std::string& engine);

}  // namespace ose::tools
