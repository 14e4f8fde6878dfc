// `ose venue --engine NAME --client NAME`: the simulated exchange as its own process. It attaches
// as the venue client, takes the orders the engine releases to it (accepted or triggered,
// cancel requested, amended: docs/VENUE_PROTOCOL.md), reads each order's details and the market
// from the state segment (read-only), runs the matching rules of feeds/venue_model.hpp, and
// answers with ack, venue_reject, fill, cancel_ack and expired — optionally after a latency.
#include <fmt/format.h>

#include <atomic>
#include <chrono>
#include <csignal>
#include <deque>
#include <thread>
#include <vector>

#include "engine/client/client.hpp"
#include "feeds/venue_model.hpp"
#include "feeds/venue_reports.hpp"
#include "shm/clock.hpp"
#include "tools/commands.hpp"
#include "tools/stop_signal.hpp"

namespace ose::tools {

namespace {

struct VenueOptions {
  std::string engine;
  std::string client = "sim";
  bool partial = false;
  double reject_share = 0;
  int64_t ack_latency_us = 0;
  int64_t fill_latency_us = 0;
  uint64_t seed = 1;
  bool quiet = false;
};

struct Pending {
  int64_t due_ns;
  Command cmd;
};

uint64_t engine_seq(const Client& c) {
  StateHeader h{};
  return c.state().read_state_header(h) ? h.seq : 0;
}

class SimVenue {
 public:
  SimVenue(Client client, const VenueOptions& o)
      : c_(std::move(client)),
        o_(o),
        model_(VenueModelOptions{o.partial, static_cast<uint32_t>(o.reject_share * 1e6), o.seed}),
        // Trade ids from the seed, new for each start once the engine has moved on (its seq).
        session_(sim_venue_session(o.seed, engine_seq(c_))) {
    const State& names = c_.state().names();
    last_seen_.resize(names.instrument_count());
  }

