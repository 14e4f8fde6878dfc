// Wire names of the engine's own enumerations (ops, events, FSM events, ledger kinds).
#include <array>
#include <string_view>

#include "engine/core/command.hpp"
#include "engine/core/event.hpp"
#include "engine/core/order_fsm.hpp"
#include "engine/core/records.hpp"

namespace ose {

namespace {
template <typename E, size_t N>
std::string_view lookup(E v, const std::array<std::string_view, N>& names) noexcept {
  const auto i = static_cast<size_t>(v);
  return i < N ? names[i] : std::string_view{"?"};
}

constexpr std::array<std::string_view, kOpCount> kOpNames = {
    "none", "deposit",      "withdraw",     "new_order",  "cancel",     "amend", "cancel_all",
    "ack",  "venue_reject", "fill",         "cancel_ack", "expired",    "tick",  "set_strategy",
    "halt", "resume",       "set_leverage", "timer",      "persistence"};
constexpr std::array<std::string_view, kEventTypeCount> kEventTypeNames = {
    "accepted", "rejected",  "acked",    "fill",   "cancel_requested", "cancelled",
    "expired",  "triggered", "amended",  "alert",  "balance",          "strategy_state",
    "halted",   "resumed",   "leverage", "created"};
constexpr std::array<std::string_view, kOrderEventCount> kOrderEventNames = {
    "ack",        "venue_reject", "partial_fill", "final_fill", "cancel_request",
    "cancel_ack", "expire",       "trigger",      "amend"};
constexpr std::array<std::string_view, 8> kLedgerKindNames = {
    "deposit",    "withdrawal", "lock",         "release",
    "settlement", "fee",        "realized_pnl", "position_margin"};
}  // namespace

std::string_view to_string(Op op) noexcept {
  return lookup(op, kOpNames);
}
std::string_view to_string(EventType t) noexcept {
  return lookup(t, kEventTypeNames);
}
std::string_view to_string(OrderEvent e) noexcept {
  return lookup(e, kOrderEventNames);
}
std::string_view to_string(LedgerKind k) noexcept {
  return lookup(k, kLedgerKindNames);
}

}  // namespace ose
