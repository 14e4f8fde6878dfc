#include "tools/report/run_report.hpp"

#include <unordered_map>

#include "persistence/recovery.hpp"

namespace ose::tools {

namespace {

// Per strategy while replaying.
struct StrategyTrack {
  uint16_t asset = kNoIndex;  // settle asset of the first instrument it filled on
  EquityCurve curve;
  std::vector<RoundTrips> trips;  // per instrument
  std::vector<Amount> net;        // per instrument: realized − fees after the last fill
  explicit StrategyTrack(int64_t step_ns, uint16_t instruments)
      : curve(step_ns), trips(instruments), net(instruments) {}
};

// Events of the input being replayed: order statuses, fills, fees.
class ReportSink final : public EventSink {
 public:
  void on_event(const Event& e) noexcept override {
    switch (e.type) {
      case EventType::kAccepted:
      case EventType::kCreated:
      case EventType::kAcked:
      case EventType::kFill:
      case EventType::kCancelRequested:
      case EventType::kCancelled:
      case EventType::kExpired:
      case EventType::kTriggered:
      case EventType::kAmended:
        if (e.order_id != 0) last_status[e.order_id] = e.status;
        break;
      case EventType::kRejected:
        // A refused new order (it has an id when it got a slot); other refusals name an order
        // that keeps its status.
        if (e.op == Op::kNewOrder) {
          if (e.order_id != 0) {
            last_status[e.order_id] = OrderStatus::kRejected;
          } else {
            ++refused_without_id;
          }
        } else if (e.op == Op::kVenueReject && e.order_id != 0) {
          last_status[e.order_id] = e.status;
        }
        break;
      default:
        break;
    }
    if (e.type == EventType::kFill) {
      ++fills;
      fills_this_input.push_back(e);
    }
  }

