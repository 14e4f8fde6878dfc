// A feed thread: takes timed ticks from a source and hands them to the engine (in practice
// Runner::submit_tick, into the moodycamel tick queue), at full speed or paced by the source's
// own timestamps, sped up by a factor. The engine stamps each tick with its own clock when it
// applies it; the source's time only paces the pump.
#pragma once

#include <atomic>
#include <cstdint>
#include <functional>
#include <limits>
#include <thread>

#include "engine/core/command.hpp"

namespace ose {

class TickSource {
 public:
  virtual ~TickSource() = default;
  // False when the source is exhausted.
  virtual bool next(int64_t& ts_ns, TickCmd& tick) = 0;
};

class TickPump {
 public:
  struct Options {
    double speed = 0;  // 0: as fast as the sink takes them; 1: real time; 10: ten times faster
    uint64_t limit = std::numeric_limits<uint64_t>::max();  // most ticks to pump
  };
  // `sink` returns false when it cannot take the tick now (the pump retries after a pause).
  using Sink = std::function<bool(const TickCmd&)>;

  TickPump(TickSource& source, Sink sink, Options options);
  ~TickPump();  // stops and joins

  void start();
  void stop() noexcept;
  // Blocks until the source is exhausted, the limit reached or stop() called.
  void join() noexcept;

  uint64_t pumped() const noexcept { return pumped_.load(std::memory_order_relaxed); }
  bool finished() const noexcept { return finished_.load(std::memory_order_acquire); }

 private:
  void run() noexcept;

  TickSource& source_;
  Sink sink_;
  Options options_;
  std::atomic<bool> stop_{false};
  std::atomic<bool> finished_{false};
  std::atomic<uint64_t> pumped_{0};
  std::thread thread_;
};

}  // namespace ose
