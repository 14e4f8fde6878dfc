#include "bench/e2e/cpu_affinity.hpp"

#include <cerrno>

namespace ose::bench {

int pin_to_cpu(int cpu) noexcept {
  if (cpu < 0) return 0;
  if (cpu >= CPU_SETSIZE) return EINVAL;
  cpu_set_t set;
  CPU_ZERO(&set);
  CPU_SET(static_cast<size_t>(cpu), &set);
  return sched_setaffinity(0, sizeof set, &set) == 0 ? 0 : errno;
}

AffinityGuard::AffinityGuard() noexcept {
  saved_ = sched_getaffinity(0, sizeof mask_, &mask_) == 0;
}

AffinityGuard::~AffinityGuard() {
  if (saved_) sched_setaffinity(0, sizeof mask_, &mask_);
}

}  // namespace ose::bench
