#include "feeds/venue_model.hpp"

#include <algorithm>

#include "engine/core/accounting.hpp"

namespace ose {

bool trades_as_market(OrderType t) noexcept {
  return t == OrderType::kMarket || t == OrderType::kStopMarket ||
         t == OrderType::kTakeProfitMarket || t == OrderType::kTrailingStop;
}

Amount venue_fee(const InstrumentRecord& ins, Qty qty, Price price, Liquidity liquidity) noexcept {
  const auto value = settle_value(ins, qty, price);
  if (!value) return Amount{};
  const Rate rate = liquidity == Liquidity::kMaker ? ins.maker_fee : ins.taker_fee;
  const auto product = mul128(value->e8, rate.e8);
  if (!product) return Amount{};
  return Amount::from_e8(ratio_e8(*product, kScale).value_or(0));
}

VenueQuote with_touch_from_last(VenueQuote q) noexcept {
  if (!q.last.is_positive()) return q;
  if (!q.has_bid) {
    q.bid = q.last;
    q.bid_qty = q.last_qty;
    q.has_bid = true;
  }
  if (!q.has_ask) {
    q.ask = q.last;
    q.ask_qty = q.last_qty;
    q.has_ask = true;
  }
  return q;
}

void move_quote(VenueQuote& q, const TickCmd& t) noexcept {
  if (t.fields & kTickBid) {
    q.bid = t.bid;
    q.has_bid = true;
  }
  if (t.fields & kTickAsk) {
    q.ask = t.ask;
    q.has_ask = true;
  }
  if (t.fields & kTickBidQty) q.bid_qty = t.bid_qty;
  if (t.fields & kTickAskQty) q.ask_qty = t.ask_qty;
  if (t.fields & kTickLast) q.last = t.last;
  if (t.fields & kTickVolume) q.last_qty = t.volume;
}

VenueOrder venue_order_of(const OrderRecord& o) noexcept {
  VenueOrder v;
  v.order_id = o.id;
  v.instrument = o.instrument;
  v.side = o.side;
  v.type = o.type;
  v.tif = o.tif;
  v.post_only = (o.flags & kFlagPostOnly) != 0;
  v.qty = o.qty;
  v.filled = o.filled_qty;
  v.price = o.price;
  return v;
}

namespace {

bool marketable(const VenueOrder& o, const VenueQuote& q) noexcept {
  if (trades_as_market(o.type)) return o.side == Side::kBuy ? q.has_ask : q.has_bid;
  return o.side == Side::kBuy ? q.has_ask && o.price >= q.ask : q.has_bid && o.price <= q.bid;
}

// A resting order the market has reached: the ask (or a trade) at or through a buy's price.
bool reached(const VenueOrder& o, const VenueQuote& q) noexcept {
  if (o.side == Side::kBuy) {
    return (q.has_ask && q.ask <= o.price) || (q.has_last && q.last <= o.price);
  }
  return (q.has_bid && q.bid >= o.price) || (q.has_last && q.last >= o.price);
}

Qty remaining(const VenueOrder& o) noexcept {
  return o.qty - o.filled;
}

}  // namespace

Qty VenueModel::take(VenueOrder& o, const VenueQuote& q, std::vector<VenueAction>& out) {
  const Price touch = o.side == Side::kBuy ? q.ask : q.bid;
  Qty qty = remaining(o);
  if (options_.partial_fills) {
    const Qty shown = o.side == Side::kBuy ? q.ask_qty : q.bid_qty;
    if (shown.is_positive()) qty = std::min(qty, shown);
  }
  if (!qty.is_positive()) return Qty{};
  o.filled = o.filled + qty;
  out.push_back(
      {VenueActionKind::kFill, o.order_id, qty, touch, Liquidity::kTaker, RejectReason::kNone});
  return qty;
}

// After the taking part: done, rests, or the rest expires (IOC, FOK, market). True if it rests.
bool VenueModel::rest_or_finish(VenueOrder& o, std::vector<VenueAction>& out) {
  if (!remaining(o).is_positive()) return false;
  if (trades_as_market(o.type) || o.tif == Tif::kIoc || o.tif == Tif::kFok) {
    out.push_back({VenueActionKind::kExpired, o.order_id, Qty{}, Price{}, Liquidity::kTaker,
                   RejectReason::kNone});
    return false;
  }
  resting_[o.order_id] = o;
  return true;
}

void VenueModel::on_new(VenueOrder o, const VenueQuote& quote, std::vector<VenueAction>& out) {
  const VenueQuote q = with_touch_from_last(quote);
  auto reject = [&](RejectReason why) {
    out.push_back({VenueActionKind::kReject, o.order_id, Qty{}, Price{}, Liquidity::kTaker, why});
  };
  if (options_.reject_per_million != 0 && rng_() % 1'000'000 < options_.reject_per_million) {
    return reject(RejectReason::kVenueRejected);
  }
  const bool takes = marketable(o, q);
  if (trades_as_market(o.type) && !takes) return reject(RejectReason::kNoMarketData);
  if (takes && o.post_only) return reject(RejectReason::kVenueRejected);  // would take
  if (takes && o.tif == Tif::kFok && options_.partial_fills) {
    const Qty shown = o.side == Side::kBuy ? q.ask_qty : q.bid_qty;
    if (shown.is_positive() && shown < remaining(o)) {
      out.push_back({VenueActionKind::kAck, o.order_id, Qty{}, Price{}, Liquidity::kTaker,
                     RejectReason::kNone});
      out.push_back({VenueActionKind::kExpired, o.order_id, Qty{}, Price{}, Liquidity::kTaker,
                     RejectReason::kNone});
      return;
    }
  }
  out.push_back(
      {VenueActionKind::kAck, o.order_id, Qty{}, Price{}, Liquidity::kTaker, RejectReason::kNone});
  if (takes) take(o, q, out);
  rest_or_finish(o, out);
}

void VenueModel::on_cancel(uint64_t order_id, std::vector<VenueAction>& out) {
  if (resting_.erase(order_id) == 0) return;  // filled or never here: nothing to cancel
  out.push_back({VenueActionKind::kCancelAck, order_id, Qty{}, Price{}, Liquidity::kTaker,
                 RejectReason::kNone});
}

void VenueModel::on_amend(uint64_t order_id, Qty qty, Price price, const VenueQuote& quote,
                          std::vector<VenueAction>& out) {
  const VenueQuote q = with_touch_from_last(quote);
  auto it = resting_.find(order_id);
  if (it == resting_.end()) return;
  VenueOrder& o = it->second;
  if (qty.is_positive()) o.qty = qty;
  if (price.is_positive()) o.price = price;
  if (!remaining(o).is_positive()) {
    resting_.erase(it);
    return;
  }
  if (marketable(o, q)) {
    VenueOrder copy = o;
    resting_.erase(it);
    take(copy, q, out);
    rest_or_finish(copy, out);
  }
}

void VenueModel::on_market(uint16_t instrument, const VenueQuote& quote,
                           std::vector<VenueAction>& out) {
  const VenueQuote q = with_touch_from_last(quote);
  for (auto it = resting_.begin(); it != resting_.end();) {
    VenueOrder& o = it->second;
    if (o.instrument != instrument || !reached(o, q)) {
      ++it;
      continue;
    }
    Qty qty = remaining(o);
    if (options_.partial_fills) {
      // Reached by the quote: what is quoted there; else by a trade print: what printed.
      const bool by_quote =
          o.side == Side::kBuy ? q.has_ask && q.ask <= o.price : q.has_bid && q.bid >= o.price;
      const Qty shown = by_quote ? (o.side == Side::kBuy ? q.ask_qty : q.bid_qty) : q.last_qty;
      if (shown.is_positive()) qty = std::min(qty, shown);
    }
    o.filled = o.filled + qty;
    out.push_back(
        {VenueActionKind::kFill, o.order_id, qty, o.price, Liquidity::kMaker, RejectReason::kNone});
    it = remaining(o).is_positive() ? std::next(it) : resting_.erase(it);
  }
}

namespace {
// splitmix64's finalizer: every bit of the input moves about half the output bits.
uint64_t mix64(uint64_t x) noexcept {
  x += 0x9e3779b97f4a7c15ull;
  x = (x ^ (x >> 30)) * 0xbf58476d1ce4e5b9ull;
  x = (x ^ (x >> 27)) * 0x94d049bb133111ebull;
  return x ^ (x >> 31);
}
}  // namespace

uint64_t sim_venue_session(uint64_t seed, uint64_t engine_seq) noexcept {
  return mix64(seed ^ mix64(engine_seq));
}

VenueId sim_trade_id(uint64_t session, uint64_t n) noexcept {
  static constexpr char kHex[] = "0123456789abcdef";
  VenueId id{};
  int at = 0;
  const auto put = [&](uint64_t v, int digits) {
    for (int k = digits - 1; k >= 0; --k) id.bytes[at++] = kHex[(v >> (4 * k)) & 0xF];
  };
  // 8-4-4-4-12: session bits 63..16, a version nibble 4, session bits 11..0; then a variant
  // nibble 8, n bits 59..48, and n bits 47..0.
  put(session >> 32, 8);
  id.bytes[at++] = '-';
  put(session >> 16, 4);
  id.bytes[at++] = '-';
  put(0x4000 | (session & 0x0FFF), 4);
  id.bytes[at++] = '-';
  put(0x8000 | ((n >> 48) & 0x0FFF), 4);
  id.bytes[at++] = '-';
  put(n, 12);
  return id;
}

VenueId sim_venue_order_id(uint64_t order_id) noexcept {
  static constexpr char kBase32[] = "ABCDEFGHIJKLMNOPQRSTUVWXYZ234567";
  // 17 base32 digits, most significant first, the first one fixed 'O' for "order"; 16 digits
  // carry 80 bits, so the 64-bit id fits with the top digits 'A'.
  VenueId id{};
  int at = 0;
  id.bytes[at++] = 'O';
  for (int k = 15; k >= 0; --k) {
    if (k == 10 || k == 5) id.bytes[at++] = '-';  // O + 5 | 5 | 6 = OXXXXX-XXXXX-XXXXXX
    id.bytes[at++] = kBase32[k >= 13 ? 0 : (order_id >> (5 * k)) & 0x1F];
  }
  return id;
}

}  // namespace ose
