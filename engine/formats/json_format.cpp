#include "engine/formats/json_format.hpp"

#include <fmt/format.h>

#include <algorithm>
#include <cstdlib>
#include <cstring>
#include <iterator>
#include <string_view>

namespace ose {

namespace {

using nlohmann::json;

std::string name_of(const char* n) {
  return std::string(n, strnlen(n, kNameLen));
}

template <typename T>
json dec(T v) {
  return to_string(v);
}

// A name, or JSON null when the index names nothing (e.g. a rejected order's unknown symbol).
json name_or_null(const std::string& n) {
  return n.empty() ? json(nullptr) : json(n);
}

json position_json(const State& s, const PositionRecord& p, uint16_t instrument) {
  json j;
  j["symbol"] = instrument_name(s, instrument);
  j["size"] = dec(p.size);
  j["avg_entry_price"] = dec(p.avg_entry_price);
  j["realized_pnl"] = dec(p.realized_pnl);
  j["unrealized_pnl"] = dec(p.unrealized_pnl);
  j["fees"] = dec(p.fees);
  j["margin"] = dec(p.margin);
  j["liquidation_price"] = dec(p.liquidation_price);
  j["open_buy_qty"] = dec(p.open_buy_qty);
  j["open_sell_qty"] = dec(p.open_sell_qty);
  return j;
}

// A venue id exactly as the venue sent it; null when there is none. apply() keeps only
// well-formed ids, so a malformed one is a torn or damaged read, and JSON cannot show it anyway.
json venue_id_json(const VenueId& id) {
  return id.empty() || !id.well_formed() ? json(nullptr) : json(std::string(id.view()));
}

}  // namespace

std::string asset_name(const State& s, uint16_t i) {
  return i < s.asset_count() ? name_of(s.asset(i).code) : std::string();
}
std::string instrument_name(const State& s, uint16_t i) {
  return i < s.instrument_count() ? name_of(s.instrument(i).symbol) : std::string();
}
std::string account_name(const State& s, uint16_t i) {
  return i < s.account_count() ? name_of(s.account(i).name) : std::string();
}
std::string strategy_name(const State& s, uint16_t i) {
  return i < s.strategy_count() ? name_of(s.strategy(i).name) : std::string();
}
std::string client_name(const State& s, uint16_t i) {
  return i < s.client_count() ? name_of(s.client(i).name) : std::string();
}

json order_to_json(const State& s, const OrderRecord& o) {
  json j;
  j["id"] = o.id;
  j["client"] = name_or_null(client_name(s, o.client));
  j["cl_id"] = o.cl_id;
  j["account"] = name_or_null(account_name(s, o.account));
  j["strategy"] = name_or_null(strategy_name(s, o.strategy));
  j["symbol"] = name_or_null(instrument_name(s, o.instrument));
  j["side"] = to_string(o.side);
  j["type"] = to_string(o.type);
  j["tif"] = to_string(o.tif);
  j["status"] = to_string(o.status);
  j["qty"] = dec(o.qty);
  j["price"] = dec(o.price);
  j["stop_price"] = dec(o.stop_price);
  j["filled_qty"] = dec(o.filled_qty);
  j["avg_fill_price"] = dec(o.avg_fill_price);
  j["fees"] = dec(o.fees);
  j["fee_asset"] = name_or_null(asset_name(s, o.fee_asset));
  j["reject_reason"] =
      o.reject_reason == RejectReason::kNone ? json(nullptr) : json(to_string(o.reject_reason));
  j["reserved"] = dec(o.reserved);
  j["venue_order_id"] = venue_id_json(s.venue_order_id(order_slot(o.id)));
  j["post_only"] = (o.flags & kFlagPostOnly) != 0;
  j["reduce_only"] = (o.flags & kFlagReduceOnly) != 0;
  j["expire_ts"] = o.expire_ts;
  j["linked_id"] = o.linked_id;
  j["created_ts"] = o.created_ts;
  j["updated_ts"] = o.updated_ts;
  if (o.type == OrderType::kTrailingStop) {
    j["callback_rate"] = dec(o.callback_rate);
    j["activation_price"] = dec(o.activation_price);
  }
  if (o.stop_loss.is_positive()) j["stop_loss"] = dec(o.stop_loss);
  if (o.take_profit.is_positive()) j["take_profit"] = dec(o.take_profit);
  return j;
}

json state_to_json(const State& s) {
  return state_to_json(s, StateJsonParts{});
}

json state_to_json(const State& s, const StateJsonParts& parts) {
  json out;
  // Rows are built in table order, then sorted by their natural keys (names, ids).
  if (parts.balances) {
    json balances = json::array();
    for (uint16_t a = 0; a < s.account_count(); ++a) {
      for (uint16_t k = 0; k < s.asset_count(); ++k) {
        const BalanceRecord& b = s.balance(a, k);
        json row;
        row["account"] = account_name(s, a);
        row["asset"] = asset_name(s, k);
        row["free"] = dec(b.free);
        row["locked"] = dec(b.locked);
        row["total"] = dec(b.free + b.locked);
        balances.push_back(std::move(row));
      }
    }
    std::sort(balances.begin(), balances.end(), [](const json& x, const json& y) {
      return std::tie(x["account"], x["asset"]) < std::tie(y["account"], y["asset"]);
    });
    out["balances"] = std::move(balances);
  }

  if (parts.orders) {
    json orders = json::array();
    for (uint32_t slot = 0; slot < s.header().next_unused_slot; ++slot) {
      const OrderRecord& o = s.order_at(slot);
      if (o.id != 0 && !(parts.open_orders_only && is_terminal(o.status))) {
        orders.push_back(order_to_json(s, o));
      }
    }
    std::sort(orders.begin(), orders.end(),
              [](const json& x, const json& y) { return x["id"] < y["id"]; });
    out["orders"] = std::move(orders);
  }

  if (parts.positions) {
    json positions = json::array();
    for (uint16_t a = 0; a < s.account_count(); ++a) {
      for (uint16_t i = 0; i < s.instrument_count(); ++i) {
        const PositionRecord& p = s.position(a, i);
        if (p.touched == 0) continue;
        json row = position_json(s, p, i);
        row["account"] = account_name(s, a);
        row["leverage"] = p.leverage;
        positions.push_back(std::move(row));
      }
    }
    std::sort(positions.begin(), positions.end(), [](const json& x, const json& y) {
      return std::tie(x["account"], x["symbol"]) < std::tie(y["account"], y["symbol"]);
    });
    out["positions"] = std::move(positions);

    json strategy_positions = json::array();
    for (uint16_t k = 0; k < s.strategy_count(); ++k) {
      for (uint16_t i = 0; i < s.instrument_count(); ++i) {
        const PositionRecord& p = s.strategy_position(k, i);
        if (p.touched == 0) continue;
        json row = position_json(s, p, i);
        row["strategy"] = strategy_name(s, k);
        strategy_positions.push_back(std::move(row));
      }
    }
    std::sort(strategy_positions.begin(), strategy_positions.end(),
              [](const json& x, const json& y) {
                return std::tie(x["strategy"], x["symbol"]) < std::tie(y["strategy"], y["symbol"]);
              });
    out["strategy_positions"] = std::move(strategy_positions);
  }

  if (parts.strategies) {
    json strategies = json::array();
    for (uint16_t k = 0; k < s.strategy_count(); ++k) {
      const StrategyRecord& st = s.strategy(k);
      json row;
      row["name"] = strategy_name(s, k);
      row["account"] = account_name(s, st.account);
      row["state"] = to_string(st.state);
      row["halted"] = st.halted != 0;
      row["open_orders"] = st.open_orders;
      row["orders"] = st.orders;
      row["fills"] = st.fills;
      row["volume"] = dec(st.volume);
      row["fees"] = dec(st.fees);
      row["realized_pnl"] = dec(st.realized_pnl);
      row["net_pnl"] = dec(st.realized_pnl - st.fees);
      row["wins"] = st.wins;
      row["losses"] = st.losses;
      row["peak_equity"] = dec(st.peak_equity);
      row["max_drawdown"] = dec(st.max_drawdown);
      row["day_trades"] = st.day_trades;
      strategies.push_back(std::move(row));
    }
    std::sort(strategies.begin(), strategies.end(),
              [](const json& x, const json& y) { return x["name"] < y["name"]; });
    out["strategies"] = std::move(strategies);
  }

  if (parts.market) {
    json market = json::array();
    for (uint16_t i = 0; i < s.instrument_count(); ++i) {
      const MarketRecord& m = s.market(i);
      if (m.ts == 0 && m.has_mark == 0) continue;
      json row;
      row["symbol"] = instrument_name(s, i);
      row["bid"] = m.has_bid ? dec(m.bid) : json(nullptr);
      row["ask"] = m.has_ask ? dec(m.ask) : json(nullptr);
      row["last"] = m.has_last ? dec(m.last) : json(nullptr);
      row["mark"] = m.has_mark ? dec(m.mark) : json(nullptr);
      row["bid_qty"] = dec(m.bid_qty);
      row["ask_qty"] = dec(m.ask_qty);
      row["volume"] = dec(m.volume);
      row["ts"] = m.ts;
      market.push_back(std::move(row));
    }
    std::sort(market.begin(), market.end(),
              [](const json& x, const json& y) { return x["symbol"] < y["symbol"]; });
    out["market"] = std::move(market);
  }

  const StateHeader& h = s.header();
  out["seq"] = h.seq;
  out["state_hash"] = fmt::format("{:016x}", parts.state_hash ? *parts.state_hash : s.hash());
  json counters;
  counters["inputs_applied"] = h.inputs_applied;
  counters["illegal_transitions"] = h.illegal_transitions;
  json rejects = json::object();
  for (int r = 1; r < kRejectReasonCount; ++r) {
    if (h.rejects[r] != 0)
      rejects[std::string(to_string(static_cast<RejectReason>(r)))] = h.rejects[r];
  }
  counters["rejects"] = std::move(rejects);
  json alerts = json::object();
  for (int a = 1; a < kAlertReasonCount; ++a) {
    if (h.alerts[a] != 0) alerts[std::string(to_string(static_cast<AlertReason>(a)))] = h.alerts[a];
  }
  counters["alerts"] = std::move(alerts);
  out["counters"] = std::move(counters);
  return out;
}

EventVenueIds event_venue_ids(const State& s, const Event& e) {
  EventVenueIds ids;
  if (e.type == EventType::kFill) {
    // Not there only for a reader so far behind that the trade window no longer holds the fill.
    if (const TradeRecord* t = s.trade(e.trade_seq)) ids.trade_id = t->trade_id;
  } else if (e.type == EventType::kAcked) {
    // The id the order holds (an order id names one order forever).
    if (const OrderRecord* o = s.find_order(e.order_id)) {
      ids.venue_order_id = s.venue_order_id(order_slot(o->id));
    }
  }
  return ids;
}

json event_to_json(const State& s, const Event& e) {
  return event_to_json(s, e, event_venue_ids(s, e));
}

namespace {

// The fields of an event's JSON, told to `out` (event_to_json's nlohmann::json, or
// append_event_json's text) in one place, so that both give the same object. A later field of
// a key replaces an earlier one, as nlohmann::json's operator[] does.
template <typename Out>
void event_fields(const State& s, const Event& e, const EventVenueIds& ids, Out& out) {
  const auto name_field = [&out](const char* key, const std::string& n) {
    if (n.empty()) {
      out.null(key);
    } else {
      out.str(key, n);
    }
  };
  const auto venue_id_field = [&out](const char* key, const VenueId& id) {
    if (id.empty() || !id.well_formed()) {
      out.null(key);
    } else {
      out.str(key, id.view());
    }
  };
  out.u64("seq", e.seq);
  out.i64("ts", e.ts);
  out.str("type", to_string(e.type));
  const bool order_event = e.order_id != 0 || e.cl_id != 0;
  if (order_event) {
    out.u64("order_id", e.order_id);
    name_field("client", client_name(s, e.client));
    out.u64("cl_id", e.cl_id);
    if (e.order_id != 0) {
      out.str("status", to_string(e.status));
      out.str("side", to_string(e.side));
      name_field("account", account_name(s, e.account));
      name_field("strategy", strategy_name(s, e.strategy));
      name_field("symbol", instrument_name(s, e.instrument));
    }
  }
  switch (e.type) {
    case EventType::kAccepted:
    case EventType::kAmended:
      out.str("qty", to_string(e.qty));
      out.str("price", to_string(e.price));
      break;
    case EventType::kRejected:
      out.str("reason", to_string(e.reason));
      out.str("op", to_string(e.op));
      break;
    case EventType::kAcked:
      venue_id_field("venue_order_id", ids.venue_order_id);
      break;
    case EventType::kFill: {
      venue_id_field("trade_id", ids.trade_id);
      out.str("qty", to_string(e.qty));
      out.str("price", to_string(e.price));
      out.str("fee", to_string(e.amount));
      name_field("fee_asset", asset_name(s, e.asset));
      out.str("liquidity", to_string(e.liquidity));
      break;
    }
    case EventType::kTriggered:
    case EventType::kCreated:
      out.str("qty", to_string(e.qty));
      out.str("stop_price", to_string(e.price));
      break;
    case EventType::kAlert:
      out.str("reason", to_string(e.alert));
      break;
    case EventType::kBalance:
      out.str("account", account_name(s, e.account));
      out.str("asset", asset_name(s, e.asset));
      out.str("amount", to_string(e.amount));
      break;
    case EventType::kStrategyState:
      out.str("strategy", strategy_name(s, e.strategy));
      out.str("state", to_string(static_cast<StrategyState>(e.amount.e8 / kScale)));
      break;
    case EventType::kHalted:
    case EventType::kResumed: {
      const auto scope = static_cast<HaltScope>(e.amount.e8 / kScale);
      out.str("scope", to_string(scope));
      if (scope == HaltScope::kAccount) out.str("name", account_name(s, e.account));
      if (scope == HaltScope::kStrategy) out.str("name", strategy_name(s, e.strategy));
      if (scope == HaltScope::kInstrument) out.str("name", instrument_name(s, e.instrument));
      break;
    }
    case EventType::kLeverage:
      out.str("account", account_name(s, e.account));
      out.str("symbol", instrument_name(s, e.instrument));
      out.i64("leverage", e.amount.e8 / kScale);
      break;
    default:
      break;
  }
}

struct JsonFields {
  json j;
  void u64(const char* key, uint64_t v) { j[key] = v; }
  void i64(const char* key, int64_t v) { j[key] = v; }
  void str(const char* key, std::string_view v) { j[key] = std::string(v); }
  void null(const char* key) { j[key] = nullptr; }
};

// The same fields kept as they come, then written as nlohmann::json::dump() writes an object:
// keys in byte order (its std::map), no spaces, integers in decimal.
class TextFields {
 public:
  void u64(const char* key, uint64_t v) { at(key) = Field{key, Kind::kU64, v, 0, {}}; }
  void i64(const char* key, int64_t v) { at(key) = Field{key, Kind::kI64, 0, v, {}}; }
  void str(const char* key, std::string_view v) {
    at(key) = Field{key, Kind::kStr, 0, 0, std::string(v)};
  }
  void null(const char* key) { at(key) = Field{key, Kind::kNull, 0, 0, {}}; }

