#include "ema_rsi/bot_params.hpp"

#include <fmt/format.h>

#include <charconv>
#include <string_view>

namespace ose {

namespace {

// Keeps the first problem; every later setting is still read, but nothing overwrites it.
class Applier {
 public:
  explicit Applier(BotParams& p) : p_(p) {}

  bool failed() const { return !message_.empty(); }
  const std::string& message() const { return message_; }

  void fail(const std::string& where, std::string_view key, std::string_view what) {
    if (failed()) return;
    message_ = where.empty() ? fmt::format("bot.{}: {}", key, what)
                             : fmt::format("{}: bot.{}: {}", where, key, what);
  }

  void apply(const BotSetting& s) {
    written_.push_back(&s);
    const std::string_view k = s.key;
    if (k == "symbol") return text(s, p_.symbol);
    if (k == "account") return text(s, p_.account);
    if (k == "strategy") return text(s, p_.strategy);
    if (k == "ema_fast") return integer(s, p_.ema_fast, 1, 1000);
    if (k == "ema_slow") return integer(s, p_.ema_slow, 1, 1000);
    if (k == "rsi_period") return integer(s, p_.rsi_period, 1, 1000);
    if (k == "max_daily_trades") return integer(s, p_.max_daily_trades, 1, 1'000'000);
    if (k == "bar_ticks") return integer(s, p_.bar_ticks, 1, 1'000'000);
    const Rate one = Rate::from_units(1);
    if (k == "rsi_oversold" || k == "rsi_overbought") {
      Rate level;
      if (!decimal(s, level)) return;
      if (level.is_negative() || level > Rate::from_units(100)) {
        return fail(s.where, k, "must be between 0 and 100");
      }
      // Converted once to the nearest double (e8 / 1e8 is correctly rounded, so "33.3" gives
      // the same double as the literal 33.3).
      (k == "rsi_oversold" ? p_.rsi_oversold : p_.rsi_overbought) = to_double(level);
      return;
    }
    if (k == "stop_loss") {
      return fraction(
          s, p_.stop_loss, [&] { return !p_.stop_loss.is_negative() && p_.stop_loss < one; },
          "must be at least 0 and below 1 (0 = no stop-loss)");
    }
    if (k == "take_profit") {
      return fraction(
          s, p_.take_profit, [&] { return !p_.take_profit.is_negative(); },
          "must be at least 0 (0 = none)");
    }
    if (k == "trailing_stop") {
      return fraction(
          s, p_.trailing_stop,
          [&] { return !p_.trailing_stop.is_negative() && p_.trailing_stop < one; },
          "must be at least 0 and below 1 (0 = off)");
    }
    if (k == "position_size") {
      return fraction(
          s, p_.position_size,
          [&] { return p_.position_size.is_positive() && p_.position_size <= one; },
          "must be above 0 and at most 1");
    }
    if (k == "max_slippage") {
      return fraction(
          s, p_.max_slippage,
          [&] {
            return !p_.max_slippage.is_negative() && p_.max_slippage < Rate::from_e8(kScale / 10);
          },
          "must be at least 0 and below 0.1");
    }
    std::string valid;
    for (const std::string& name : bot_param_keys()) valid += (valid.empty() ? "" : ", ") + name;
    fail(s.where, k, fmt::format("unknown key (valid: {})", valid));
  }

  // The checks that relate two keys blame the key that was written (the first named when both
  // were), so its line is the useful one.
  void cross_check() {
    if (p_.ema_fast >= p_.ema_slow) {
      const auto what =
          fmt::format("ema_fast ({}) must be below ema_slow ({})", p_.ema_fast, p_.ema_slow);
      blame("ema_fast", "ema_slow", what);
    }
    if (p_.rsi_oversold >= p_.rsi_overbought) {
      const auto what = fmt::format("rsi_oversold ({}) must be below rsi_overbought ({})",
                                    p_.rsi_oversold, p_.rsi_overbought);
      blame("rsi_oversold", "rsi_overbought", what);
    }
  }

 private:
  void blame(std::string_view first, std::string_view second, std::string_view what) {
    for (std::string_view key : {first, second}) {
      for (const BotSetting* s : written_) {
        if (s->key == key) return fail(s->where, key, what);
      }
    }
    fail("", first, what);
  }

