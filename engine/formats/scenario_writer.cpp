#include "engine/formats/scenario_writer.hpp"

#include <cstring>
#include <nlohmann/json.hpp>

#include "engine/formats/json_format.hpp"
#include "engine/formats/scenario.hpp"

namespace ose {

namespace {

using nlohmann::json;

// Names that the parser maps back to the same index. kNoIndex is written "?", which the parser
// resolves to kNoIndex again where it accepts unknown names (the exactness check in
// scenario_line_of() catches the places it does not). Any other out-of-range index has no
// name: the command is written raw.
struct Namer {
  const State& s;
  bool ok = true;
  std::string instrument(uint16_t i) {
    return name(i, i < s.instrument_count(), [&] { return instrument_name(s, i); });
  }
  std::string account(uint16_t i) {
    return name(i, i < s.account_count(), [&] { return account_name(s, i); });
  }
  std::string strategy(uint16_t i) {
    return name(i, i < s.strategy_count(), [&] { return strategy_name(s, i); });
  }
  std::string asset(uint16_t i) {
    return name(i, i < s.asset_count(), [&] { return asset_name(s, i); });
  }
  std::string client(uint16_t i) {
    return name(i, i < s.client_count(), [&] { return client_name(s, i); });
  }
  template <typename F>
  std::string name(uint16_t i, bool valid, F named) {
    if (i == kNoIndex) return "?";
    ok = ok && valid;
    return valid ? named() : std::string("?");
  }
};

void put_ref(json& j, Namer& n, const OrderRef& r) {
  if (r.order_id != 0) {
    j["order_id"] = r.order_id;
  } else {
    j["client"] = n.client(r.client);
    j["cl_id"] = r.cl_id;
  }
}

void put_decimal(json& j, const char* key, int64_t e8, bool always = false) {
  if (always || e8 != 0) j[key] = format_decimal_e8(e8);
}

// As sent when it can be JSON text at all; an id that is not (not UTF-8, bytes after its end) is
// not readable and the command is written raw.
void put_venue_id(json& j, const char* key, const VenueId& id, bool& ok) {
  if (id.well_formed()) {
    j[key] = std::string(id.view());
  } else {
    ok = false;
  }
}

json readable(const State& s, const Command& c, bool& ok) {
  Namer n{s};
  json j;
  switch (c.op) {
    case Op::kDeposit:
    case Op::kWithdraw:
      j["op"] = c.op == Op::kDeposit ? "deposit" : "withdraw";
      j["account"] = n.account(c.balance.account);
      j["asset"] = n.asset(c.balance.asset);
      put_decimal(j, "amount", c.balance.amount.e8, true);
      break;
    case Op::kNewOrder: {
      const NewOrderCmd& o = c.new_order;
      j["op"] = "new_order";
      j["client"] = n.client(o.client);
      j["cl_id"] = o.cl_id;
      j["account"] = n.account(o.account);
      j["strategy"] = n.strategy(o.strategy);
      j["symbol"] = n.instrument(o.instrument);
      j["side"] = to_string(static_cast<Side>(o.side));
      j["type"] = to_string(static_cast<OrderType>(o.type));
      if (o.tif != static_cast<uint8_t>(Tif::kGtc)) j["tif"] = to_string(static_cast<Tif>(o.tif));
      put_decimal(j, "qty", o.qty.e8, true);
      put_decimal(j, "price", o.price.e8);
      put_decimal(j, "stop_price", o.stop_price.e8);
      put_decimal(j, "callback_rate", o.callback_rate.e8);
      put_decimal(j, "activation_price", o.activation_price.e8);
      put_decimal(j, "stop_loss", o.stop_loss.e8);
      put_decimal(j, "take_profit", o.take_profit.e8);
      if (o.expire_ts != 0) j["expire_ts"] = o.expire_ts;
      if ((o.flags & kFlagPostOnly) != 0) j["post_only"] = true;
      if ((o.flags & kFlagReduceOnly) != 0) j["reduce_only"] = true;
      break;
    }
    case Op::kCancel:
    case Op::kCancelAck:
    case Op::kExpired:
      j["op"] = c.op == Op::kCancel ? "cancel" : c.op == Op::kCancelAck ? "cancel_ack" : "expired";
      put_ref(j, n, c.cancel);
      break;
    case Op::kAmend:
      j["op"] = "amend";
      put_ref(j, n, c.amend.ref);
      put_decimal(j, "qty", c.amend.qty.e8);
      put_decimal(j, "price", c.amend.price.e8);
      if (c.amend.qty.is_zero() && c.amend.price.is_zero()) j["qty"] = "0";  // parser needs one
      break;
    case Op::kCancelAll:
      j["op"] = "cancel_all";
      if (c.cancel_all.account != kNoIndex) j["account"] = n.account(c.cancel_all.account);
      if (c.cancel_all.strategy != kNoIndex) j["strategy"] = n.strategy(c.cancel_all.strategy);
      if (c.cancel_all.instrument != kNoIndex) j["symbol"] = n.instrument(c.cancel_all.instrument);
      break;
    case Op::kAck:
      j["op"] = "ack";
      put_ref(j, n, c.ack.ref);
      if (!c.ack.venue_order_id.empty()) {
        put_venue_id(j, "venue_order_id", c.ack.venue_order_id, n.ok);
      }
      break;
    case Op::kVenueReject:
      j["op"] = "venue_reject";
      put_ref(j, n, c.venue_reject.ref);
      j["reason"] = to_string(c.venue_reject.reason);
      break;
    case Op::kFill:
      j["op"] = "fill";
      put_ref(j, n, c.fill.ref);
      put_venue_id(j, "trade_id", c.fill.trade_id, n.ok);
      put_decimal(j, "qty", c.fill.qty.e8, true);
      put_decimal(j, "price", c.fill.price.e8, true);
      put_decimal(j, "fee", c.fill.fee.e8);
      if (c.fill.fee_asset != kNoIndex) j["fee_asset"] = n.asset(c.fill.fee_asset);
      j["liquidity"] = to_string(static_cast<Liquidity>(c.fill.liquidity));
      break;
    case Op::kTick: {
      const TickCmd& t = c.tick;
      j["op"] = "tick";
      j["symbol"] = n.instrument(t.instrument);
      if ((t.fields & kTickBid) != 0) put_decimal(j, "bid", t.bid.e8, true);
      if ((t.fields & kTickAsk) != 0) put_decimal(j, "ask", t.ask.e8, true);
      if ((t.fields & kTickBidQty) != 0) put_decimal(j, "bid_qty", t.bid_qty.e8, true);
      if ((t.fields & kTickAskQty) != 0) put_decimal(j, "ask_qty", t.ask_qty.e8, true);
      if ((t.fields & kTickLast) != 0) put_decimal(j, "last", t.last.e8, true);
      if ((t.fields & kTickVolume) != 0) put_decimal(j, "volume", t.volume.e8, true);
      break;
    }
    case Op::kSetStrategy:
      j["op"] = "set_strategy";
      j["strategy"] = n.strategy(c.set_strategy.strategy);
      j["state"] = to_string(static_cast<StrategyState>(c.set_strategy.state));
      break;
    case Op::kHalt:
    case Op::kResume: {
      j["op"] = c.op == Op::kHalt ? "halt" : "resume";
      const auto scope = static_cast<HaltScope>(c.halt.scope);
      j["scope"] = to_string(scope);
      if (scope == HaltScope::kAccount) j["name"] = n.account(c.halt.target);
      if (scope == HaltScope::kStrategy) j["name"] = n.strategy(c.halt.target);
      if (scope == HaltScope::kInstrument) j["name"] = n.instrument(c.halt.target);
      break;
    }
    case Op::kSetLeverage:
      j["op"] = "set_leverage";
      j["account"] = n.account(c.set_leverage.account);
      j["symbol"] = n.instrument(c.set_leverage.instrument);
      j["leverage"] = c.set_leverage.leverage;
      break;
    case Op::kTimer:
      j["op"] = "timer";
      break;
    case Op::kPersistence:
      if (c.persistence.available > 1) {
        ok = false;
        return j;
      }
      j["op"] = "persistence";
      j["available"] = c.persistence.available == 1;
      break;
    default:
      ok = false;
      return j;
  }
  ok = n.ok;
  return j;
}

std::string hex(const void* p, size_t n) {
  static constexpr char kDigits[] = "0123456789abcdef";
  std::string out;
  out.reserve(2 * n);
  const auto* b = static_cast<const unsigned char*>(p);
  for (size_t i = 0; i < n; ++i) {
    out += kDigits[b[i] >> 4];
    out += kDigits[b[i] & 15];
  }
  return out;
}

}  // namespace

std::string scenario_line_of(const State& state, const Input& input) {
  bool ok = false;
  json j = readable(state, input.cmd, ok);
  const auto finish = [&](json& line) {
    line["ts"] = input.ts;
    if (input.source != kEngineSource) line["source"] = client_name(state, input.source);
    return line.dump();
  };
  if (ok) {
    // Exact or nothing: parse the readable form back and compare bytes.
    std::string text = finish(j);
    auto back = parse_scenario_line(state, text, 0);
    if (back && std::memcmp(&back->cmd, &input.cmd, sizeof(Command)) == 0 &&
        back->source == input.source && back->ts == input.ts) {
      return text;
    }
  }
  json raw;
  raw["op"] = "raw";
  raw["command"] = hex(&input.cmd, sizeof(Command));
  return finish(raw);
}

}  // namespace ose
