#include "tools/serve/metrics.hpp"

#include <fmt/format.h>

#include <span>
#include <vector>

#include "engine/core/enums.hpp"
#include "engine/formats/json_format.hpp"
#include "engine/layout/command_latency.hpp"
#include "shm/clock.hpp"
#include "tools/serve/prometheus_text.hpp"

namespace ose::tools {

namespace {

std::string dec(int64_t e8) {
  return format_decimal_e8(e8);
}

void engine_metrics(PrometheusText& p, const StateReader& r, const StateHeader& sh) {
  const shm::SegmentHeader& seg = r.segment_header();
  const StateSegmentHeader& h = r.header();
  const std::string engine(h.engine_name);
  // Relaxed: monitoring figures, each read on its own.
  const int32_t pid = seg.owner_pid.load(std::memory_order_relaxed);
  const int64_t age_ns = shm::monotonic_ns() - seg.heartbeat_ns.load(std::memory_order_relaxed);
  const uint64_t applied = h.applied_seq.load(std::memory_order_relaxed);
  const uint64_t durable = h.journal.durable_seq.load(std::memory_order_relaxed);
  const JournalStatus& js = h.journal;

  p.family("ose_up", "gauge", "1 while the engine's process is alive");
  p.sample("ose_up", {{"engine", engine}}, uint64_t{shm::process_alive(pid) ? 1u : 0u});
  p.family("ose_heartbeat_age_seconds", "gauge", "Time since the engine thread's last heartbeat");
  p.sample("ose_heartbeat_age_seconds", {},
           fmt::format("{:.6f}", static_cast<double>(age_ns) / 1e9));
  p.family("ose_accepting", "gauge", "1 while the engine takes commands, 0 while it drains");
  p.sample("ose_accepting", {}, uint64_t{h.accepting.load(std::memory_order_relaxed)});
  p.family("ose_applied_seq", "gauge", "Seq of the last input applied");
  p.sample("ose_applied_seq", {}, applied);
  p.family("ose_durable_seq", "gauge", "Seq of the last input the journal committed");
  p.sample("ose_durable_seq", {}, durable);
  p.family("ose_durable_lag_inputs", "gauge", "Inputs applied but not yet committed");
  p.sample("ose_durable_lag_inputs", {}, applied > durable ? applied - durable : 0);
  p.family("ose_inputs_applied_total", "counter", "Inputs applied (commands, ticks, timers)");
  p.sample("ose_inputs_applied_total", {}, sh.inputs_applied);
  p.family("ose_inputs_per_second", "gauge", "Inputs applied per second, last 100 ms interval");
  p.sample("ose_inputs_per_second", {}, h.inputs_per_sec.load(std::memory_order_relaxed));
  p.family("ose_ticks_applied_total", "counter", "Ticks applied from in-process feeds");
  p.sample("ose_ticks_applied_total", {}, h.ticks_applied.load(std::memory_order_relaxed));
  p.family("ose_events_published_total", "counter", "Events written to the broadcast ring");
  p.sample("ose_events_published_total", {}, h.broadcast_published.load(std::memory_order_relaxed));
  p.family("ose_illegal_transitions_total", "counter", "Order transitions the FSM refused");
  p.sample("ose_illegal_transitions_total", {}, sh.illegal_transitions);

  p.family("ose_journal_state", "gauge", "The journal's state (1 on the current one)");
  const uint32_t state = js.state.load(std::memory_order_relaxed);
  for (const auto& [value, name] :
       {std::pair{JournalState::kNone, "off"}, std::pair{JournalState::kWriting, "writing"},
        std::pair{JournalState::kFailing, "failing"},
        std::pair{JournalState::kHalting, "halting"}}) {
    p.sample("ose_journal_state", {{"state", name}},
             uint64_t{state == static_cast<uint32_t>(value) ? 1u : 0u});
  }
  p.family("ose_journal_commits_total", "counter", "Journal write transactions committed");
  p.sample("ose_journal_commits_total", {}, js.commits.load(std::memory_order_relaxed));
  p.family("ose_journal_lag_seconds", "gauge",
           "Input ts to its commit: the last commit's, and the worst (the async loss window)");
  p.sample("ose_journal_lag_seconds", {{"which", "last"}},
           fmt::format("{:.9f}",
                       static_cast<double>(js.last_lag_ns.load(std::memory_order_relaxed)) / 1e9));
  p.sample("ose_journal_lag_seconds", {{"which", "max"}},
           fmt::format("{:.9f}",
                       static_cast<double>(js.max_lag_ns.load(std::memory_order_relaxed)) / 1e9));
  p.family("ose_snapshot_seq", "gauge", "Seq of the newest snapshot (0: none)");
  p.sample("ose_snapshot_seq", {}, js.snapshot_seq.load(std::memory_order_relaxed));

  p.family("ose_rejects_total", "counter", "Commands rejected, by reason");
  for (int i = 1; i < kRejectReasonCount; ++i) {
    p.sample("ose_rejects_total", {{"reason", to_string(static_cast<RejectReason>(i))}},
             sh.rejects[i]);
  }
  p.family("ose_alerts_total", "counter", "Alerts raised, by reason");
  for (int i = 0; i < kAlertReasonCount; ++i) {
    p.sample("ose_alerts_total", {{"reason", to_string(static_cast<AlertReason>(i))}},
             sh.alerts[i]);
  }
}

// Seconds with nine decimals, exactly (integer arithmetic): 128 ns is 0.000000128.
std::string seconds_from_ns(uint64_t ns) {
  return fmt::format("{}.{:09}", ns / 1'000'000'000, ns % 1'000'000'000);
}

// The Runner's command-latency histogram (engine/layout/command_latency.hpp), copied whole under
// its seqlock, so the cumulative buckets, _count and _sum agree with each other.
void latency_metrics(PrometheusText& p, const StateReader& r) {
  LatencyCounts c{};
  // A writer holds the seqlock odd for one batch; a dead one could leave it odd: bounded, and
  // the family is then left out rather than shown torn.
  if (!r.header().command_latency.load(c, 1u << 16)) return;
  const char* name = "ose_command_latency_seconds";
  p.family(name, "histogram",
           "Command arrival in its ring (the client's send stamp) to the engine having published "
           "the last response of its batch");
  const std::string bucket = std::string(name) + "_bucket";
  uint64_t cumulative = 0;
  for (int i = 0; i < kLatencyBuckets; ++i) {
    cumulative += c.buckets[i];
    p.sample(bucket, {{"le", seconds_from_ns(latency_bucket_bound_ns(i))}}, cumulative);
  }
  p.sample(bucket, {{"le", "+Inf"}}, c.count);
  p.sample(std::string(name) + "_sum", {}, std::string_view(seconds_from_ns(c.sum_ns)));
  p.sample(std::string(name) + "_count", {}, c.count);
  p.family("ose_command_latency_max_seconds", "gauge",
           "The largest command latency since the engine started");
  p.sample("ose_command_latency_max_seconds", {}, std::string_view(seconds_from_ns(c.max_ns)));
}

void client_metrics(PrometheusText& p, const StateReader& r) {
  const StateSegmentHeader& h = r.header();
  p.family("ose_clients", "gauge", "Clients attached, lagging and quarantined");
  p.sample("ose_clients", {{"state", "attached"}},
           uint64_t{h.clients_attached.load(std::memory_order_relaxed)});
  p.sample("ose_clients", {{"state", "lagging"}},
           uint64_t{h.clients_lagging.load(std::memory_order_relaxed)});
  p.sample("ose_clients", {{"state", "quarantined"}},
           uint64_t{h.clients_quarantined.load(std::memory_order_relaxed)});
  struct Counter {
    const char* name;
    const char* type;
    const char* help;
    std::atomic<uint64_t> ClientStatus::*field;
  };
  static constexpr Counter kCounters[] = {
      {"ose_client_commands_total", "counter", "Inputs applied from this client",
       &ClientStatus::commands},
      {"ose_client_malformed_total", "counter", "Its commands rejected MALFORMED",
       &ClientStatus::malformed},
      {"ose_client_violations_total", "counter", "Ring protocol violations",
       &ClientStatus::violations},
      {"ose_client_responses_dropped_total", "counter",
       "Responses dropped on a full response ring (the client lags)",
       &ClientStatus::responses_dropped},
      {"ose_client_ring_depth", "gauge", "Unread commands in its ring at the engine's last look",
       &ClientStatus::command_depth},
      {"ose_client_disconnects_total", "counter", "Times its disconnect policy ran",
       &ClientStatus::disconnects},
  };
  for (const Counter& c : kCounters) {
    p.family(c.name, c.type, c.help);
    for (uint16_t i = 0; i < r.client_count(); ++i) {
      const std::string name = client_name(r.names(), i);
      // Relaxed: monitoring counters, each read on its own.
      p.sample(c.name, {{"client", name}},
               (r.client_status(i).*c.field).load(std::memory_order_relaxed));
    }
  }
  p.family("ose_client_link", "gauge", "The client's link as the engine sees it (1 on it)");
  for (uint16_t i = 0; i < r.client_count(); ++i) {
    const std::string name = client_name(r.names(), i);
    const uint32_t link = r.client_status(i).link.load(std::memory_order_relaxed);
    for (uint32_t l = 0; l <= static_cast<uint32_t>(ClientLink::kQuarantined); ++l) {
      p.sample("ose_client_link",
               {{"client", name}, {"link", to_string(static_cast<ClientLink>(l))}},
               uint64_t{link == l ? 1u : 0u});
    }
  }
}

// The tables /metrics shows, copied with StateReader::copy_tables (a few KB: never the order
// table, whose figures come from the header's orders_by_status), with State's accessors
// for them. Names and counts come from the reader's attach-time copy (configuration).
struct MetricTables {
  explicit MetricTables(const State& n) : names(n) {}
  const State& names;
  StateHeader header{};
  std::vector<StrategyRecord> strategies;
  std::vector<PositionRecord> positions, strategy_positions;
  std::vector<BalanceRecord> balances;
  std::vector<MarketRecord> markets;

