#include "engine/formats/scenario.hpp"

#include <fmt/format.h>

#include <initializer_list>
#include <nlohmann/json.hpp>
#include <optional>

namespace ose {

namespace {

using nlohmann::json;

// Field access with typed errors; the first error wins and is what the line reports.
class Fields {
 public:
  explicit Fields(const json& j) : j_(j) {}

  bool ok() const { return error_.empty(); }
  const std::string& error() const { return error_; }
  void fail(std::string msg) {
    if (error_.empty()) error_ = std::move(msg);
  }

  void allow(std::initializer_list<std::string_view> keys) {
    for (auto it = j_.begin(); it != j_.end(); ++it) {
      bool known =
          it.key() == "op" || it.key() == "ts" || it.key() == "source" || it.key() == "seq";
      for (auto k : keys) known = known || it.key() == k;
      if (!known) fail(fmt::format("unknown field \"{}\"", it.key()));
    }
  }

  bool has(const char* key) const { return j_.contains(key) && !j_[key].is_null(); }

  std::string str(const char* key, bool required = true) {
    if (!has(key)) {
      if (required) fail(fmt::format("missing field \"{}\"", key));
      return {};
    }
    if (!j_[key].is_string()) {
      fail(fmt::format("field \"{}\" must be a string", key));
      return {};
    }
    return j_[key].get<std::string>();
  }

  // Decimals are strings ("30000.5"); JSON numbers are refused because they are inexact.
  int64_t decimal(const char* key, bool required) {
    if (!has(key)) {
      if (required) fail(fmt::format("missing field \"{}\"", key));
      return 0;
    }
    const json& v = j_[key];
    if (!v.is_string()) {
      fail(fmt::format("field \"{}\" must be a decimal string like \"0.01\"", key));
      return 0;
    }
    auto parsed = parse_decimal_e8(v.get<std::string>());
    if (!parsed) {
      fail(fmt::format("field \"{}\": '{}' is not a decimal with at most 8 fraction digits", key,
                       v.get<std::string>()));
      return 0;
    }
    return *parsed;
  }

  // Unsigned ids (cl_id, order_id): a JSON integer or digit string.
  uint64_t id(const char* key, bool required) {
    if (!has(key)) {
      if (required) fail(fmt::format("missing field \"{}\"", key));
      return 0;
    }
    const json& v = j_[key];
    if (v.is_number_unsigned()) return v.get<uint64_t>();
    if (v.is_number_integer() && v.get<int64_t>() >= 0)
      return static_cast<uint64_t>(v.get<int64_t>());
    if (v.is_string()) {
      const std::string s = v.get<std::string>();
      uint64_t out = 0;
      bool digits = !s.empty() && s.size() <= 20;
      for (char ch : s) {
        if (ch < '0' || ch > '9') digits = false;
      }
      if (digits) {
        for (char ch : s) {
          const uint64_t d = static_cast<uint64_t>(ch - '0');
          if (out > (UINT64_MAX - d) / 10) {
            digits = false;
            break;
          }
          out = out * 10 + d;
        }
      }
      if (digits) return out;
    }
    fail(fmt::format("field \"{}\" must be a non-negative integer", key));
    return 0;
  }

  // Venue ids (trade_id, venue_order_id, DESIGN §8): a string of 1 to kVenueIdLen bytes kept as
  // sent, or a non-negative JSON integer, which means its decimal digits. A number beyond 64
  // bits arrives from the JSON reader as a float and is refused: its digits are already lost.
  VenueId venue_id(const char* key, bool required) {
    if (!has(key)) {
      if (required) fail(fmt::format("missing field \"{}\"", key));
      return VenueId{};
    }
    const json& v = j_[key];
    if (v.is_number_unsigned()) return VenueId::digits(v.get<uint64_t>());
    if (v.is_number_integer() && v.get<int64_t>() >= 0) {
      return VenueId::digits(static_cast<uint64_t>(v.get<int64_t>()));
    }
    if (!v.is_string()) {
      fail(fmt::format(
          "field \"{}\" must be a string (or a non-negative integer below 2^64; send longer ids "
          "as strings)",
          key));
      return VenueId{};
    }
    const std::string& id = v.get_ref<const std::string&>();
    VenueId out{};
    if (id.empty()) {
      fail(fmt::format("field \"{}\" must not be empty", key));
    } else if (id.size() > static_cast<size_t>(kVenueIdLen)) {
      fail(fmt::format("field \"{}\" is {} bytes long; venue ids are at most {} bytes", key,
                       id.size(), kVenueIdLen));
    } else if (!VenueId::from(id, out)) {
      fail(fmt::format("field \"{}\" must not contain a NUL character", key));
    }
    return out;
  }

