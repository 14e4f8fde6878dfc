#include "feeds/tick_pump.hpp"

#include <chrono>

#include "shm/clock.hpp"

namespace ose {

TickPump::TickPump(TickSource& source, Sink sink, Options options)
    : source_(source), sink_(std::move(sink)), options_(options) {}

TickPump::~TickPump() {
  stop();
  join();
}

void TickPump::start() {
  thread_ = std::thread([this] { run(); });
}

void TickPump::stop() noexcept {
  // Relaxed: a request; the pump checks it between ticks.
  stop_.store(true, std::memory_order_relaxed);
}

void TickPump::join() noexcept {
  if (thread_.joinable()) thread_.join();
}

void TickPump::run() noexcept {
  int64_t first_source_ts = 0;
  int64_t first_wall = 0;
  int64_t ts = 0;
  TickCmd tick;
  for (uint64_t n = 0; n < options_.limit && !stop_.load(std::memory_order_relaxed); ++n) {
    if (!source_.next(ts, tick)) break;
    if (options_.speed > 0) {
      // Source time elapsed / speed = wall time that must have elapsed before this tick goes.
      const int64_t now = shm::monotonic_ns();
      if (n == 0) {
        first_source_ts = ts;
        first_wall = now;
      }
      const auto due = first_wall + static_cast<int64_t>(static_cast<double>(ts - first_source_ts) /
                                                         options_.speed);
      if (due > now) std::this_thread::sleep_for(std::chrono::nanoseconds(due - now));
    }
    while (!sink_(tick)) {
      if (stop_.load(std::memory_order_relaxed)) break;
      std::this_thread::sleep_for(std::chrono::microseconds(50));
    }
    // Relaxed: a progress figure.
    pumped_.fetch_add(1, std::memory_order_relaxed);
  }
  // Release: whoever sees finished also sees the final count.
  finished_.store(true, std::memory_order_release);
}

}  // namespace ose
