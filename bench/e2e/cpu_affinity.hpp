// Pinning a bench process to one CPU, with one meaning of a CPU number everywhere in bench/:
// cpu >= 0 pins the calling thread to that CPU; cpu < 0 means "not pinned" and leaves the
// affinity exactly as it is. It never widens the affinity to every CPU: a run started under
// `taskset` stays inside the set it was given. Undoing a pin is AffinityGuard's job, which
// restores what the thread had before rather than guessing it.
#pragma once

#include <sched.h>

namespace ose::bench {

// 0, or the errno of sched_setaffinity (EINVAL also for a cpu >= CPU_SETSIZE). cpu < 0: 0, and
// nothing changes.
int pin_to_cpu(int cpu) noexcept;

// Saves the calling thread's CPU affinity and restores it on destruction, so that a bench that
// pins itself for one run leaves the next run (and the caller) as it found them.
class AffinityGuard {
 public:
  AffinityGuard() noexcept;
  AffinityGuard(const AffinityGuard&) = delete;
  AffinityGuard& operator=(const AffinityGuard&) = delete;
  ~AffinityGuard();

 private:
  cpu_set_t mask_{};
  bool saved_ = false;
};

}  // namespace ose::bench