  void write(std::string& out) {
    std::sort(fields_, fields_ + count_,
              [](const Field& a, const Field& b) { return a.key < b.key; });
    out += '{';
    for (size_t i = 0; i < count_; ++i) {
      const Field& f = fields_[i];
      if (i != 0) out += ',';
      out += '"';
      out += f.key;  // the keys above are plain ASCII: nothing to escape
      out += "\":";
      switch (f.kind) {
        case Kind::kU64:
          fmt::format_to(std::back_inserter(out), "{}", f.u);
          break;
        case Kind::kI64:
          fmt::format_to(std::back_inserter(out), "{}", f.i);
          break;
        case Kind::kNull:
          out += "null";
          break;
        case Kind::kStr:
          append_string(out, f.s);
          break;
      }
    }
    out += '}';
  }

 private:
  enum class Kind : uint8_t { kU64, kI64, kStr, kNull };
  struct Field {
    std::string_view key;
    Kind kind;
    uint64_t u;
    int64_t i;
    std::string s;
  };
  // A string with nothing to escape is written as it is; any other (a quote, a backslash, a
  // control or non-ASCII byte) the way nlohmann::json writes it, escapes and UTF-8 checks alike.
  static void append_string(std::string& out, const std::string& v) {
    const bool plain = std::all_of(v.begin(), v.end(), [](char c) {
      const auto b = static_cast<unsigned char>(c);
      return b >= 0x20 && b < 0x7f && c != '"' && c != '\\';
    });
    if (!plain) {
      out += json(v).dump();
      return;
    }
    out += '"';
    out += v;
    out += '"';
  }
  Field& at(std::string_view key) {
    for (size_t i = 0; i < count_; ++i) {
      if (fields_[i].key == key) return fields_[i];
    }
    // Unreachable (kMaxFields above); loud rather than a write past the array.
    if (count_ == kMaxFields) std::abort();
    return fields_[count_++];
  }
  // event_fields() sets at most 17 keys (a fill: 3 of every event, 8 of an order's, 6 of its
  // own); what it sets does not depend on the event's values, and every type is in the tests.
  static constexpr size_t kMaxFields = 17;
  Field fields_[kMaxFields];
  size_t count_ = 0;
};

}  // namespace

json event_to_json(const State& s, const Event& e, const EventVenueIds& ids) {
  JsonFields f;
  event_fields(s, e, ids, f);
  return std::move(f.j);
}

void append_event_json(std::string& out, const State& s, const Event& e, const EventVenueIds& ids) {
  TextFields f;
  event_fields(s, e, ids, f);
  f.write(out);
}

}  // namespace ose