  int64_t integer(const char* key, bool required, int64_t lo, int64_t hi) {
    if (!has(key)) {
      if (required) fail(fmt::format("missing field \"{}\"", key));
      return 0;
    }
    const json& v = j_[key];
    if (!v.is_number_integer() || (v.is_number_unsigned() && v.get<uint64_t>() > INT64_MAX)) {
      fail(fmt::format("field \"{}\" must be an integer", key));
      return 0;
    }
    const int64_t x = v.get<int64_t>();
    if (x < lo || x > hi) fail(fmt::format("field \"{}\" must be between {} and {}", key, lo, hi));
    return x;
  }

  bool boolean(const char* key, bool required = false) {
    if (!has(key)) {
      if (required) fail(fmt::format("missing field \"{}\"", key));
      return false;
    }
    if (!j_[key].is_boolean()) {
      fail(fmt::format("field \"{}\" must be true or false", key));
      return false;
    }
    return j_[key].get<bool>();
  }

  template <typename E, typename Parse>
  E word(const char* key, Parse parse, bool required, E fallback, std::string_view choices) {
    if (!has(key)) {
      if (required) fail(fmt::format("missing field \"{}\"", key));
      return fallback;
    }
    const std::string s = str(key);
    auto v = parse(s);
    if (!v) {
      fail(fmt::format("field \"{}\": '{}' is not one of {}", key, s, choices));
      return fallback;
    }
    return *v;
  }

