// The one interface a strategy is written against, so the same code trades live and in a
// backtest (docs/BACKTEST.md). A strategy reacts to four callbacks and acts only through its
// StrategyContext: order entry, reads of the engine's state, the clock and one timer.
//
//   live      run_live() (engine/client/live_strategy.hpp), a loop of LiveDriver passes, drives
//             it from a Client: market updates read from the state segment, responses from the
//             client's ring, the wall clock;
//   backtest  `ose backtest` (tools/backtest/) drives it from a discrete-event simulation in
//             market time: the same engine core, the simulated venue, latencies modelled.
//
// Callbacks are never re-entered: a command sent from a callback is answered by a later
// on_response(), never from inside new_order(). Everything a strategy decides from should come
// from these calls (not from the wall clock or a random source of its own), or a backtest is not
// reproducible.
#pragma once

#include <cstdint>
#include <string>
#include <string_view>

#include "engine/core/command.hpp"
#include "engine/core/records.hpp"
#include "engine/core/state.hpp"
#include "engine/layout/shared_layout.hpp"

namespace ose {

class StrategyContext {
 public:
  virtual ~StrategyContext() = default;

  // Now: market time in a backtest, the wall clock live (ns since the Unix epoch, UTC).
  virtual int64_t now_ns() const noexcept = 0;

  // The engine's names, capacities and configuration (instruments, accounts, ...), which never
  // change while it runs. Read what changes through the read_* calls below.
  virtual const State& names() const noexcept = 0;
  uint16_t instrument(std::string_view symbol) const noexcept {
    return names().find_instrument(symbol);
  }
  uint16_t account(std::string_view name) const noexcept { return names().find_account(name); }
  uint16_t strategy(std::string_view name) const noexcept { return names().find_strategy(name); }

  // A new-order command with this client and the named account, strategy and instrument set
  // (unknown names stay kNoIndex: the engine rejects them with the matching reason).
  virtual NewOrderCmd order_template(std::string_view account, std::string_view strategy,
                                     std::string_view symbol) const noexcept = 0;
  // A client order id no earlier one of this client used: counting from 1 in a backtest (so
  // reruns are equal), from the wall clock's microseconds live (unique across restarts).
  virtual uint64_t next_cl_id() noexcept = 0;

  // Each returns the request id its responses carry (> 0), or 0 when the command could not be
  // sent now (live: the command ring is full; try again on a later callback).
  virtual uint64_t new_order(const NewOrderCmd& order) noexcept = 0;
  virtual uint64_t cancel(uint64_t cl_id) noexcept = 0;
  virtual uint64_t cancel_all(uint16_t account, uint16_t strategy,
                              uint16_t instrument) noexcept = 0;

  // Consistent copies of the engine's records; false when the index or id names nothing.
  virtual bool read_market(uint16_t instrument, MarketRecord& out) const noexcept = 0;
  virtual bool read_order(uint64_t order_id, OrderRecord& out) const noexcept = 0;
  virtual bool read_strategy(uint16_t strategy, StrategyRecord& out) const noexcept = 0;
  virtual bool read_strategy_position(uint16_t strategy, uint16_t instrument,
                                      PositionRecord& out) const noexcept = 0;
  virtual bool read_balance(uint16_t account, uint16_t asset,
                            BalanceRecord& out) const noexcept = 0;

  // Calls on_timer() once at `at_ns` (or as soon after as the driver can); a later call
  // replaces an earlier, pending one. at_ns <= now: on the next turn.
  virtual void set_timer(int64_t at_ns) noexcept = 0;
};

class Strategy {
 public:
  virtual ~Strategy() = default;

  // Once, before anything else: check the engine has what the strategy needs. A non-empty
  // answer is why it cannot run (the driver prints it and stops).
  virtual std::string on_start(StrategyContext& ctx) = 0;
  // The market of `instrument` changed (a tick the engine applied).
  virtual void on_market(StrategyContext& ctx, uint16_t instrument, const MarketRecord& m) = 0;
  // A response to one of this client's commands (request > 0), or an event about one of its
  // orders (request 0: acks, fills, expiries, triggers...). Flags as in shared_layout.hpp.
  virtual void on_response(StrategyContext& ctx, const Response& r) = 0;
  virtual void on_timer(StrategyContext& ctx) { (void)ctx; }
  // Once, at the end: a summary for the log, say.
  virtual void on_stop(StrategyContext& ctx) { (void)ctx; }
};

}  // namespace ose
