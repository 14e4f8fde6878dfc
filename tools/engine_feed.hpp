// The market data `ose engine` feeds itself with (--synthetic, --replay): a tick source and the
// feed thread that paces it into the Runner's tick queue.
#pragma once

#include <memory>
#include <string>
#include <vector>

#include "engine/core/result.hpp"
#include "engine/runtime/runner.hpp"
#include "feeds/tick_pump.hpp"

namespace ose::tools {

struct FeedOptions {
  std::vector<std::string> synthetic;  // SYMBOL=MID ...: a random walk from that mid
  double rate = 1000;                  // synthetic ticks per second (all symbols together)
  uint64_t seed = 1;
  double volatility = 0;     // synthetic: largest move per tick, a fraction of the mid (0: 3 ticks)
  int64_t spread_ticks = 2;  // synthetic: ask − bid, in ticks
  std::vector<std::string> replay;  // FILE[@SYMBOL] ...: Binance CSVs merged by time
  double speed = 1;                 // replay: 1 = real time, 10 = ten times faster, 0 = full speed
  bool empty() const { return synthetic.empty() && replay.empty(); }
};

class EngineFeed {
 public:
  // Checks the options against the engine's instruments and opens the files.
  static Result<std::unique_ptr<EngineFeed>> open(const FeedOptions& o, Runner& runner);
  ~EngineFeed();

  void start() { pump_->start(); }
  void stop() { pump_->stop(); }
  std::string describe() const { return description_; }
  uint64_t ticks() const { return pump_->pumped(); }
  bool finished() const { return pump_->finished(); }
  // Bad CSV rows, "file:line: what", and their count (replay only).
  uint64_t bad_rows() const;
  std::vector<std::string> errors() const;

 private:
  EngineFeed() = default;
  std::unique_ptr<TickSource> source_;
  std::unique_ptr<TickPump> pump_;
  std::string description_;
};

}  // namespace ose::tools
