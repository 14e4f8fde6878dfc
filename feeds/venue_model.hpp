// The simulated venue's matching rules (no I/O): what an exchange does with the orders the
// engine releases, given the market the engine's table shows. The `ose venue` process feeds it
// the orders and cancels it receives and the market it reads, and sends back the actions.
//
//   market order          fills at once at the touch (buy at the ask, sell at the bid), taker;
//                         no touch on that side: rejected (NO_MARKET_DATA)
//   limit, marketable     (buy price ≥ ask, sell price ≤ bid) fills at the touch as taker;
//                         post-only: rejected instead
//   limit, not marketable IOC and FOK expire; GTC and GTD rest, and fill at their own price as
//                         maker once the market touches or trades through them (buy: ask ≤
//                         price or last ≤ price)
//   partial fills         optional: a taking fill takes at most the quantity quoted at the
//                         touch (FOK then expires unless the whole quantity is there, IOC
//                         expires the rest); a resting order reached by a trade print takes at
//                         most the quantity that printed
//   no book               a market with a last price but no bid or ask (kline replays) trades
//                         at the last price on the missing side: it stands in for the touch
//   cancel                a resting order is cancelled (cancel_ack); an order already filled
//                         gets nothing (the engine's fill arrived first: a cancel racing a fill)
//   amend                 a resting order takes the new quantity and price, and fills at once
//                         if the new price is marketable
// Conditional orders reach the venue only when the engine triggers them; stop and take-profit
// market types and trailing stops then trade as market orders, the limit types as limits.
#pragma once

#include <cstdint>
#include <map>
#include <random>
#include <vector>

#include "engine/core/command.hpp"
#include "engine/core/enums.hpp"
#include "engine/core/fixed_point.hpp"
#include "engine/core/records.hpp"

namespace ose {

// has_last only when a new trade printed since the previous quote (the venue process compares
// with the market record it saw before): an old last price is not a trade through anything.
// `last` is set whenever the market has one (the no-book touch); last_qty is what printed.
struct VenueQuote {
  Price bid, ask, last;
  Qty bid_qty, ask_qty, last_qty;
  bool has_bid = false, has_ask = false, has_last = false;
};

struct VenueOrder {
  uint64_t order_id = 0;
  uint16_t instrument = 0;
  Side side = Side::kBuy;
  OrderType type = OrderType::kLimit;
  Tif tif = Tif::kGtc;
  bool post_only = false;
  Qty qty;     // total
  Qty filled;  // so far
  Price price;
};

enum class VenueActionKind : uint8_t { kAck, kReject, kFill, kCancelAck, kExpired };

struct VenueAction {
  VenueActionKind kind;
  uint64_t order_id;
  Qty qty;      // fill
  Price price;  // fill
  Liquidity liquidity = Liquidity::kTaker;
  RejectReason reason = RejectReason::kNone;  // reject
};

struct VenueModelOptions {
  bool partial_fills = false;       // a fill takes at most the quantity quoted at the touch
  uint32_t reject_per_million = 0;  // share of new orders rejected at random (VENUE_REJECTED)
  uint64_t seed = 1;
};

class VenueModel {
 public:
  explicit VenueModel(VenueModelOptions options) : options_(options), rng_(options.seed) {}

  void on_new(VenueOrder order, const VenueQuote& quote, std::vector<VenueAction>& out);
  void on_cancel(uint64_t order_id, std::vector<VenueAction>& out);
  void on_amend(uint64_t order_id, Qty qty, Price price, const VenueQuote& quote,
                std::vector<VenueAction>& out);
  // The market of `instrument` moved: resting orders it reaches fill.
  void on_market(uint16_t instrument, const VenueQuote& quote, std::vector<VenueAction>& out);

  size_t resting() const noexcept { return resting_.size(); }

 private:
  // Fills what the quote allows at the touch as taker; returns the quantity filled.
  Qty take(VenueOrder& o, const VenueQuote& q, std::vector<VenueAction>& out);
  bool rest_or_finish(VenueOrder& o, std::vector<VenueAction>& out);

  VenueModelOptions options_;
  std::mt19937_64 rng_;
  // By order id, which the engine hands out in time order: one market move fills the resting
  // orders it reaches oldest first (time priority), and in the same order on every build.
  std::map<uint64_t, VenueOrder> resting_;
};

// The quote with the last price (and the quantity that printed) standing in for a missing bid
// or ask.
VenueQuote with_touch_from_last(VenueQuote q) noexcept;

// The quote moved by a tick as the exchange printed it: the fields the tick carries replace the
// quote's (a trade tick's volume is the quantity that printed: csv_ticks.hpp). has_last is left
// as it was: whether this tick is a trade that may reach resting orders is the caller's to say.
void move_quote(VenueQuote& q, const TickCmd& t) noexcept;

// What the venue is told of an order the engine released (accepted or triggered): its details
// as the engine's order record holds them.
VenueOrder venue_order_of(const OrderRecord& o) noexcept;

// Market-like types trade as market orders once released.
bool trades_as_market(OrderType t) noexcept;

// The fee the venue charges for a fill, in the instrument's settle asset (the quote for spot
// and linear, the base for inverse): value · rate, half-even.
Amount venue_fee(const InstrumentRecord& ins, Qty qty, Price price, Liquidity liquidity) noexcept;

// The ids the simulated venue sends, strings like a real exchange's (DESIGN §4):
// a trade id shaped like a UUID, 36 characters: `session` (sim_venue_session) in the first
// groups, the trade counter `n` (< 2^60) in the last two, so ids never repeat within a session
// and almost surely not across sessions;
VenueId sim_trade_id(uint64_t session, uint64_t n) noexcept;
// the session of a venue started with `seed` when the engine had applied `engine_seq` inputs:
// deterministic (a replayed run gets the same ids), and a restarted venue gets a new session as
// soon as the engine has applied anything since its last start (its fills, for one);
uint64_t sim_venue_session(uint64_t seed, uint64_t engine_seq) noexcept;
// an order id in Kraken's style, `OXXXXX-XXXXX-XXXXXX` (base32 of the engine's order id, 85 bits
// for 64: one order, one id, and back).
VenueId sim_venue_order_id(uint64_t order_id) noexcept;

}  // namespace ose
