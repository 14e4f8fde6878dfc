#include "feeds/bot_config.hpp"

#include <fmt/format.h>

#include <toml++/toml.h>

#include <charconv>
#include <cmath>
#include <cstdint>
#include <optional>
#include <string>
#include <system_error>
#include <utility>

namespace ose {

namespace {

constexpr std::string_view kSection = "bot";

// Every key [bot] may hold, in the order of the header's example.
constexpr std::string_view kKeys[] = {
    "symbol",        "account",       "strategy",         "ema_fast",  "ema_slow",
    "rsi_period",    "rsi_oversold",  "rsi_overbought",   "stop_loss", "take_profit",
    "trailing_stop", "position_size", "max_daily_trades", "bar_ticks", "max_slippage"};

std::string valid_keys() {
  std::string out;
  for (std::string_view k : kKeys) {
    if (!out.empty()) out += ", ";
    out += k;
  }
  return out;
}

// Keeps the first error with its location ("origin:line: bot.key: what", the engine config's
// format); every getter returns the fallback once failed, so the loader reads straight through.
class Reader {
 public:
  Reader(std::string origin, const toml::table& t) : origin_(std::move(origin)), t_(t) {}

  bool failed() const { return failed_; }
  const std::string& message() const { return message_; }

  void fail(const toml::source_region& where, std::string_view label, std::string_view what) {
    if (failed_) return;
    failed_ = true;
    message_ = fmt::format("{}:{}: {}: {}", origin_, where.begin.line, label, what);
  }

  // Points at the key when it is in the table, else at the table itself.
  void fail_key(std::string_view key, std::string_view what) {
    const toml::node* n = t_.get(key);
    fail(n != nullptr ? n->source() : t_.source(), label(key), what);
  }

  void require(bool ok, std::string_view key, std::string_view what) {
    if (!ok) fail_key(key, what);
  }

  bool has(std::string_view key) const { return t_.get(key) != nullptr; }

  // A typo must not silently fall back to a default: unknown keys are refused.
  void check_keys() {
    for (auto&& [k, v] : t_) {
      bool ok = false;
      for (auto name : kKeys) ok = ok || k.str() == name;
      if (!ok) {
        fail(v.source(), label(k.str()), fmt::format("unknown key (valid: {})", valid_keys()));
      }
    }
  }

  std::string str(std::string_view key, const std::string& fallback, size_t max_len) {
    const toml::node* n = t_.get(key);
    if (n == nullptr) return fallback;
    auto s = n->value_exact<std::string>();
    if (!s) {
      fail(n->source(), label(key), "expected a string");
      return fallback;
    }
    if (s->empty() || s->size() > max_len) {
      fail(n->source(), label(key), fmt::format("must be 1 to {} characters", max_len));
      return fallback;
    }
    return *s;
  }

  int32_t integer(std::string_view key, int32_t fallback, int32_t lo, int32_t hi) {
    const toml::node* n = t_.get(key);
    if (n == nullptr) return fallback;
    auto v = n->value_exact<int64_t>();
    if (!v) {
      fail(n->source(), label(key), "expected an integer");
      return fallback;
    }
    if (*v < lo || *v > hi) {
      fail(n->source(), label(key), fmt::format("must be between {} and {}", lo, hi));
      return fallback;
    }
    return static_cast<int32_t>(*v);
  }

  // A decimal in 1e-8 units from a TOML integer, float or decimal string.
  int64_t decimal_e8(std::string_view key, int64_t fallback) {
    const toml::node* n = t_.get(key);
    if (n == nullptr) return fallback;
    if (auto i = n->value_exact<int64_t>()) {
      if (*i > INT64_MAX / kScale || *i < INT64_MIN / kScale) {
        fail(n->source(), label(key), "out of range");
        return fallback;
      }
      return *i * kScale;
    }
    std::string text;
    if (auto f = n->value_exact<double>()) {
      if (!std::isfinite(*f)) {
        fail(n->source(), label(key), "must be a finite number");
        return fallback;
      }
      // Shortest text that reads back as the same double, in plain notation (no exponent, which
      // parse_decimal_e8 refuses): 0.02 → "0.02", 1e-05 → "0.00001". The largest double needs
      // 309 digits; anything that long is out of range anyway.
      char buf[400];
      const auto [end, ec] = std::to_chars(buf, buf + sizeof buf, *f, std::chars_format::fixed);
      if (ec != std::errc{}) {
        fail(n->source(), label(key), "out of range");
        return fallback;
      }
      text.assign(buf, end);
    } else if (auto s = n->value_exact<std::string>()) {
      text = *s;
    } else {
      fail(n->source(), label(key), "expected a number or a decimal string such as \"0.02\"");
      return fallback;
    }
    auto v = parse_decimal_e8(text);
    if (!v) {
      fail(n->source(), label(key),
           fmt::format("'{}' is not a decimal with at most 8 fraction digits", text));
      return fallback;
    }
    return *v;
  }

