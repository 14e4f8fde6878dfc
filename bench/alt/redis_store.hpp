// RedisStore: the Redis alternative of the performance study (issue 6) — order state kept the
// way a trading bot that picked Redis keeps it: one hash per order, trade, position and
// balance, each event applied as one MULTI … EXEC through hiredis's synchronous API, with a
// PUBLISH of the event so that other processes (a UI, a risk monitor) can follow.
//
// Key layout (every amount an e8 integer in decimal — exact; balances, position sizes and
// realized PnL move by HINCRBY, the other fields are set with HSET):
//   order:{order_id}        account instrument side status qty_e8 price_e8 filled_e8
//                           avg_fill_price_e8 locked_e8
//   trade:{trade_id}        order account instrument side qty_e8 price_e8 fee_e8
//   pos:{account}:{instr}   size_e8 (signed, + long) avg_price_e8 realized_pnl_e8
//   bal:{account}:quote     free_e8 locked_e8          (the quote asset, fees are paid in it)
//   bal:{account}:base{i}   free_e8 locked_e8          (instrument i's base asset)
//   channel ose:events      "<kind> order=<id> trade=<id> ... " one message per event
// status is one of new, open, partially_filled, filled, cancelled.
//
// Money rules, ose's spot rules: a new buy locks qty·limit of quote, a new sell locks qty of
// base; a fill releases its pro-rata share of the lock (the order's last fill releases the rest,
// so locks return exactly to zero), pays qty·price (+ fee, in quote) or receives it (− fee);
// a cancel releases what is still locked. Positions net buys against sells.
//
// Exactness: the average prices are computed here in C++, with ose's own formulas
// (engine/accounting: net_fill, ratio_e8; one half-even rounding to 1e-8 per update), from the
// size/avg this store keeps in memory for each position and working order. A Lua script could
// keep them server-side, but Lua numbers are doubles (53-bit mantissa) and qty_e8·price_e8
// reaches 1e19: the product would round. The position's size in Redis is still moved by
// HINCRBY, and apply() checks Redis's answer against its own size — a divergence is reported.
//
// Not reproduced from ose: duplicate-trade and overfill guards beyond "fill ≤ remaining" on a
// known order, balance sufficiency checks. A bot on Redis does without them or pays a Lua round
// trip for each; the study compares the cost of keeping state, not of risk checks.
#pragma once

#include <charconv>
#include <chrono>
#include <concepts>
#include <cstdint>
#include <memory>
#include <string>
#include <string_view>
#include <unordered_map>
#include <vector>

#include "bench/alt/order_workload.hpp"
#include "engine/core/fixed_point.hpp"
#include "engine/core/result.hpp"

struct redisContext;

namespace ose::bench {

struct RedisStoreOptions {
  // connect() seeds bal:{a}:quote and bal:{a}:base{i} and zeroes pos:{a}:{i} for every account
  // a < accounts and instrument i < instruments (match the WorkloadOptions). Others start empty.
  uint32_t accounts = 1;
  uint16_t instruments = 4;
  int64_t quote_seed_e8 = 100'000'000 * kScale;  // 100 million quote units free
  int64_t base_seed_e8 = 10'000 * kScale;        // 10 000 of each base asset free
  std::string channel = "ose:events";
  // Bounds the connect and every reply: a dead server turns into an error, never a hang.
  std::chrono::milliseconds timeout{5'000};
};

class RedisStore final : public OrderEventStore {
 public:
  static Result<std::unique_ptr<RedisStore>> connect(const std::string& host, int port,
                                                     const RedisStoreOptions& options = {});
  ~RedisStore() override;
  RedisStore(const RedisStore&) = delete;
  RedisStore& operator=(const RedisStore&) = delete;

  std::string name() const override { return "Redis (hiredis, MULTI/EXEC + PUBLISH)"; }

  // One MULTI, the event's commands, EXEC — appended to hiredis's output buffer and sent in one
  // write, then the replies read back: one round trip per event, as a careful bot pipelines it
  // (a naive one pays a round trip per command). "" once EXEC answered without an error.
  // Redis does not roll a transaction back: if a command fails inside EXEC the others still
  // apply, and the error is returned (the in-memory averages are then not updated).
  std::string apply(const OrderEvent& e) override;

  // Whether the socket has TCP_NODELAY (hiredis sets it on every TCP connect; checked, not
  // assumed: connect() fails without it, since Nagle would add up to 40 ms per event).
  bool tcp_nodelay() const;

  const RedisStoreOptions& options() const noexcept { return options_; }

 private:
  // The state a position and a working order need for exact averages and lock releases.
  struct Position {
    int64_t size_e8 = 0;  // signed, + long
    int64_t avg_e8 = 0;   // 0 when flat
  };
  struct WorkingOrder {
    uint32_t account = 0;
    uint16_t instrument = 0;
    uint8_t side = 0;  // 0 buy, 1 sell
    int64_t qty_e8 = 0;
    int64_t price_e8 = 0;
    int64_t filled_e8 = 0;
    i128 fill_value_e16 = 0;  // Σ fill qty_e8 · price_e8: the exact average fill price's numerator
    int64_t lock_e8 = 0;      // locked when the order was placed (quote for buys, base for sells)
    int64_t locked_e8 = 0;    // still locked: lock_e8 minus what the fills released
  };

  // One command's arguments, built without a format string: hiredis 0.14 declares no printf
  // attribute, so a "%lld" against an int64_t would go unchecked. Reused, so no allocation
  // once the buffers have grown to the largest command.
  class Command {
   public:
    template <typename... Parts>
    Command& arg(const Parts&... parts) {
      const size_t begin = buf_.size();
      (cat(parts), ...);
      spans_.push_back({begin, buf_.size() - begin});
      return *this;
    }
    // Appends the command to the context's output buffer (hiredis copies it) and clears.
    bool append_to(redisContext* c);

   private:
    void cat(std::string_view s) { buf_.append(s); }
    template <std::integral T>
    void cat(T v) {
      char digits[24];
      const auto r = std::to_chars(digits, digits + sizeof digits, v);
      buf_.append(digits, r.ptr);
    }

    struct Span {
      size_t begin, size;
    };
    std::string buf_;
    std::vector<Span> spans_;
    std::vector<const char*> argv_;
    std::vector<size_t> lens_;
  };

  RedisStore(redisContext* ctx, RedisStoreOptions options);

  // Appends the command built in cmd_ to the output buffer; false only when out of memory.
  bool append() { return cmd_.append_to(ctx_); }
  void append_publish(const OrderEvent& e);
  // After MULTI, `queued` commands and EXEC were appended: sends them in one write and reads
  // every reply (so the connection stays in step even after an error). EXEC's integer answers
  // land in replies_ by position in the transaction (0 for other answers). "" on success.
  std::string read_replies(size_t queued);

  redisContext* ctx_;
  RedisStoreOptions options_;
  Command cmd_;
  std::string message_;  // the PUBLISH payload, reused
  std::vector<int64_t> replies_;
  std::unordered_map<uint64_t, WorkingOrder> orders_;  // working orders only, by order_id
  std::unordered_map<uint64_t, Position> positions_;   // by account << 16 | instrument
};

}  // namespace ose::bench