  void text(const BotSetting& s, std::string& out) {
    if (s.kind != BotValueKind::kText && s.kind != BotValueKind::kAny) {
      return fail(s.where, s.key, "expected a string");
    }
    if (s.text.empty() || s.text.size() > 15) {
      return fail(s.where, s.key, "must be 1 to 15 characters");
    }
    out = s.text;
  }

  void integer(const BotSetting& s, int32_t& out, int32_t lo, int32_t hi) {
    int64_t v = 0;
    const char* end = s.text.data() + s.text.size();
    const auto [ptr, ec] = std::from_chars(s.text.data(), end, v);
    const bool kind_ok = s.kind == BotValueKind::kInteger || s.kind == BotValueKind::kAny;
    if (!kind_ok || ec != std::errc{} || ptr != end) {
      return fail(s.where, s.key, "expected an integer");
    }
    if (v < lo || v > hi)
      return fail(s.where, s.key, fmt::format("must be between {} and {}", lo, hi));
    out = static_cast<int32_t>(v);
  }

  bool decimal(const BotSetting& s, Rate& out) {
    auto v = parse_decimal_e8(s.text);
    if (!v) {
      fail(s.where, s.key,
           fmt::format("'{}' is not a decimal with at most 8 fraction digits", s.text));
      return false;
    }
    out = Rate::from_e8(*v);
    return true;
  }

  template <typename Check>
  void fraction(const BotSetting& s, Rate& out, Check in_range, std::string_view what) {
    if (!decimal(s, out)) return;
    if (!in_range()) fail(s.where, s.key, what);
  }

  BotParams& p_;
  std::vector<const BotSetting*> written_;
  std::string message_;
};

}  // namespace

const std::vector<std::string>& bot_param_keys() {
  static const std::vector<std::string> keys = {
      "symbol",        "account",       "strategy",         "ema_fast",  "ema_slow",
      "rsi_period",    "rsi_oversold",  "rsi_overbought",   "stop_loss", "take_profit",
      "trailing_stop", "position_size", "max_daily_trades", "bar_ticks", "max_slippage"};
  return keys;
}

Result<BotParams> bot_params_from(const std::vector<BotSetting>& settings) {
  BotParams p;
  Applier a(p);
  for (const BotSetting& s : settings) a.apply(s);
  if (!a.failed()) a.cross_check();
  if (a.failed()) return Error{a.message()};
  return p;
}

Result<BotSetting> bot_setting_from_toml_assignment(const std::string& assignment) {
  const size_t eq = assignment.find('=');
  if (eq == std::string::npos || eq == 0) {
    return Error{fmt::format("'{}' is not KEY=VALUE", assignment)};
  }
  BotSetting s;
  s.key = assignment.substr(0, eq);
  std::string value = assignment.substr(eq + 1);
  if (value.size() >= 2 && value.front() == '"' && value.back() == '"') {
    s.kind = BotValueKind::kText;
    s.text = value.substr(1, value.size() - 2);
  } else if (!value.empty() && value.find_first_not_of("+-0123456789") == std::string::npos) {
    s.kind = BotValueKind::kInteger;
    s.text = value;
  } else {
    s.kind = BotValueKind::kFloat;
    s.text = value;
  }
  return s;
}

std::string describe(const BotParams& p) {
  return fmt::format(
      "symbol={}\naccount={}\nstrategy={}\nema_fast={}\nema_slow={}\nrsi_period={}\n"
      "rsi_oversold={}\nrsi_overbought={}\nstop_loss={}\ntake_profit={}\ntrailing_stop={}\n"
      "position_size={}\nmax_daily_trades={}\nbar_ticks={}\nmax_slippage={}\n",
      p.symbol, p.account, p.strategy, p.ema_fast, p.ema_slow, p.rsi_period, p.rsi_oversold,
      p.rsi_overbought, to_string(p.stop_loss), to_string(p.take_profit),
      to_string(p.trailing_stop), to_string(p.position_size), p.max_daily_trades, p.bar_ticks,
      to_string(p.max_slippage));
}

}  // namespace ose
