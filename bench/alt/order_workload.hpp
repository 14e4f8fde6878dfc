// The order-event workload of the performance study (issue 6): the same stream of events
// applied to ose and to each alternative users would otherwise pick (PostgreSQL tables, Redis
// hashes, a process applying commands received over a message queue or a socket), so that their
// per-event latencies and throughputs compare like for like.
//
// Each order lives through new → ack → partial fill → fill (a share 1 − cancel_share of them)
// or new → ack → cancel. Every event updates the order, and the fills also the position and the
// balance; a new order locks and a cancel releases balance — what a trading bot's store does.
// Orders are interleaved `in_flight` at a time so that the working set is not one row.
#pragma once

#include <cstdint>
#include <string>
#include <vector>

namespace ose::bench {

enum class OrderEventKind : uint8_t { kNew, kAck, kPartialFill, kFill, kCancel };
const char* to_string(OrderEventKind k) noexcept;

struct OrderEvent {
  OrderEventKind kind;
  uint8_t side;         // 0 buy, 1 sell
  uint16_t instrument;  // 0 .. instruments − 1
  uint32_t account;     // 0 .. accounts − 1
  uint64_t order_id;    // 1, 2, …
  uint64_t trade_id;    // fills: unique, 1, 2, …
  int64_t qty_e8;       // new: the order's quantity; fills: the fill's
  int64_t price_e8;     // new: the limit price; fills: the fill price
  int64_t fee_e8;       // fills: in the quote asset
};

struct WorkloadOptions {
  uint64_t orders = 10'000;
  uint16_t instruments = 4;
  uint32_t accounts = 1;
  uint32_t in_flight = 16;  // orders interleaved at once
  uint32_t cancel_share_pct = 40;
  uint64_t seed = 1;
};

// Deterministic for its options. Prices around 30000 on a 0.01 grid, quantities 0.001–0.1 on a
// 0.001 grid; the partial fill takes half (down to the grid), the fill the rest; fees 0.1 %.
std::vector<OrderEvent> make_order_workload(const WorkloadOptions& o);

// One store of order state under test. apply() makes one event durable as the store's own
// configuration defines it (one transaction, one MULTI/EXEC, one request/response) and returns
// an empty string, or why it failed. Not thread-safe: one caller.
class OrderEventStore {
 public:
  virtual ~OrderEventStore() = default;
  virtual std::string name() const = 0;
  virtual std::string apply(const OrderEvent& e) = 0;
};

}  // namespace ose::bench
