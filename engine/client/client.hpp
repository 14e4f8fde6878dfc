// The client library: what a strategy, a venue gateway or a tool links to talk to a running
// engine through shared memory. A separate process needs only this header and ose_engine.
//
//   auto c = ose::Client::attach("demo", "ema1");          // cold: maps and claims
//   ose::NewOrderCmd n = c->order_template("main", "ema1", "BTCUSDT");
//   n.cl_id = 1; n.side = ...; n.qty = ...; n.price = ...;
//   uint64_t request = c->new_order(n);                    // 0: command ring full, retry
//   ose::Response r;
//   while (c->wait(r, ose::WaitMode::kSpin, 1'000'000'000)) { ...; if (r.flags & kResponseLast)
//   break; } ose::PositionRecord p; c->state().read_position(account, instrument, p);
//
// Submitting and polling never allocate, lock or make a syscall; waiting by parking sleeps.
#pragma once

#include <cstdint>
#include <string>
#include <string_view>

#include "engine/client/client_line.hpp"
#include "engine/client/state_reader.hpp"
#include "engine/core/command.hpp"
#include "engine/core/result.hpp"
#include "engine/layout/shared_layout.hpp"

namespace ose {

enum class WaitMode : uint8_t {
  kSpin,   // lowest latency; burns the core
  kYield,  // sched_yield between polls
  kPark,   // sleep ~50 µs between polls: for tools and idle strategies
};

class Client {
 public:
  static Result<Client> attach(const std::string& engine, const std::string& client);

  Client(Client&&) noexcept = default;
  Client& operator=(Client&&) noexcept = default;

  // Cold-path name lookups; kNoIndex when unknown.
  uint16_t instrument(std::string_view symbol) const noexcept;
  uint16_t account(std::string_view name) const noexcept;
  uint16_t strategy(std::string_view name) const noexcept;
  uint16_t asset(std::string_view code) const noexcept;
  uint16_t index() const noexcept { return line_.index(); }

  // A new-order command with this client and the named account, strategy and instrument set
  // (unknown names stay kNoIndex: the engine rejects them with the matching reason).
  NewOrderCmd order_template(std::string_view account, std::string_view strategy,
                             std::string_view symbol) const noexcept;

  // Each returns the request id that responses carry (> 0), or 0 when the command ring is full
  // (the engine is behind; try again) or the engine refused this client's ring.
  uint64_t submit(const Command& cmd) noexcept;
  uint64_t new_order(const NewOrderCmd& order) noexcept;
  uint64_t cancel(uint64_t cl_id) noexcept;
  uint64_t cancel_order(uint64_t order_id) noexcept;
  uint64_t amend(uint64_t cl_id, Qty qty, Price price) noexcept;  // 0 = unchanged
  uint64_t cancel_all(uint16_t account, uint16_t strategy, uint16_t instrument) noexcept;

  // The next response, if any.
  bool poll(Response& out) noexcept;
  // Polls until a response arrives or `timeout_ns` passes (false); refreshes the heartbeat.
  bool wait(Response& out, WaitMode mode, int64_t timeout_ns) noexcept;

  // Consistent reads of the engine's tables (seqlocked copies).
  const StateReader& state() const noexcept { return reader_; }

  // Tells the engine this process is alive (only needed with heartbeat_timeout_ms, by a client
  // that neither submits nor waits for long stretches).
  void heartbeat() noexcept;
  // True once the engine dropped a response because this client's ring was full: resync from
  // state(), then clear_lagging().
  bool lagging() const noexcept;
  void clear_lagging() noexcept;
  // The engine's heartbeat is recent and it still accepts commands.
  bool engine_alive(int64_t max_silence_ns = 1'000'000'000) const noexcept;

 private:
  Client(StateReader reader, ClientLine line) noexcept
      : reader_(std::move(reader)), line_(std::move(line)) {}
  void heartbeat_at(int64_t mono_ns) noexcept;
  StateReader reader_;
  ClientLine line_;
};

}  // namespace ose
