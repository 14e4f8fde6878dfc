// Every enumeration of the domain, with its wire names (DESIGN §8: reject reasons upper snake
// case, everything else lower snake case). Numeric values are part of the journal and shared
// memory formats: append, never renumber.
#pragma once

#include <cstdint>
#include <optional>
#include <string_view>

namespace ose {

// Every enum E below has a kECount: the number of its values, which are 0..kECount-1. Bounds
// checks of raw values use it (in_range), and the name tables are built for exactly that many
// names (name_table.hpp), so a value appended without a name fails to compile.

// Whether a raw wire value names one of an enum's `count` values.
constexpr bool in_range(unsigned raw, int count) noexcept {
  return raw < static_cast<unsigned>(count);
}

enum class Side : uint8_t { kBuy = 0, kSell = 1 };
inline constexpr int kSideCount = 2;

enum class OrderType : uint8_t {
  kMarket = 0,
  kLimit = 1,
  kStopMarket = 2,
  kStopLimit = 3,
  kTakeProfitMarket = 4,
  kTakeProfitLimit = 5,
  kTrailingStop = 6,
};
inline constexpr int kOrderTypeCount = 7;

enum class Tif : uint8_t { kGtc = 0, kIoc = 1, kFok = 2, kGtd = 3 };
inline constexpr int kTifCount = 4;

enum class OrderStatus : uint8_t {
  kUntriggered = 0,
  kPendingNew = 1,
  kOpen = 2,
  kPartiallyFilled = 3,
  kPendingCancel = 4,
  kFilled = 5,
  kCancelled = 6,
  kRejected = 7,
  kExpired = 8,
};
inline constexpr int kOrderStatusCount = 9;

enum class RejectReason : uint16_t {
  kNone = 0,
  kMalformed = 1,
  kDuplicateClientOrderId = 2,
  kUnknownInstrument = 3,
  kUnknownAccount = 4,
  kUnknownStrategy = 5,
  kAccountNotPermitted = 6,
  kHalted = 7,
  kStrategyNotRunning = 8,
  kRateLimited = 9,
  kQtyBelowMin = 10,
  kQtyAboveMax = 11,
  kQtyStep = 12,
  kPriceTick = 13,
  kPriceBand = 14,
  kNoMarketData = 15,
  kMinNotional = 16,
  kMaxOrderNotional = 17,
  kMaxOpenOrders = 18,
  kMaxPosition = 19,
  kDailyLossLimit = 20,
  kMaxDailyTrades = 21,
  kReduceOnly = 22,
  kInsufficientBalance = 23,
  kInsufficientMargin = 24,
  kTableFull = 25,
  kUnknownOrder = 26,
  kNotCancelable = 27,
  kLeverageTooHigh = 28,
  kVenueRejected = 29,       // the venue refused the order; its own words are not kept
  kNotAmendable = 30,        // amend of a terminal, conditional-triggered or market order
  kUnknownAsset = 31,        // deposit/withdraw of an asset the config does not know
  kPersistenceStopped = 32,  // the journal failed; no new orders until an operator acts
  kRoleNotPermitted = 33,    // the source's role never sends this op (docs/design/0006-roles.md)
};
inline constexpr int kRejectReasonCount = 34;

enum class InstrumentKind : uint8_t { kSpot = 0, kLinear = 1, kInverse = 2 };
inline constexpr int kInstrumentKindCount = 3;
enum class AccountType : uint8_t { kSpot = 0, kFutures = 1 };
inline constexpr int kAccountTypeCount = 2;
enum class StrategyState : uint8_t { kRunning = 0, kPaused = 1, kStopped = 2 };
inline constexpr int kStrategyStateCount = 3;
enum class ClientRole : uint8_t { kStrategy = 0, kVenue = 1, kAdmin = 2 };
inline constexpr int kClientRoleCount = 3;
enum class Liquidity : uint8_t { kMaker = 0, kTaker = 1 };
inline constexpr int kLiquidityCount = 2;
enum class HaltScope : uint8_t { kGlobal = 0, kAccount = 1, kStrategy = 2, kInstrument = 3 };
inline constexpr int kHaltScopeCount = 4;

// Why an alert event was raised.
enum class AlertReason : uint16_t {
  kNone = 0,
  kOverfill = 1,
  kIllegalTransition = 2,
  kMarginCall = 3,           // a futures fill left the settle asset's free balance negative
  kNegativeBalance = 4,      // a spot fee or fill price beyond the lock drove free below zero
  kDuplicateTrade = 5,       // a fill with a trade id already applied was ignored
  kArithmeticOverflow = 6,   // an input would overflow int64 money; not applied
  kLedgerWrapped = 7,        // reserved: the ledger ring overwrote entries a reader had not seen
  kBracketFailed = 8,        // bracket exits could not be created (order table full)
  kPersistenceStopped = 9,   // the journal cannot write: new orders are rejected until it can
  kPersistenceResumed = 10,  // the journal writes again: new orders are accepted
  // A fill applied at a price worse than the order's limit (a buy above it, a sell below).
  kFillPriceOutsideLimit = 11,
};
inline constexpr int kAlertReasonCount = 12;

std::string_view to_string(Side v) noexcept;
std::string_view to_string(OrderType v) noexcept;
std::string_view to_string(Tif v) noexcept;
std::string_view to_string(OrderStatus v) noexcept;
std::string_view to_string(RejectReason v) noexcept;
std::string_view to_string(InstrumentKind v) noexcept;
std::string_view to_string(AccountType v) noexcept;
std::string_view to_string(StrategyState v) noexcept;
std::string_view to_string(ClientRole v) noexcept;
std::string_view to_string(Liquidity v) noexcept;
std::string_view to_string(HaltScope v) noexcept;
std::string_view to_string(AlertReason v) noexcept;

std::optional<Side> parse_side(std::string_view s) noexcept;
std::optional<OrderType> parse_order_type(std::string_view s) noexcept;
std::optional<Tif> parse_tif(std::string_view s) noexcept;
std::optional<OrderStatus> parse_order_status(std::string_view s) noexcept;
std::optional<RejectReason> parse_reject_reason(std::string_view s) noexcept;
std::optional<InstrumentKind> parse_instrument_kind(std::string_view s) noexcept;
std::optional<AccountType> parse_account_type(std::string_view s) noexcept;
std::optional<StrategyState> parse_strategy_state(std::string_view s) noexcept;
std::optional<ClientRole> parse_client_role(std::string_view s) noexcept;
std::optional<Liquidity> parse_liquidity(std::string_view s) noexcept;
std::optional<HaltScope> parse_halt_scope(std::string_view s) noexcept;

// Order-type families used by validation and triggers.
constexpr bool is_conditional(OrderType t) noexcept {
  return t != OrderType::kMarket && t != OrderType::kLimit;
}
constexpr bool has_limit_price(OrderType t) noexcept {
  return t == OrderType::kLimit || t == OrderType::kStopLimit || t == OrderType::kTakeProfitLimit;
}
// The type an order acts as now: a triggered conditional order is a market order, or a limit
// order for the *_limit types (DESIGN §4), and is checked as one (price band on amend).
constexpr OrderType effective_type(OrderType t, bool triggered) noexcept {
  if (!triggered || !is_conditional(t)) return t;
  return has_limit_price(t) ? OrderType::kLimit : OrderType::kMarket;
}
constexpr bool is_terminal(OrderStatus s) noexcept {
  return s == OrderStatus::kFilled || s == OrderStatus::kCancelled || s == OrderStatus::kRejected ||
         s == OrderStatus::kExpired;
}
constexpr int side_sign(Side s) noexcept {
  return s == Side::kBuy ? 1 : -1;
}
constexpr Side opposite(Side s) noexcept {
  return s == Side::kBuy ? Side::kSell : Side::kBuy;
}

}  // namespace ose