  uint16_t asset_count() const noexcept { return names.asset_count(); }
  uint16_t instrument_count() const noexcept { return names.instrument_count(); }
  uint16_t account_count() const noexcept { return names.account_count(); }
  uint16_t strategy_count() const noexcept { return names.strategy_count(); }
  const StrategyRecord& strategy(uint16_t k) const noexcept { return strategies[k]; }
  const PositionRecord& position(uint16_t a, uint16_t i) const noexcept {
    return positions[size_t{a} * names.caps().instruments + i];
  }
  const PositionRecord& strategy_position(uint16_t k, uint16_t i) const noexcept {
    return strategy_positions[size_t{k} * names.caps().instruments + i];
  }
  const BalanceRecord& balance(uint16_t a, uint16_t k) const noexcept {
    return balances[size_t{a} * names.caps().assets + k];
  }
  const MarketRecord& market(uint16_t i) const noexcept { return markets[i]; }
};

// Room for every row of `table`, and the request that copies them there.
template <typename T>
StateReader::TableRequest table_request(const StateReader& r, VersionedTable table,
                                        std::vector<T>& rows) {
  rows.resize(r.table_rows(table, StateHeader{}));
  return StateReader::TableRequest{table, std::as_writable_bytes(std::span(rows)), 0, false};
}

Result<MetricTables> copy_metric_tables(const StateReader& r, int copy_attempts) {
  MetricTables t(r.names());
  StateReader::TableRequest requests[] = {
      table_request(r, VersionedTable::kStrategies, t.strategies),
      table_request(r, VersionedTable::kPositions, t.positions),
      table_request(r, VersionedTable::kStrategyPositions, t.strategy_positions),
      table_request(r, VersionedTable::kBalances, t.balances),
      table_request(r, VersionedTable::kMarkets, t.markets),
  };
  auto copy = r.copy_tables(requests, copy_attempts);
  if (!copy) return Error{copy.error()};
  if (!copy->fits) return Error{"the state's entity tables are not the size attach saw"};
  t.header = copy->header;
  return t;
}

void order_metrics(PrometheusText& p, const MetricTables& s) {
  p.family("ose_orders", "gauge",
           "Orders in the order table by status (finished ones until their slot is reused)");
  for (int i = 0; i < kOrderStatusCount; ++i) {
    p.sample("ose_orders", {{"status", to_string(static_cast<OrderStatus>(i))}},
             uint64_t{s.header.orders_by_status[i]});
  }
  p.family("ose_live_orders", "gauge", "Orders not yet finished");
  p.sample("ose_live_orders", {}, uint64_t{s.header.live_count});
  p.family("ose_fills_total", "counter", "Fills applied (trades written to the trade window)");
  p.sample("ose_fills_total", {}, s.header.trades_written);
}

int64_t strategy_unrealized_e8(const MetricTables& s, uint16_t k) {
  int64_t sum = 0;
  for (uint16_t i = 0; i < s.instrument_count(); ++i) {
    sum += s.strategy_position(k, i).unrealized_pnl.e8;
  }
  return sum;
}

void strategy_metrics(PrometheusText& p, const MetricTables& s) {
  using Value = std::string (*)(const MetricTables&, uint16_t);
  struct Row {
    const char* name;
    const char* type;
    const char* help;
    Value value;
  };
  static constexpr Row kRows[] = {
      {"ose_strategy_open_orders", "gauge", "Working and untriggered orders of the strategy",
       [](const MetricTables& st, uint16_t k) {
         return fmt::format("{}", st.strategy(k).open_orders);
       }},
      {"ose_strategy_orders_total", "counter", "New orders accepted",
       [](const MetricTables& st, uint16_t k) { return fmt::format("{}", st.strategy(k).orders); }},
      {"ose_strategy_fills_total", "counter", "Fills",
       [](const MetricTables& st, uint16_t k) { return fmt::format("{}", st.strategy(k).fills); }},
      {"ose_strategy_volume", "counter", "Sum of fill notional, quote units",
       [](const MetricTables& st, uint16_t k) { return dec(st.strategy(k).volume.e8); }},
      {"ose_strategy_fees", "counter", "Fees, settle units",
       [](const MetricTables& st, uint16_t k) { return dec(st.strategy(k).fees.e8); }},
      {"ose_strategy_realized_pnl", "gauge", "Gross realized PnL, settle units",
       [](const MetricTables& st, uint16_t k) { return dec(st.strategy(k).realized_pnl.e8); }},
      {"ose_strategy_unrealized_pnl", "gauge", "Unrealized PnL of its positions at the mark",
       [](const MetricTables& st, uint16_t k) { return dec(strategy_unrealized_e8(st, k)); }},
      {"ose_strategy_max_drawdown", "gauge", "Worst drop of realized PnL net of fees",
       [](const MetricTables& st, uint16_t k) { return dec(st.strategy(k).max_drawdown.e8); }},
      {"ose_strategy_halted", "gauge", "1 while the strategy is halted",
       [](const MetricTables& st, uint16_t k) {
         return std::string(st.strategy(k).halted != 0 ? "1" : "0");
       }},
  };
  for (const Row& row : kRows) {
    p.family(row.name, row.type, row.help);
    for (uint16_t k = 0; k < s.strategy_count(); ++k) {
      p.sample(row.name, {{"strategy", strategy_name(s.names, k)}},
               std::string_view(row.value(s, k)));
    }
  }
}

// Per (account, instrument) and (strategy, instrument): the positions any fill or leverage
// change touched, as the canonical JSON lists them.
void position_metrics(PrometheusText& p, const MetricTables& s) {
  struct Field {
    const char* suffix;
    const char* help;
    int64_t (*get)(const PositionRecord&);
  };
  static constexpr Field kFields[] = {
      {"size", "Signed position size (> 0 long)",
       [](const PositionRecord& q) { return q.size.e8; }},
      {"unrealized_pnl", "Unrealized PnL at the mark, settle units",
       [](const PositionRecord& q) { return q.unrealized_pnl.e8; }},
      {"realized_pnl", "Gross realized PnL, settle units",
       [](const PositionRecord& q) { return q.realized_pnl.e8; }},
      {"fees", "Fees, settle units", [](const PositionRecord& q) { return q.fees.e8; }},
      {"margin", "Position margin (futures), settle units",
       [](const PositionRecord& q) { return q.margin.e8; }},
  };
  for (const Field& f : kFields) {
    const std::string account_metric = fmt::format("ose_position_{}", f.suffix);
    p.family(account_metric, "gauge", fmt::format("{}, per account and instrument", f.help));
    for (uint16_t a = 0; a < s.account_count(); ++a) {
      for (uint16_t i = 0; i < s.instrument_count(); ++i) {
        const PositionRecord& q = s.position(a, i);
        if (q.touched == 0) continue;
        p.sample(account_metric,
                 {{"account", account_name(s.names, a)}, {"symbol", instrument_name(s.names, i)}},
                 std::string_view(dec(f.get(q))));
      }
    }
    const std::string strategy_metric = fmt::format("ose_strategy_position_{}", f.suffix);
    p.family(strategy_metric, "gauge", fmt::format("{}, per strategy and instrument", f.help));
    for (uint16_t k = 0; k < s.strategy_count(); ++k) {
      for (uint16_t i = 0; i < s.instrument_count(); ++i) {
        const PositionRecord& q = s.strategy_position(k, i);
        if (q.touched == 0) continue;
        p.sample(strategy_metric,
                 {{"strategy", strategy_name(s.names, k)}, {"symbol", instrument_name(s.names, i)}},
                 std::string_view(dec(f.get(q))));
      }
    }
  }
  // Fees per instrument: what every account paid trading it (settle units).
  p.family("ose_instrument_fees", "counter", "Fees paid on the instrument, settle units");
  for (uint16_t i = 0; i < s.instrument_count(); ++i) {
    int64_t fees = 0;
    for (uint16_t a = 0; a < s.account_count(); ++a) fees += s.position(a, i).fees.e8;
    p.sample("ose_instrument_fees", {{"symbol", instrument_name(s.names, i)}},
             std::string_view(dec(fees)));
  }
}

void balance_and_market_metrics(PrometheusText& p, const MetricTables& s) {
  p.family("ose_balance", "gauge", "Balance per account and asset: free and locked");
  for (uint16_t a = 0; a < s.account_count(); ++a) {
    for (uint16_t k = 0; k < s.asset_count(); ++k) {
      const BalanceRecord& b = s.balance(a, k);
      const std::string account = account_name(s.names, a), asset = asset_name(s.names, k);
      p.sample("ose_balance", {{"account", account}, {"asset", asset}, {"kind", "free"}},
               std::string_view(dec(b.free.e8)));
      p.sample("ose_balance", {{"account", account}, {"asset", asset}, {"kind", "locked"}},
               std::string_view(dec(b.locked.e8)));
    }
  }
  p.family("ose_market_price", "gauge", "The instrument's last known bid, ask, last and mark");
  for (uint16_t i = 0; i < s.instrument_count(); ++i) {
    const MarketRecord& m = s.market(i);
    const std::string symbol = instrument_name(s.names, i);
    const auto price = [&](const char* kind, uint8_t has, Price v) {
      if (has != 0)
        p.sample("ose_market_price", {{"symbol", symbol}, {"kind", kind}},
                 std::string_view(dec(v.e8)));
    };
    price("bid", m.has_bid, m.bid);
    price("ask", m.has_ask, m.ask);
    price("last", m.has_last, m.last);
    price("mark", m.has_mark, m.mark);
  }
}

}  // namespace

Result<std::string> render_metrics(const StateReader& r, int copy_attempts) {
  // A seqlocked read gives up after ~2^20 tries on a row the engine holds mid-write: an engine
  // descheduled mid-input on a loaded host (seen beside a busy benchmark: a few 503s in a
  // hundred scrapes) looks stuck for that long. The reads are cheap; try again before
  // answering 503.
  constexpr int kTries = 3;
  const auto tried = [](auto read) {
    for (int i = 1;; ++i) {
      auto got = read();
      if (got || i == kTries) return got;
    }
  };
  auto tables = tried([&] { return copy_metric_tables(r, copy_attempts); });
  if (!tables) return Error{tables.error()};
  const MetricTables& s = *tables;
  PrometheusText p;
  engine_metrics(p, r, s.header);
  p.family("ose_state_seq", "gauge", "Seq of the state copy the table figures below come from");
  p.sample("ose_state_seq", {}, s.header.seq);
  latency_metrics(p, r);
  client_metrics(p, r);
  order_metrics(p, s);
  strategy_metrics(p, s);
  position_metrics(p, s);
  balance_and_market_metrics(p, s);
  return p.text();
}

std::string render_metrics_down(const std::string& engine) {
  PrometheusText p;
  p.family("ose_up", "gauge", "1 while the engine's process is alive");
  p.sample("ose_up", {{"engine", engine}}, uint64_t{0});
  return p.text();
}

}  // namespace ose::tools
