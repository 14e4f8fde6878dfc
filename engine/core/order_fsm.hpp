// The order state machine as one literal table (DESIGN §4). apply() looks every transition up
// here; kX marks an illegal one, which is refused, counted and reported, never applied.
#pragma once

#include <cstdint>

#include "engine/core/enums.hpp"

namespace ose {

enum class OrderEvent : uint8_t {
  kAck = 0,          // venue accepted the order
  kVenueReject = 1,  // venue refused the order
  kPartialFill = 2,  // a fill that leaves quantity open
  kFinalFill = 3,    // a fill that completes the quantity
  kCancelRequest = 4,
  kCancelAck = 5,  // venue confirmed the cancel
  kExpire = 6,     // IOC/FOK remainder, GTD expiry, venue expiry
  kTrigger = 7,    // a conditional order's trigger condition was met
  kAmend = 8,
};
inline constexpr int kOrderEventCount = 9;
std::string_view to_string(OrderEvent e) noexcept;

namespace fsm {
inline constexpr OrderStatus kX = static_cast<OrderStatus>(0xFF);  // illegal
inline constexpr OrderStatus kUnt = OrderStatus::kUntriggered;
inline constexpr OrderStatus kNew = OrderStatus::kPendingNew;
inline constexpr OrderStatus kOpn = OrderStatus::kOpen;
inline constexpr OrderStatus kPrt = OrderStatus::kPartiallyFilled;
inline constexpr OrderStatus kPcn = OrderStatus::kPendingCancel;
inline constexpr OrderStatus kFil = OrderStatus::kFilled;
inline constexpr OrderStatus kCxl = OrderStatus::kCancelled;
inline constexpr OrderStatus kRej = OrderStatus::kRejected;
inline constexpr OrderStatus kExp = OrderStatus::kExpired;

// clang-format off
inline constexpr OrderStatus kNext[kOrderStatusCount][kOrderEventCount] = {
//                        Ack   VReject PartFill FinalFill CancelReq CancelAck Expire Trigger Amend
/* untriggered      */ {  kX,   kX,     kX,      kX,       kCxl,     kX,       kExp,  kNew,   kUnt },  // cancel is immediate: the venue never saw it
/* pending_new      */ {  kOpn, kRej,   kPrt,    kFil,     kPcn,     kX,       kExp,  kX,     kNew },
/* open             */ {  kX,   kX,     kPrt,    kFil,     kPcn,     kX,       kExp,  kX,     kOpn },
/* partially_filled */ {  kX,   kX,     kPrt,    kFil,     kPcn,     kX,       kExp,  kX,     kPrt },
/* pending_cancel   */ {  kPcn, kRej,   kPcn,    kFil,     kX,       kCxl,     kExp,  kX,     kX   },  // ack and fills may race the cancel
/* filled           */ {  kX,   kX,     kX,      kX,       kX,       kX,       kX,    kX,     kX   },
/* cancelled        */ {  kX,   kX,     kX,      kX,       kX,       kX,       kX,    kX,     kX   },
/* rejected         */ {  kX,   kX,     kX,      kX,       kX,       kX,       kX,    kX,     kX   },
/* expired          */ {  kX,   kX,     kX,      kX,       kX,       kX,       kX,    kX,     kX   },
};
// clang-format on
}  // namespace fsm

// The next status, or fsm::kX when the transition is illegal.
constexpr OrderStatus next_status(OrderStatus from, OrderEvent event) noexcept {
  const auto s = static_cast<unsigned>(from);
  const auto e = static_cast<unsigned>(event);
  if (s >= static_cast<unsigned>(kOrderStatusCount) ||
      e >= static_cast<unsigned>(kOrderEventCount)) {
    return fsm::kX;
  }
  return fsm::kNext[s][e];
}
constexpr bool is_legal(OrderStatus from, OrderEvent event) noexcept {
  return next_status(from, event) != fsm::kX;
}

}  // namespace ose