  int run() {
    Response r;
    std::vector<VenueAction> actions;
    int64_t next_market_scan = 0;
    uint64_t idle = 0;
    while (!stop_requested()) {
      bool work = false;
      while (c_.poll(r)) {
        work = true;
        handle(r.event, actions);
      }
      const int64_t now = shm::monotonic_ns();
      if (now >= next_market_scan) {  // the market, every 100 µs
        scan_markets(actions);
        next_market_scan = now + 100'000;
      }
      queue(actions);
      work = flush(now) || work;
      if (!c_.engine_alive(5'000'000'000)) {
        fmt::print(stderr, "ose venue: the engine is gone; stopping\n");
        return 1;
      }
      c_.heartbeat();
      if (work) {
        idle = 0;
      } else if (++idle > 1000) {
        std::this_thread::sleep_for(std::chrono::microseconds(50));
      }
    }
    return 0;
  }

  uint64_t fills() const { return fills_; }

 private:
  void handle(const Event& e, std::vector<VenueAction>& out) {
    switch (e.type) {
      case EventType::kAccepted:
      case EventType::kTriggered: {
        if (e.status != OrderStatus::kPendingNew) return;
        OrderRecord o{};
        if (!c_.state().read_order(e.order_id, o)) return;
        model_.on_new(venue_order_of(o), quote_of(o.instrument, false), out);
        return;
      }
      case EventType::kCancelRequested:
        return model_.on_cancel(e.order_id, out);
      case EventType::kAmended:
        return model_.on_amend(e.order_id, e.qty, e.price, quote_of(e.instrument, false), out);
      default:
        return;
    }
  }

  // The market as the venue sees it; `trades` marks a new last price as a trade.
  VenueQuote quote_of(uint16_t instrument, bool trades) {
    VenueQuote q;
    MarketRecord m{};
    if (!c_.state().read_market(instrument, m)) return q;
    q.bid = m.bid;
    q.ask = m.ask;
    q.bid_qty = m.bid_qty;
    q.ask_qty = m.ask_qty;
    q.has_bid = m.has_bid != 0;
    q.has_ask = m.has_ask != 0;
    q.last = m.has_last != 0 ? m.last : Price{};
    q.last_qty = m.volume;  // the feeds put the printed quantity in each trade tick's volume
    q.has_last = trades && m.has_last != 0;
    return q;
  }

  void scan_markets(std::vector<VenueAction>& out) {
    for (uint16_t i = 0; i < last_seen_.size(); ++i) {
      MarketRecord m{};
      if (!c_.state().read_market(i, m) || m.ts == last_seen_[i].ts) continue;
      VenueQuote q = quote_of(i, false);
      q.has_last = m.has_last != 0 && m.last != last_seen_[i].last;
      last_seen_[i] = m;
      model_.on_market(i, q, out);
    }
  }

  void queue(std::vector<VenueAction>& actions) {
    const int64_t now = shm::monotonic_ns();
    for (const VenueAction& a : actions) {
      int64_t delay_us = o_.ack_latency_us;
      VenueId trade_id{};
      InstrumentRecord ins{};  // a fill's fee needs the instrument; the other reports do not
      if (a.kind == VenueActionKind::kFill) {
        OrderRecord o{};
        if (!c_.state().read_order(a.order_id, o)) continue;
        ins = c_.state().names().instrument(o.instrument);
        trade_id = sim_trade_id(session_, next_trade_++);
        delay_us = o_.fill_latency_us;
        ++fills_;
      }
      const Command cmd = venue_report(a, ins, trade_id);
      // Later actions of one order never overtake earlier ones: a due time is never earlier
      // than the last one queued.
      int64_t due = now + delay_us * 1000;
      if (!pending_.empty()) due = std::max(due, pending_.back().due_ns);
      pending_.push_back({due, cmd});
    }
    actions.clear();
  }

  bool flush(int64_t now) {
    bool sent = false;
    while (!pending_.empty() && pending_.front().due_ns <= now) {
      if (c_.submit(pending_.front().cmd) == 0) break;  // ring full: next pass
      pending_.pop_front();
      sent = true;
    }
    return sent;
  }

  Client c_;
  VenueOptions o_;
  VenueModel model_;
  uint64_t session_;
  uint64_t next_trade_ = 1;
  uint64_t fills_ = 0;
  std::vector<MarketRecord> last_seen_;
  std::deque<Pending> pending_;
};

int run_venue(const VenueOptions& o) {
  auto client = Client::attach(o.engine, o.client);
  if (!client) {
    fmt::print(stderr, "ose venue: {}\n", client.error());
    return 1;
  }
  stop_on_signals({SIGINT, SIGTERM});
  if (!o.quiet) {
    fmt::print(stderr, "ose venue: attached to engine {} as {}; SIGINT or SIGTERM stops\n",
               o.engine, o.client);
  }
  SimVenue venue(std::move(*client), o);
  const int rc = venue.run();
  if (!o.quiet) fmt::print(stderr, "ose venue: stopped after {} fills\n", venue.fills());
  return rc;
}

}  // namespace

Run add_venue_command(CLI::App& app) {
  auto* cmd = app.add_subcommand(
      "venue", "Run the simulated exchange as the engine's venue client (docs/VENUE_PROTOCOL.md)");
  auto o = std::make_shared<VenueOptions>();
  cmd->add_option("-e,--engine", o->engine, "Engine name")->required();
  cmd->add_option("--client", o->client, "The venue client's name in the config (default sim)");
  cmd->add_flag("--partial", o->partial, "Fill at most the quantity quoted at the touch");
  cmd->add_option("--reject-share", o->reject_share, "Share of new orders rejected at random")
      ->check(CLI::Range(0.0, 1.0));
  cmd->add_option("--ack-latency-us", o->ack_latency_us, "Delay before acks and rejects (µs)");
  cmd->add_option("--fill-latency-us", o->fill_latency_us, "Delay before fills (µs)");
  cmd->add_option("--seed", o->seed, "Seed of the random rejects and of the trade ids");
  cmd->add_flag("-q,--quiet", o->quiet, "No log lines");
  return [cmd, o]() { return cmd->parsed() ? run_venue(*o) : -1; };
}

}  // namespace ose::tools