 private:
  const json& j_;
  std::string error_;
};

bool decode_hex(const std::string& hex, void* out, size_t bytes) {
  if (hex.size() != 2 * bytes) return false;
  const auto digit = [](char ch) -> int {
    if (ch >= '0' && ch <= '9') return ch - '0';
    if (ch >= 'a' && ch <= 'f') return ch - 'a' + 10;
    if (ch >= 'A' && ch <= 'F') return ch - 'A' + 10;
    return -1;
  };
  auto* b = static_cast<unsigned char*>(out);
  for (size_t i = 0; i < bytes; ++i) {
    const int hi = digit(hex[2 * i]);
    const int lo = digit(hex[2 * i + 1]);
    if (hi < 0 || lo < 0) return false;
    b[i] = static_cast<unsigned char>(hi * 16 + lo);
  }
  return true;
}

OrderRef parse_ref(Fields& f, const State& s) {
  OrderRef r{};
  if (f.has("order_id")) {
    r.order_id = f.id("order_id", true);
    r.client = kNoIndex;
    return r;
  }
  r.client = s.find_client(f.str("client"));
  r.cl_id = f.id("cl_id", true);
  return r;
}

}  // namespace

Result<ScenarioLine> parse_scenario_line(const State& s, std::string_view line, int64_t prev_ts) {
  json j = json::parse(line.begin(), line.end(), nullptr, /*allow_exceptions=*/false);
  if (j.is_discarded()) return Error{"not valid JSON"};
  if (!j.is_object()) return Error{"expected a JSON object"};
  Fields f(j);
  ScenarioLine out;
  if (f.has("ts")) {
    out.ts = f.integer("ts", true, 0, INT64_MAX);
  } else if (prev_ts > INT64_MAX - kDefaultTsStepNs) {
    // prev_ts + 1 ms would overflow (undefined behaviour; in practice a negative ts): refuse
    // the line with a message, never wrap.
    f.fail(
        fmt::format("no \"ts\", and the previous line's ts {} + 1 ms is beyond the largest "
                    "timestamp {}: give this line a \"ts\"",
                    prev_ts, INT64_MAX));
  } else {
    out.ts = prev_ts + kDefaultTsStepNs;
  }
  // Informative only (`ose journal dump --json` carries it): the engine stamps its own seq.
  if (f.has("seq")) f.integer("seq", true, 1, INT64_MAX);
  if (f.has("source")) {
    const std::string src = f.str("source");
    if (!f.ok()) return Error{f.error()};  // not a string: say so, not "unknown client ''"
    out.source = s.find_client(src);
    if (out.source == kNoIndex) return Error{fmt::format("unknown source client '{}'", src)};
  }
  const std::string op = f.str("op");
  if (!f.ok()) return Error{f.error()};

  Command& c = out.cmd;
  auto ref_keys_ok = [&](std::initializer_list<std::string_view> extra) {
    for (auto it = j.begin(); it != j.end(); ++it) {
      const std::string& k = it.key();
      bool known = k == "op" || k == "ts" || k == "source" || k == "seq" || k == "client" ||
                   k == "cl_id" || k == "order_id";
      for (auto e : extra) known = known || k == e;
      if (!known) f.fail(fmt::format("unknown field \"{}\"", k));
    }
  };

  if (op == "deposit" || op == "withdraw") {
    c = make_command(op == "deposit" ? Op::kDeposit : Op::kWithdraw);
    f.allow({"account", "asset", "amount"});
    c.balance.account = s.find_account(f.str("account"));
    c.balance.asset = s.find_asset(f.str("asset"));
    c.balance.amount = Amount::from_e8(f.decimal("amount", true));
  } else if (op == "new_order") {
    c = make_command(Op::kNewOrder);
    f.allow({"client", "cl_id", "account", "strategy", "symbol", "side", "type", "tif", "qty",
             "price", "stop_price", "callback_rate", "activation_price", "expire_ts", "post_only",
             "reduce_only", "stop_loss", "take_profit"});
    NewOrderCmd& n = c.new_order;
    n.client = s.find_client(f.str("client"));
    n.cl_id = f.id("cl_id", true);
    n.account = s.find_account(f.str("account"));
    n.strategy = s.find_strategy(f.str("strategy"));
    n.instrument = s.find_instrument(f.str("symbol"));
    n.side = static_cast<uint8_t>(f.word<Side>("side", parse_side, true, Side::kBuy, "buy, sell"));
    n.type = static_cast<uint8_t>(f.word<OrderType>(
        "type", parse_order_type, true, OrderType::kLimit,
        "market, limit, stop_market, stop_limit, take_profit_market, take_profit_limit, "
        "trailing_stop"));
    n.tif =
        static_cast<uint8_t>(f.word<Tif>("tif", parse_tif, false, Tif::kGtc, "gtc, ioc, fok, gtd"));
    n.qty = Qty::from_e8(f.decimal("qty", true));
    n.price = Price::from_e8(f.decimal("price", false));
    n.stop_price = Price::from_e8(f.decimal("stop_price", false));
    n.callback_rate = Rate::from_e8(f.decimal("callback_rate", false));
    n.activation_price = Price::from_e8(f.decimal("activation_price", false));
    n.stop_loss = Price::from_e8(f.decimal("stop_loss", false));
    n.take_profit = Price::from_e8(f.decimal("take_profit", false));
    n.expire_ts = f.integer("expire_ts", false, 0, INT64_MAX);
    n.flags = static_cast<uint8_t>((f.boolean("post_only") ? kFlagPostOnly : 0) |
                                   (f.boolean("reduce_only") ? kFlagReduceOnly : 0));
  } else if (op == "cancel" || op == "cancel_ack" || op == "expired") {
    c = make_command(op == "cancel"       ? Op::kCancel
                     : op == "cancel_ack" ? Op::kCancelAck
                                          : Op::kExpired);
    ref_keys_ok({});
    c.cancel = parse_ref(f, s);
  } else if (op == "amend") {
    c = make_command(Op::kAmend);
    ref_keys_ok({"qty", "price"});
    c.amend.ref = parse_ref(f, s);
    c.amend.qty = Qty::from_e8(f.decimal("qty", false));
    c.amend.price = Price::from_e8(f.decimal("price", false));
    if (!f.has("qty") && !f.has("price")) f.fail("amend needs \"qty\" or \"price\"");
  } else if (op == "cancel_all") {
    c = make_command(Op::kCancelAll);
    f.allow({"account", "strategy", "symbol"});
    c.cancel_all.account = f.has("account") ? s.find_account(f.str("account")) : kNoIndex;
    c.cancel_all.strategy = f.has("strategy") ? s.find_strategy(f.str("strategy")) : kNoIndex;
    c.cancel_all.instrument = f.has("symbol") ? s.find_instrument(f.str("symbol")) : kNoIndex;
    // A filter naming something unknown must match nothing, not everything.
    if ((f.has("account") && c.cancel_all.account == kNoIndex) ||
        (f.has("strategy") && c.cancel_all.strategy == kNoIndex) ||
        (f.has("symbol") && c.cancel_all.instrument == kNoIndex)) {
      f.fail("cancel_all names an unknown account, strategy or symbol");
    }
  } else if (op == "ack") {
    c = make_command(Op::kAck);
    ref_keys_ok({"venue_order_id"});
    c.ack.ref = parse_ref(f, s);
    c.ack.venue_order_id = f.venue_id("venue_order_id", false);
  } else if (op == "venue_reject") {
    c = make_command(Op::kVenueReject);
    ref_keys_ok({"reason"});
    c.venue_reject.ref = parse_ref(f, s);
    c.venue_reject.reason =
        parse_reject_reason(f.str("reason")).value_or(RejectReason::kVenueRejected);
  } else if (op == "fill") {
    c = make_command(Op::kFill);
    ref_keys_ok({"trade_id", "qty", "price", "fee", "fee_asset", "liquidity"});
    FillCmd& fl = c.fill;
    fl.ref = parse_ref(f, s);
    fl.trade_id = f.venue_id("trade_id", true);
    fl.qty = Qty::from_e8(f.decimal("qty", true));
    fl.price = Price::from_e8(f.decimal("price", true));
    fl.fee = Amount::from_e8(f.decimal("fee", false));
    fl.fee_asset = f.has("fee_asset") ? s.find_asset(f.str("fee_asset")) : kNoIndex;
    if (f.has("fee_asset") && fl.fee_asset == kNoIndex) f.fail("unknown fee_asset");
    if (!fl.fee.is_zero() && !f.has("fee_asset")) f.fail("a fee needs \"fee_asset\"");
    fl.liquidity = static_cast<uint8_t>(
        f.word<Liquidity>("liquidity", parse_liquidity, false, Liquidity::kTaker, "maker, taker"));
  } else if (op == "tick") {
    c = make_command(Op::kTick);
    f.allow({"symbol", "bid", "ask", "bid_qty", "ask_qty", "last", "volume"});
    TickCmd& t = c.tick;
    t.instrument = s.find_instrument(f.str("symbol"));
    struct {
      const char* key;
      uint8_t bit;
      int64_t* dst;
    } const fields[] = {{"bid", kTickBid, &t.bid.e8},
                        {"ask", kTickAsk, &t.ask.e8},
                        {"bid_qty", kTickBidQty, &t.bid_qty.e8},
                        {"ask_qty", kTickAskQty, &t.ask_qty.e8},
                        {"last", kTickLast, &t.last.e8},
                        {"volume", kTickVolume, &t.volume.e8}};
    for (const auto& fd : fields) {
      if (!f.has(fd.key)) continue;
      *fd.dst = f.decimal(fd.key, true);
      t.fields = static_cast<uint8_t>(t.fields | fd.bit);
    }
    if (t.fields == 0)
      f.fail("a tick needs at least one of bid, ask, last, bid_qty, ask_qty, volume");
  } else if (op == "set_strategy") {
    c = make_command(Op::kSetStrategy);
    f.allow({"strategy", "state"});
    c.set_strategy.strategy = s.find_strategy(f.str("strategy"));
    c.set_strategy.state = static_cast<uint8_t>(f.word<StrategyState>(
        "state", parse_strategy_state, true, StrategyState::kRunning, "running, paused, stopped"));
  } else if (op == "halt" || op == "resume") {
    c = make_command(op == "halt" ? Op::kHalt : Op::kResume);
    f.allow({"scope", "name"});
    const HaltScope scope = f.word<HaltScope>("scope", parse_halt_scope, true, HaltScope::kGlobal,
                                              "global, account, strategy, instrument");
    c.halt.scope = static_cast<uint8_t>(scope);
    c.halt.target = kNoIndex;
    if (scope != HaltScope::kGlobal) {
      const std::string name = f.str("name");
      c.halt.target = scope == HaltScope::kAccount    ? s.find_account(name)
                      : scope == HaltScope::kStrategy ? s.find_strategy(name)
                                                      : s.find_instrument(name);
    }
  } else if (op == "set_leverage") {
    c = make_command(Op::kSetLeverage);
    f.allow({"account", "symbol", "leverage"});
    c.set_leverage.account = s.find_account(f.str("account"));
    c.set_leverage.instrument = s.find_instrument(f.str("symbol"));
    c.set_leverage.leverage =
        static_cast<int32_t>(f.integer("leverage", true, INT32_MIN, INT32_MAX));
  } else if (op == "timer") {
    c = make_command(Op::kTimer);
    f.allow({});
  } else if (op == "persistence") {
    // The Runner's record of the journal stopping (available = false) or resuming.
    c = make_command(Op::kPersistence);
    f.allow({"available"});
    c.persistence.available = f.boolean("available", true) ? 1 : 0;
  } else if (op == "raw") {
    // A command exactly as it arrived, byte for byte (the input log's form for records that
    // the vocabulary above cannot express, e.g. a client's garbage): 224 hex digits.
    f.allow({"command"});
    const std::string hex = f.str("command");
    if (f.ok() && !decode_hex(hex, &c, sizeof(Command))) {
      f.fail(fmt::format("\"command\" must be {} hex digits", 2 * sizeof(Command)));
    }
  } else {
    return Error{fmt::format("unknown op '{}'", op)};
  }
  if (!f.ok()) return Error{f.error()};
  return out;
}

}  // namespace ose