  std::unordered_map<uint64_t, OrderStatus> last_status;  // cold path: a report, not the engine
  uint64_t refused_without_id = 0;
  uint64_t fills = 0;
  std::vector<Event> fills_this_input;
};

Amount strategy_pnl(const State& s, uint16_t strategy) {
  Amount pnl;
  for (uint16_t i = 0; i < s.instrument_count(); ++i) {
    const PositionRecord& p = s.strategy_position(strategy, i);
    pnl += p.realized_pnl - p.fees + p.unrealized_pnl;
  }
  return pnl;
}

}  // namespace

Result<RunReport> build_run_report(const EngineConfig& config, Store& store,
                                   const ReportOptions& options) {
  auto genesis = genesis_state(config);
  if (!genesis) return Error{genesis.error()};
  const State& g = *genesis;

  RunReport report;
  report.engine = config.name;
  report.data_dir = config.data_dir;
  report.step_ns = options.step_ns;
  std::vector<StrategyTrack> tracks;
  for (uint16_t s = 0; s < g.strategy_count(); ++s) {
    tracks.emplace_back(options.step_ns, g.instrument_count());
  }

  ReportSink sink;
  RecoverOptions ro;
  // The curve needs every input from the first; when retention pruned the start, the oldest
  // snapshot is as far back as the journal goes (asked for explicitly: the report then says so).
  ro.use_snapshots = options.from_oldest_snapshot;
  ro.oldest_snapshot = true;
  ro.sink = &sink;
  ro.on_start = [&](const State& s) {
    // PnL already made before the snapshot is not a round trip of this replay.
    for (uint16_t st = 0; st < tracks.size() && st < s.strategy_count(); ++st) {
      for (uint16_t i = 0; i < s.instrument_count(); ++i) {
        const PositionRecord& p = s.strategy_position(st, i);
        tracks[st].net[i] = p.realized_pnl - p.fees;
      }
    }
  };
  ro.after_input = [&](const Input& in, const State& s) {
    if (report.inputs == 0) report.first_ts_ns = in.ts;
    ++report.inputs;
    report.last_ts_ns = in.ts;
    ++(in.cmd.op == Op::kTick ? report.ticks : report.commands);
    for (const Event& f : sink.fills_this_input) {
      // A fill may carry no fee (fee_asset = kNoIndex): no fee line then.
      if (f.asset < s.asset_count()) report.fees_by_asset[s.asset(f.asset).code] += f.amount;
      if (f.strategy >= tracks.size() || f.instrument >= s.instrument_count()) continue;
      StrategyTrack& t = tracks[f.strategy];
      if (t.asset == kNoIndex) t.asset = s.instrument(f.instrument).settle;
      const PositionRecord& p = s.strategy_position(f.strategy, f.instrument);
      const Amount net_after = p.realized_pnl - p.fees;
      t.trips[f.instrument].on_fill(p.size, t.net[f.instrument], net_after);
      t.net[f.instrument] = net_after;
    }
    sink.fills_this_input.clear();
    // Equity moves with marks (ticks) and fills; sampling every input keeps the curve exact.
    for (uint16_t st = 0; st < tracks.size(); ++st) {
      if (s.strategy(st).orders == 0 && !options.curve_from_first_input) continue;
      tracks[st].curve.observe(in.ts, strategy_pnl(s, st));
    }
  };
  auto replayed = recover(config, store, ro);
  if (!replayed) return Error{replayed.error()};
  const State& s = replayed->state;
  report.state_hash = replayed->state_hash;
  report.from_snapshot_seq = replayed->snapshot_seq;
  report.fills = sink.fills;

  report.orders = sink.last_status.size() + sink.refused_without_id;
  for (const auto& [id, status] : sink.last_status) {
    ++report.orders_by_status[static_cast<int>(status)];
  }
  report.orders_by_status[static_cast<int>(OrderStatus::kRejected)] += sink.refused_without_id;

  for (uint16_t a = 0; a < s.account_count(); ++a) {
    for (uint16_t i = 0; i < s.instrument_count(); ++i) {
      const PositionRecord& p = s.position(a, i);
      if (!p.touched) continue;
      report.positions.push_back({s.account(a).name, s.instrument(i).symbol, p.size,
                                  p.avg_entry_price, s.market(i).mark, p.realized_pnl, p.fees,
                                  p.unrealized_pnl});
    }
    for (uint16_t x = 0; x < s.asset_count(); ++x) {
      const BalanceRecord& b = s.balance(a, x);
      if (b.free.is_zero() && b.locked.is_zero()) continue;
      report.balances.push_back({s.account(a).name, s.asset(x).code, b.free, b.locked});
    }
  }

  for (uint16_t st = 0; st < tracks.size(); ++st) {
    const StrategyRecord& rec = s.strategy(st);
    if (rec.orders == 0) continue;
    StrategyTrack& t = tracks[st];
    t.curve.finish();
    StrategyPerformance out;
    out.name = rec.name;
    out.account = s.account(rec.account).name;
    if (t.asset == kNoIndex) {
      // Orders but no fill: count in the settle asset of the first instrument it holds a
      // position record for, else the first asset.
      t.asset = s.instrument_count() > 0 ? s.instrument(0).settle : 0;
    }
    out.asset = s.asset(t.asset).code;
    const BalanceRecord& start = g.balance(rec.account, t.asset);
    const Amount capital = start.free + start.locked;
    out.orders = rec.orders;
    out.fills = rec.fills;
    out.volume = rec.volume;
    out.fees = rec.fees;
    out.realized_pnl = rec.realized_pnl;
    for (uint16_t i = 0; i < s.instrument_count(); ++i) {
      out.unrealized_pnl += s.strategy_position(st, i).unrealized_pnl;
    }
    // The curve holds PnL; equity is capital plus it.
    out.curve = t.curve.points();
    for (EquityPoint& p : out.curve) p.equity += capital;
    std::vector<Amount> trades;
    for (const RoundTrips& r : t.trips) {
      trades.insert(trades.end(), r.closed().begin(), r.closed().end());
    }
    out.performance = measure_performance(capital, out.curve, trades, options.step_ns);
    report.strategies.push_back(std::move(out));
  }
  return report;
}

}  // namespace ose::tools
