// Clocks and process liveness. Reading a clock is a vDSO call (no syscall); process_alive() is
// a syscall and belongs on the Runner's slow, periodic path only.
#pragma once

#include <cstdint>
#include <ctime>

namespace ose::shm {

// ns since the Unix epoch (UTC): the ts the engine stamps on inputs.
inline int64_t wall_clock_ns() noexcept {
  timespec t{};
  clock_gettime(CLOCK_REALTIME, &t);
  return static_cast<int64_t>(t.tv_sec) * 1'000'000'000 + t.tv_nsec;
}

// ns since an arbitrary point; never goes back. Heartbeats and timeouts use it.
inline int64_t monotonic_ns() noexcept {
  timespec t{};
  clock_gettime(CLOCK_MONOTONIC, &t);
  return static_cast<int64_t>(t.tv_sec) * 1'000'000'000 + t.tv_nsec;
}

// True while a process with this pid exists (a zombie counts as gone to its parent only after
// it is reaped). EPERM means it exists but belongs to someone else.
bool process_alive(int32_t pid) noexcept;

}  // namespace ose::shm
