// What a polling loop does when a pass found no work. Benchmarks pin and spin; the default
// spins briefly, then yields, then sleeps in growing steps up to a cap, so an idle engine on a
// 2-core machine leaves the cores to the venue, the strategies and the journal thread.
#pragma once

#include <sched.h>

#include <cstdint>
#include <ctime>
#include <string_view>

namespace ose::shm {

enum class IdleMode : uint8_t {
  kSpin = 0,           // never gives up the core: lowest latency, one core burnt
  kSpinYield = 1,      // spin, then sched_yield()
  kSpinYieldSleep = 2  // spin, then yield, then nanosleep with growing steps (the default)
};

// Parses "spin", "yield" or "sleep"; false when the word is none of these.
inline bool parse_idle_mode(std::string_view word, IdleMode& out) noexcept {
  if (word == "spin")
    out = IdleMode::kSpin;
  else if (word == "yield")
    out = IdleMode::kSpinYield;
  else if (word == "sleep")
    out = IdleMode::kSpinYieldSleep;
  else
    return false;
  return true;
}

class IdleStrategy {
 public:
  explicit IdleStrategy(IdleMode mode, int64_t max_sleep_ns = 200'000) noexcept
      : mode_(mode), max_sleep_ns_(max_sleep_ns) {}

  // Call once per loop pass. Any work resets the backoff to spinning.
  void idle(bool did_work) noexcept {
    if (did_work) {
      idle_passes_ = 0;
      return;
    }
    // Saturates past the last step, so a long idle stretch never wraps back into spinning.
    if (idle_passes_ < kSpinPasses + kYieldPasses + 64) ++idle_passes_;
    if (mode_ == IdleMode::kSpin || idle_passes_ < kSpinPasses) {
      pause();
    } else if (mode_ == IdleMode::kSpinYield || idle_passes_ < kSpinPasses + kYieldPasses) {
      sched_yield();
    } else {
      // Sleeps grow 1 µs, 2 µs, 4 µs … up to max_sleep_ns_: an idle engine wakes within that.
      const uint32_t step = idle_passes_ - kSpinPasses - kYieldPasses;
      int64_t ns = int64_t{1000} << (step < 20 ? step : 20);
      if (ns > max_sleep_ns_) ns = max_sleep_ns_;
      timespec t{0, static_cast<long>(ns)};
      nanosleep(&t, nullptr);
    }
  }

  static void pause() noexcept {
#if defined(__x86_64__) || defined(__i386__)
    __builtin_ia32_pause();
#elif defined(__aarch64__)
    asm volatile("yield");
#endif
  }

 private:
  static constexpr uint32_t kSpinPasses = 1000;
  static constexpr uint32_t kYieldPasses = 100;
  IdleMode mode_;
  int64_t max_sleep_ns_;
  uint32_t idle_passes_ = 0;
};

}  // namespace ose::shm
