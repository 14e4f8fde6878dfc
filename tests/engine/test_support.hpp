// A tiny harness for engine tests: a State built from an inline TOML config, scenario lines
// (DESIGN §8) applied one by one with an incrementing seq, every event kept, and look-ups by
// name. Expected decimals are written as strings and compared exactly (EXPECT_DECIMAL_EQ).
#pragma once

#include <gtest/gtest.h>

#include <cstddef>
#include <cstdint>
#include <initializer_list>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "engine/core/apply.hpp"
#include "engine/core/enums.hpp"
#include "engine/core/event.hpp"
#include "engine/core/fixed_point.hpp"
#include "engine/core/records.hpp"
#include "engine/core/state.hpp"
#include "engine/formats/config.hpp"
#include "engine/formats/scenario.hpp"

namespace ose::test {

// 2024-08-09 00:00:00 UTC: a day boundary. A line without "ts" is 1 ms after the previous one,
// so the first such line is at kDayStart + 1 ms.
inline constexpr int64_t kDayStart = 1'723'161'600'000'000'000;
inline constexpr int64_t kMillisecond = 1'000'000;
inline constexpr int64_t kSecond = 1'000'000'000;
inline constexpr int64_t kDay = 86'400 * kSecond;

// Keeps a copy of every event apply() emits.
class RecordingSink final : public EventSink {
 public:
  void on_event(const Event& event) noexcept override { events.push_back(event); }
  std::vector<Event> events;
};

// Compares a fixed-point value with a decimal literal, printing both as decimals on failure.
template <typename T>
::testing::AssertionResult DecimalEquals(const char* actual_expr, const char* expected_expr,
                                         T actual, std::string_view expected) {
  const auto want = parse_fixed<T>(expected);
  if (!want) {
    return ::testing::AssertionFailure()
           << expected_expr << " is not a decimal with at most 8 fraction digits";
  }
  if (actual == *want) return ::testing::AssertionSuccess();
  return ::testing::AssertionFailure() << actual_expr << " is " << to_string(actual)
                                       << ", expected " << expected << " (" << expected_expr << ")";
}

#define EXPECT_DECIMAL_EQ(actual, expected) \
  EXPECT_PRED_FORMAT2(::ose::test::DecimalEquals, actual, expected)

class Harness {
 public:
  explicit Harness(std::string_view toml) : state_(make_state(toml)) {}

  // Applies one scenario line and returns the events it produced. A line that does not parse
  // fails the test and applies nothing.
  std::vector<Event> feed(std::string_view line) {
    auto parsed = parse_scenario_line(state_, line, last_ts_);
    if (!parsed) {
      ADD_FAILURE() << "scenario line does not parse: " << parsed.error() << "\n  " << line;
      return {};
    }
    last_ts_ = parsed->ts;
    Input input{};
    input.seq = state_.header().seq + 1;
    input.ts = parsed->ts;
    input.source = parsed->source;
    input.cmd = parsed->cmd;
    const size_t first = sink_.events.size();
    apply(state_, input, sink_);
    return {sink_.events.begin() + static_cast<std::ptrdiff_t>(first), sink_.events.end()};
  }

  void feed_all(std::initializer_list<std::string_view> lines) {
    for (std::string_view line : lines) feed(line);
  }

  State& state() { return state_; }
  const std::vector<Event>& events() const { return sink_.events; }
  int64_t last_ts() const { return last_ts_; }

  // ---- names → indices (fail the test when unknown) ---------------------------------------
  uint16_t asset(std::string_view code) const { return known(state_.find_asset(code), code); }
  uint16_t instrument(std::string_view symbol) const {
    return known(state_.find_instrument(symbol), symbol);
  }
  uint16_t account(std::string_view name) const { return known(state_.find_account(name), name); }
  uint16_t strategy(std::string_view name) const { return known(state_.find_strategy(name), name); }
  uint16_t client(std::string_view name) const { return known(state_.find_client(name), name); }

  // ---- records by name ----------------------------------------------------------------------
  const BalanceRecord& balance(std::string_view account_name, std::string_view asset_code) {
    return state_.balance(account(account_name), asset(asset_code));
  }
  Amount free(std::string_view account_name, std::string_view asset_code) {
    return balance(account_name, asset_code).free;
  }
  Amount locked(std::string_view account_name, std::string_view asset_code) {
    return balance(account_name, asset_code).locked;
  }
  const PositionRecord& position(std::string_view account_name, std::string_view symbol) {
    return state_.position(account(account_name), instrument(symbol));
  }
  const PositionRecord& strategy_position(std::string_view strategy_name, std::string_view symbol) {
    return state_.strategy_position(strategy(strategy_name), instrument(symbol));
  }
  const StrategyRecord& strategy_record(std::string_view name) {
    return state_.strategy(strategy(name));
  }
  const MarketRecord& market(std::string_view symbol) { return state_.market(instrument(symbol)); }
  // The order (client, cl_id) while it is in the table, else nullptr.
  const OrderRecord* order(std::string_view client_name, uint64_t cl_id) {
    return state_.find_order(client(client_name), cl_id);
  }
  // An order by engine id (bracket exits have no cl_id), else nullptr.
  const OrderRecord* order_by_id(uint64_t id) { return state_.find_order(id); }

  // The ledger entries still in the ring, oldest first.
  std::vector<LedgerEntry> ledger() const {
    const StateHeader& h = state_.header();
    const uint64_t cap = h.caps.ledger;
    const uint64_t from = h.ledger_written > cap ? h.ledger_written - cap : 0;
    std::vector<LedgerEntry> out;
    for (uint64_t i = from; i < h.ledger_written; ++i) out.push_back(state_.ledger()[i % cap]);
    return out;
  }

 private:
  static State make_state(std::string_view toml) {
    auto config = load_config_string(toml, "<inline>");
    if (!config) {
      ADD_FAILURE() << "config does not load: " << config.error();
      // An empty state (no config loads empty any more) so the failing test can still run.
      StateSpec empty;
      empty.max_orders = 16;
      empty.max_positions = 16;
      auto state = State::create(empty);
      return std::move(state.value());
    }
    auto state = State::create(config.value());
    if (!state) ADD_FAILURE() << "state cannot be created: " << state.error();
    return std::move(state.value());
  }
  static uint16_t known(uint16_t index, std::string_view name) {
    if (index == kNoIndex) ADD_FAILURE() << "no such name in the config: " << name;
    return index;
  }

  State state_;
  RecordingSink sink_;
  int64_t last_ts_ = kDayStart;
};

// The events of one type, in order.
inline std::vector<Event> of_type(const std::vector<Event>& events, EventType type) {
  std::vector<Event> out;
  for (const Event& e : events) {
    if (e.type == type) out.push_back(e);
  }
  return out;
}

inline constexpr std::string_view kNotRejected = "";

// The reason of the first `rejected` event, as its wire name; kNotRejected when there is none.
inline std::string_view reject_reason(const std::vector<Event>& events) {
  for (const Event& e : events) {
    if (e.type == EventType::kRejected) return to_string(e.reason);
  }
  return "";
}

// The alert reason of the first `alert` event, as its wire name; "" when there was none.
inline std::string_view alert_reason(const std::vector<Event>& events) {
  for (const Event& e : events) {
    if (e.type == EventType::kAlert) return to_string(e.alert);
  }
  return "";
}

}  // namespace ose::test
