// Events: what apply() reports. One fixed-size POD per outcome, so the Runner can copy it into
// a response ring and the broadcast ring without allocation.
#pragma once

#include <cstddef>
#include <cstdint>
#include <type_traits>

#include "engine/core/command.hpp"
#include "engine/core/enums.hpp"
#include "engine/core/fixed_point.hpp"
#include "shm/layout.hpp"

namespace ose {

enum class EventType : uint8_t {
  kAccepted = 0,  // new order accepted (pending_new, or untriggered)
  kRejected = 1,  // any input refused; `reason` says why, `op` which input
  kAcked = 2,
  kFill = 3,
  kCancelRequested = 4,
  kCancelled = 5,
  kExpired = 6,
  kTriggered = 7,
  kAmended = 8,
  kAlert = 9,           // `alert` says why
  kBalance = 10,        // deposit / withdrawal applied: asset, amount
  kStrategyState = 11,  // set_strategy applied
  kHalted = 12,         // halt applied
  kResumed = 13,        // resume applied
  kLeverage = 14,       // set_leverage applied
  kCreated = 15,        // engine-created order (bracket exit), named by its engine id
};
inline constexpr int kEventTypeCount = 16;
std::string_view to_string(EventType t) noexcept;

struct Event {
  uint64_t seq;
  int64_t ts;
  uint64_t order_id;
  uint64_t cl_id;
  // Fill: 1 + the trade's number in the State's trade window (StateHeader::trades_written before
  // it), 0 otherwise. The 48-byte id itself does not fit a 128-byte ring record beside the rest,
  // so readers look it up: State::trade(trade_seq) while the window still holds it.
  uint64_t trade_seq;
  EventType type;
  Op op;  // the input's op (rejects of non-order inputs need it)
  OrderStatus status;
  Side side;
  RejectReason reason;
  AlertReason alert;
  uint16_t client;
  uint16_t account;
  uint16_t strategy;
  uint16_t instrument;
  uint16_t asset;  // fee asset (fill), balance asset (deposit/withdraw)
  Liquidity liquidity;
  uint8_t reserved0;
  uint32_t reserved1;
  Qty qty;        // fill qty; order qty for accepted/amended
  Price price;    // fill price; order price for accepted/amended
  Amount amount;  // fee (fill); amount (deposit/withdraw); leverage (kLeverage, whole units)
};
// clang-format off
#define OSE_EVENT_FIELDS(X)                                                                       \
  X(Event, seq) X(Event, ts) X(Event, order_id) X(Event, cl_id) X(Event, trade_seq)               \
  X(Event, type) X(Event, op) X(Event, status) X(Event, side) X(Event, reason) X(Event, alert)    \
  X(Event, client) X(Event, account) X(Event, strategy) X(Event, instrument) X(Event, asset)      \
  X(Event, liquidity) X(Event, reserved0) X(Event, reserved1) X(Event, qty) X(Event, price)       \
  X(Event, amount)
// clang-format on
OSE_LAYOUT_ASSERT(Event, OSE_EVENT_FIELDS, 0);
static_assert(std::is_trivially_copyable_v<Event>);
static_assert(sizeof(Event) == 88);

// The one way apply() starts an event: zero ids and amounts, and every index kNoIndex, because
// index 0 is a real account, asset, client... and a field a handler forgets must not name one.
constexpr Event make_event(EventType type) noexcept {
  Event e{};
  e.type = type;
  e.client = e.account = e.strategy = e.instrument = e.asset = kNoIndex;
  return e;
}

// The venue's ids an event stands for, which it does not carry (trade_seq and order_id name
// them): a fill's trade id and an ack's venue order id, each empty when the event has none or
// its reader can no longer see it. Filled from a State the reader owns (event_venue_ids() in
// engine/formats) or from the live segment (StateReader::read_event_ids()).
struct EventVenueIds {
  VenueId trade_id{};
  VenueId venue_order_id{};
};

// Receives every event apply() emits, in order. Implementations must not throw; the hot path
// ones copy the event into a ring.
class EventSink {
 public:
  virtual void on_event(const Event& event) noexcept = 0;

 protected:
  ~EventSink() = default;
};

// Discards events: benchmarks of the bare core, recovery replay.
class NullEventSink final : public EventSink {
 public:
  void on_event(const Event&) noexcept override {}
};

}  // namespace ose
