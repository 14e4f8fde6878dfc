// Wire names of the domain enums; the tables are indexed by the enum value.
#include "engine/core/enums.hpp"

#include "engine/core/name_table.hpp"

namespace ose {

namespace {

using detail::name_of;
using detail::names;
using detail::value_of;

constexpr auto kSideNames = names<kSideCount>("buy", "sell");
constexpr auto kOrderTypeNames =
    names<kOrderTypeCount>("market", "limit", "stop_market", "stop_limit", "take_profit_market",
                           "take_profit_limit", "trailing_stop");
constexpr auto kTifNames = names<kTifCount>("gtc", "ioc", "fok", "gtd");
constexpr auto kOrderStatusNames =
    names<kOrderStatusCount>("untriggered", "pending_new", "open", "partially_filled",
                             "pending_cancel", "filled", "cancelled", "rejected", "expired");
constexpr auto kRejectReasonNames = names<kRejectReasonCount>(
    "NONE", "MALFORMED", "DUPLICATE_CLIENT_ORDER_ID", "UNKNOWN_INSTRUMENT", "UNKNOWN_ACCOUNT",
    "UNKNOWN_STRATEGY", "ACCOUNT_NOT_PERMITTED", "HALTED", "STRATEGY_NOT_RUNNING", "RATE_LIMITED",
    "QTY_BELOW_MIN", "QTY_ABOVE_MAX", "QTY_STEP", "PRICE_TICK", "PRICE_BAND", "NO_MARKET_DATA",
    "MIN_NOTIONAL", "MAX_ORDER_NOTIONAL", "MAX_OPEN_ORDERS", "MAX_POSITION", "DAILY_LOSS_LIMIT",
    "MAX_DAILY_TRADES", "REDUCE_ONLY", "INSUFFICIENT_BALANCE", "INSUFFICIENT_MARGIN", "TABLE_FULL",
    "UNKNOWN_ORDER", "NOT_CANCELABLE", "LEVERAGE_TOO_HIGH", "VENUE_REJECTED", "NOT_AMENDABLE",
    "UNKNOWN_ASSET", "PERSISTENCE_STOPPED", "ROLE_NOT_PERMITTED");
constexpr auto kInstrumentKindNames = names<kInstrumentKindCount>("spot", "linear", "inverse");
constexpr auto kAccountTypeNames = names<kAccountTypeCount>("spot", "futures");
constexpr auto kStrategyStateNames = names<kStrategyStateCount>("running", "paused", "stopped");
constexpr auto kClientRoleNames = names<kClientRoleCount>("strategy", "venue", "admin");
constexpr auto kLiquidityNames = names<kLiquidityCount>("maker", "taker");
constexpr auto kHaltScopeNames =
    names<kHaltScopeCount>("global", "account", "strategy", "instrument");
constexpr auto kAlertReasonNames = names<kAlertReasonCount>(
    "NONE", "OVERFILL", "ILLEGAL_TRANSITION", "MARGIN_CALL", "NEGATIVE_BALANCE", "DUPLICATE_TRADE",
    "ARITHMETIC_OVERFLOW", "LEDGER_WRAPPED", "BRACKET_FAILED", "PERSISTENCE_STOPPED",
    "PERSISTENCE_RESUMED", "FILL_PRICE_OUTSIDE_LIMIT");

}  // namespace

std::string_view to_string(Side v) noexcept {
  return name_of(v, kSideNames);
}
std::string_view to_string(OrderType v) noexcept {
  return name_of(v, kOrderTypeNames);
}
std::string_view to_string(Tif v) noexcept {
  return name_of(v, kTifNames);
}
std::string_view to_string(OrderStatus v) noexcept {
  return name_of(v, kOrderStatusNames);
}
std::string_view to_string(RejectReason v) noexcept {
  return name_of(v, kRejectReasonNames);
}
std::string_view to_string(InstrumentKind v) noexcept {
  return name_of(v, kInstrumentKindNames);
}
std::string_view to_string(AccountType v) noexcept {
  return name_of(v, kAccountTypeNames);
}
std::string_view to_string(StrategyState v) noexcept {
  return name_of(v, kStrategyStateNames);
}
std::string_view to_string(ClientRole v) noexcept {
  return name_of(v, kClientRoleNames);
}
std::string_view to_string(Liquidity v) noexcept {
  return name_of(v, kLiquidityNames);
}
std::string_view to_string(HaltScope v) noexcept {
  return name_of(v, kHaltScopeNames);
}
std::string_view to_string(AlertReason v) noexcept {
  return name_of(v, kAlertReasonNames);
}

std::optional<Side> parse_side(std::string_view s) noexcept {
  return value_of<Side>(s, kSideNames);
}
std::optional<OrderType> parse_order_type(std::string_view s) noexcept {
  return value_of<OrderType>(s, kOrderTypeNames);
}
std::optional<Tif> parse_tif(std::string_view s) noexcept {
  return value_of<Tif>(s, kTifNames);
}
std::optional<OrderStatus> parse_order_status(std::string_view s) noexcept {
  return value_of<OrderStatus>(s, kOrderStatusNames);
}
std::optional<RejectReason> parse_reject_reason(std::string_view s) noexcept {
  auto v = value_of<RejectReason>(s, kRejectReasonNames);
  if (v == RejectReason::kNone) return std::nullopt;
  return v;
}
std::optional<InstrumentKind> parse_instrument_kind(std::string_view s) noexcept {
  return value_of<InstrumentKind>(s, kInstrumentKindNames);
}
std::optional<AccountType> parse_account_type(std::string_view s) noexcept {
  return value_of<AccountType>(s, kAccountTypeNames);
}
std::optional<StrategyState> parse_strategy_state(std::string_view s) noexcept {
  return value_of<StrategyState>(s, kStrategyStateNames);
}
std::optional<ClientRole> parse_client_role(std::string_view s) noexcept {
  return value_of<ClientRole>(s, kClientRoleNames);
}
std::optional<Liquidity> parse_liquidity(std::string_view s) noexcept {
  return value_of<Liquidity>(s, kLiquidityNames);
}
std::optional<HaltScope> parse_halt_scope(std::string_view s) noexcept {
  return value_of<HaltScope>(s, kHaltScopeNames);
}

}  // namespace ose
