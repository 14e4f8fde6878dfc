// What the backtest tests share: a strategy driven by a script that records when it heard of
// everything (ctx.now_ns() at each callback), a sink keeping every applied input, a temporary
// directory, decimals written as strings, and look-ups in the captured inputs.
#pragma once

#include <gtest/gtest.h>
#include <unistd.h>

#include <cstdint>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <functional>
#include <string>
#include <string_view>
#include <vector>

#include "engine/client/strategy.hpp"
#include "engine/core/command.hpp"
#include "engine/core/fixed_point.hpp"
#include "engine/runtime/input_sink.hpp"

namespace ose::backtest::test {

inline constexpr int64_t kMicrosecond = 1'000;
inline constexpr int64_t kMillisecond = 1'000'000;
inline constexpr int64_t kSecond = 1'000'000'000;

template <typename T>
T dec(std::string_view text) {
  const auto v = parse_fixed<T>(text);
  EXPECT_TRUE(v) << text;
  return v.value_or(T{});
}

// Keeps a copy of every input the simulation applied, in order.
class CaptureSink final : public InputSink {
 public:
  void on_input(const Input& in) noexcept override { inputs.push_back(in); }
  std::vector<Input> inputs;
};

// Calls `act` on every market update with its 0-based number; remembers the market time of
// every callback and every response heard.
class ScriptedStrategy final : public Strategy {
 public:
  struct Heard {
    int64_t now_ns;
    Response response;
  };
  using Act = std::function<void(StrategyContext&, size_t update, const MarketRecord&)>;

  std::string on_start(StrategyContext& ctx) override {
    start_ns = ctx.now_ns();
    return {};
  }
  void on_market(StrategyContext& ctx, uint16_t, const MarketRecord& m) override {
    market_ns.push_back(ctx.now_ns());
    if (act) act(ctx, market_ns.size() - 1, m);
  }
  void on_response(StrategyContext& ctx, const Response& r) override {
    heard.push_back({ctx.now_ns(), r});
  }

  // The event of `type` about `order_id` the strategy heard first, or nullptr.
  const Heard* first_heard(EventType type, uint64_t order_id) const {
    for (const Heard& h : heard) {
      if (h.response.event.type == type && h.response.event.order_id == order_id) return &h;
    }
    return nullptr;
  }
  // The engine's answer to request `request` (its first event).
  const Heard* answer(uint64_t request) const {
    for (const Heard& h : heard) {
      if (h.response.request == request) return &h;
    }
    return nullptr;
  }

  Act act;  // what to do on each market update (nothing when empty)
  int64_t start_ns = 0;
  std::vector<int64_t> market_ns;
  std::vector<Heard> heard;
};

// An order of strategy `strategy` (account main, BTCUSDT): the client from the template.
inline NewOrderCmd order(StrategyContext& ctx, Side side, OrderType type, Tif tif,
                         std::string_view qty, std::string_view price = "0",
                         std::string_view strategy = "s1") {
  NewOrderCmd n = ctx.order_template("main", strategy, "BTCUSDT");
  n.cl_id = ctx.next_cl_id();
  n.side = static_cast<uint8_t>(side);
  n.type = static_cast<uint8_t>(type);
  n.tif = static_cast<uint8_t>(tif);
  n.qty = dec<Qty>(qty);
  n.price = dec<Price>(price);
  return n;
}

// The inputs of `op` about engine order `order_id` (venue reports name orders by engine id).
inline std::vector<Input> inputs_about(const std::vector<Input>& inputs, Op op, uint64_t order_id) {
  std::vector<Input> out;
  for (const Input& in : inputs) {
    if (in.cmd.op != op) continue;
    const OrderRef& ref = op == Op::kFill  ? in.cmd.fill.ref
                          : op == Op::kAck ? in.cmd.ack.ref
                                           : in.cmd.expired;
    if (ref.order_id == order_id) out.push_back(in);
  }
  return out;
}

// A fresh directory under TMPDIR, removed with everything in it when this goes away.
class TempDir {
 public:
  TempDir() {
    std::string pattern = (std::filesystem::temp_directory_path() / "ose-backtest-XXXXXX").string();
    if (mkdtemp(pattern.data()) == nullptr) ADD_FAILURE() << "mkdtemp failed";
    path_ = pattern;
  }
  ~TempDir() {
    std::error_code ec;
    std::filesystem::remove_all(path_, ec);
  }
  TempDir(const TempDir&) = delete;
  TempDir& operator=(const TempDir&) = delete;

  std::string file(const std::string& name) const { return (path_ / name).string(); }
  std::string write(const std::string& name, const std::string& text) const {
    std::ofstream(path_ / name) << text;
    return file(name);
  }

 private:
  std::filesystem::path path_;
};

}  // namespace ose::backtest::test
