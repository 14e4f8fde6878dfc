// Wire names of the engine's own enumerations (ops, events, FSM events, ledger kinds).
#include <string_view>

#include "engine/core/command.hpp"
#include "engine/core/event.hpp"
#include "engine/core/name_table.hpp"
#include "engine/core/order_fsm.hpp"
#include "engine/core/records.hpp"

namespace ose {

namespace {
using detail::name_of;
using detail::names;

constexpr auto kOpNames =
    names<kOpCount>("none", "deposit", "withdraw", "new_order", "cancel", "amend", "cancel_all",
                    "ack", "venue_reject", "fill", "cancel_ack", "expired", "tick", "set_strategy",
                    "halt", "resume", "set_leverage", "timer", "persistence");
constexpr auto kEventTypeNames =
    names<kEventTypeCount>("accepted", "rejected", "acked", "fill", "cancel_requested", "cancelled",
                           "expired", "triggered", "amended", "alert", "balance", "strategy_state",
                           "halted", "resumed", "leverage", "created");
constexpr auto kOrderEventNames =
    names<kOrderEventCount>("ack", "venue_reject", "partial_fill", "final_fill", "cancel_request",
                            "cancel_ack", "expire", "trigger", "amend");
constexpr auto kLedgerKindNames =
    names<kLedgerKindCount>("deposit", "withdrawal", "lock", "release", "settlement", "fee",
                            "realized_pnl", "position_margin");
}  // namespace

std::string_view to_string(Op op) noexcept {
  return name_of(op, kOpNames);
}
std::string_view to_string(EventType t) noexcept {
  return name_of(t, kEventTypeNames);
}
std::string_view to_string(OrderEvent e) noexcept {
  return name_of(e, kOrderEventNames);
}
std::string_view to_string(LedgerKind k) noexcept {
  return name_of(k, kLedgerKindNames);
}

}  // namespace ose