  Rate rate(std::string_view key, Rate fallback) {
    return Rate::from_e8(decimal_e8(key, fallback.e8));
  }

  // An RSI level: read exactly like a fraction, then converted once to the nearest double
  // (e8 / 1e8 is correctly rounded, so "33.3" gives the same double as the literal 33.3).
  double level(std::string_view key, double fallback) {
    if (!has(key)) return fallback;
    const int64_t e8 = decimal_e8(key, 0);
    return static_cast<double>(e8) / static_cast<double>(kScale);
  }

 private:
  static std::string label(std::string_view key) { return fmt::format("{}.{}", kSection, key); }

  std::string origin_;
  const toml::table& t_;
  bool failed_ = false;
  std::string message_;
};

Result<BotParams> load(const toml::table& root, const std::string& origin) {
  BotParams p;
  const toml::node* n = root.get(kSection);
  if (n == nullptr) return p;
  const toml::table* t = n->as_table();
  if (t == nullptr) {
    return Error{
        fmt::format("{}:{}: {}: expected a [bot] table", origin, n->source().begin.line, kSection)};
  }
  Reader r(origin, *t);
  r.check_keys();

  p.symbol = r.str("symbol", p.symbol, 15);
  p.account = r.str("account", p.account, 15);
  p.strategy = r.str("strategy", p.strategy, 15);

  p.ema_fast = r.integer("ema_fast", p.ema_fast, 1, 1000);
  p.ema_slow = r.integer("ema_slow", p.ema_slow, 1, 1000);
  if (p.ema_fast >= p.ema_slow) {
    // Blame the key the user wrote (ema_fast when both are there), so the line is useful.
    const auto what =
        fmt::format("ema_fast ({}) must be below ema_slow ({})", p.ema_fast, p.ema_slow);
    r.fail_key(r.has("ema_fast") ? "ema_fast" : "ema_slow", what);
  }
  p.rsi_period = r.integer("rsi_period", p.rsi_period, 1, 1000);

  p.rsi_oversold = r.level("rsi_oversold", p.rsi_oversold);
  r.require(p.rsi_oversold >= 0 && p.rsi_oversold <= 100, "rsi_oversold",
            "must be between 0 and 100");
  p.rsi_overbought = r.level("rsi_overbought", p.rsi_overbought);
  r.require(p.rsi_overbought >= 0 && p.rsi_overbought <= 100, "rsi_overbought",
            "must be between 0 and 100");
  if (p.rsi_oversold >= p.rsi_overbought) {
    const auto what = fmt::format("rsi_oversold ({}) must be below rsi_overbought ({})",
                                  p.rsi_oversold, p.rsi_overbought);
    r.fail_key(r.has("rsi_oversold") ? "rsi_oversold" : "rsi_overbought", what);
  }

  const Rate one = Rate::from_units(1);
  p.stop_loss = r.rate("stop_loss", p.stop_loss);
  r.require(!p.stop_loss.is_negative() && p.stop_loss < one, "stop_loss",
            "must be at least 0 and below 1 (0 = no stop-loss)");
  p.take_profit = r.rate("take_profit", p.take_profit);
  r.require(!p.take_profit.is_negative(), "take_profit", "must be at least 0 (0 = none)");
  p.trailing_stop = r.rate("trailing_stop", p.trailing_stop);
  r.require(!p.trailing_stop.is_negative() && p.trailing_stop < one, "trailing_stop",
            "must be at least 0 and below 1 (0 = off)");
  p.position_size = r.rate("position_size", p.position_size);
  r.require(p.position_size.is_positive() && p.position_size <= one, "position_size",
            "must be above 0 and at most 1");

  p.max_daily_trades = r.integer("max_daily_trades", p.max_daily_trades, 1, 1'000'000);
  p.bar_ticks = r.integer("bar_ticks", p.bar_ticks, 1, 1'000'000);

  p.max_slippage = r.rate("max_slippage", p.max_slippage);
  r.require(!p.max_slippage.is_negative() && p.max_slippage < Rate::from_e8(kScale / 10),
            "max_slippage", "must be at least 0 and below 0.1");

  if (r.failed()) return Error{r.message()};
  return p;
}

}  // namespace

Result<BotParams> load_bot_params_string(std::string_view toml, const std::string& origin) {
  try {
    toml::table root = toml::parse(toml, origin);
    return load(root, origin);
  } catch (const toml::parse_error& e) {
    return Error{fmt::format("{}:{}: {}", origin, e.source().begin.line, e.description())};
  }
}

Result<BotParams> load_bot_params_file(const std::string& path) {
  try {
    toml::table root = toml::parse_file(path);
    return load(root, path);
  } catch (const toml::parse_error& e) {
    if (e.source().begin.line == 0) {
      return Error{fmt::format("{}: cannot read: {}", path, e.description())};
    }
    return Error{fmt::format("{}:{}: {}", path, e.source().begin.line, e.description())};
  }
}

}  // namespace ose
