// Runs a Strategy (strategy.hpp) live against a running engine: LiveContext is the
// StrategyContext over a Client (orders into its command ring, reads from the state segment, the
// wall clock); LiveDriver turns what the engine publishes into callbacks, one pass at a time; and
// run_live() is the loop that runs those passes.
// `ose backtest` (tools/backtest/) is the other driver, over a simulated engine.
#pragma once

#include <atomic>
#include <cstdint>
#include <functional>
#include <span>
#include <string>
#include <vector>

#include "engine/client/client.hpp"
#include "engine/client/strategy.hpp"

namespace ose {

class LiveContext final : public StrategyContext {
 public:
  explicit LiveContext(Client& client) noexcept : client_(client) {}

  int64_t now_ns() const noexcept override;
  const State& names() const noexcept override { return client_.state().names(); }
  NewOrderCmd order_template(std::string_view account, std::string_view strategy,
                             std::string_view symbol) const noexcept override {
    return client_.order_template(account, strategy, symbol);
  }
  uint64_t next_cl_id() noexcept override;

  uint64_t new_order(const NewOrderCmd& order) noexcept override {
    return client_.new_order(order);
  }
  uint64_t cancel(uint64_t cl_id) noexcept override { return client_.cancel(cl_id); }
  uint64_t cancel_all(uint16_t account, uint16_t strategy, uint16_t instrument) noexcept override {
    return client_.cancel_all(account, strategy, instrument);
  }

  bool read_market(uint16_t instrument, MarketRecord& out) const noexcept override {
    return client_.state().read_market(instrument, out);
  }
  bool read_order(uint64_t order_id, OrderRecord& out) const noexcept override {
    return client_.state().read_order(order_id, out);
  }
  bool read_strategy(uint16_t strategy, StrategyRecord& out) const noexcept override {
    return client_.state().read_strategy(strategy, out);
  }
  bool read_strategy_position(uint16_t strategy, uint16_t instrument,
                              PositionRecord& out) const noexcept override {
    return client_.state().read_strategy_position(strategy, instrument, out);
  }
  bool read_balance(uint16_t account, uint16_t asset, BalanceRecord& out) const noexcept override {
    return client_.state().read_balance(account, asset, out);
  }

  void set_timer(int64_t at_ns) noexcept override {
    timer_at_ns_ = at_ns;
    timer_set_ = true;
  }
  // For the driver: true (and the timer cleared) when a timer is set and due at `now`.
  bool take_due_timer(int64_t now) noexcept;
  bool timer_set() const noexcept { return timer_set_; }

 private:
  Client& client_;
  uint64_t cl_id_ = 0;  // the last id handed out; 0 until the first
  int64_t timer_at_ns_ = 0;
  bool timer_set_ = false;
};

// Turns what the engine publishes into a Strategy's callbacks, one pass at a time, so that a
// caller owns the loop: run_live() below spins it against a running engine, a lockstep test
// interleaves it with an in-process engine and venue. Watches `instruments` (copied).
class LiveDriver {
 public:
  LiveDriver(Client& client, Strategy& strategy, std::span<const uint16_t> instruments);

  // on_start(): empty when the strategy runs, else why it refuses (then pass() and finish() are
  // not for calling).
  std::string start();
  // One pass: every response in the client's ring → on_response() (a dropped one is not
  // replayed: the lagging flag is cleared, strategies decide from the state, which is current);
  // every watched instrument whose market record changed (a new ts) → on_market(); a timer due
  // by the wall clock → on_timer(). True when any callback ran.
  bool pass();
  // on_stop().
  void finish();

 private:
  Client& client_;
  Strategy& strategy_;
  LiveContext ctx_;
  std::vector<uint16_t> instruments_;
  std::vector<int64_t> last_ts_;  // per watched instrument: the market ts last passed on
};

// Drives `strategy` with a LiveDriver until `stop` turns true (0) or the engine goes silent for
// 5 s (1; logged): start() first (a refusal is logged and returns 1 without on_stop()); then
// passes, with the client's heartbeat after each; finish() at the end. The loop spins while
// there is work and sleeps 50 µs between passes once it has been idle for 1000 of them. `log`
// may be empty (quiet).
int run_live(Client& client, Strategy& strategy, std::span<const uint16_t> instruments,
             const std::atomic<bool>& stop, std::function<void(const std::string&)> log);

}  // namespace ose
