// Shared pieces of the stress tests: a wall-clock budget, the stamped record whose invariant
// readers check, and child-process bookkeeping.
#pragma once

#include <sys/wait.h>

#include <cerrno>
#include <chrono>
#include <cstdint>
#include <string>

namespace ose::shm::test {

// Each stress test runs until its budget or its count runs out, whichever comes first. The
// budget bounds the run time (a couple of seconds even under TSan on two cores); no test
// asserts on how much work fitted in it.
class Budget {
 public:
  explicit Budget(std::chrono::milliseconds ms) : end_(std::chrono::steady_clock::now() + ms) {}
  bool spent() const { return std::chrono::steady_clock::now() >= end_; }

 private:
  std::chrono::steady_clock::time_point end_;
};

// The writer stores counter value n in every word; a copy whose words differ is torn.
struct alignas(8) Stamped {
  uint64_t words[8];
};

inline Stamped stamp(uint64_t n) {
  Stamped s{};
  for (uint64_t& w : s.words) w = n;
  return s;
}

inline bool whole(const Stamped& s) {
  for (uint64_t w : s.words) {
    if (w != s.words[0]) return false;
  }
  return true;
}

// Waits for a child and returns its wait status (-1 if waitpid failed).
inline int wait_for(pid_t pid) {
  int status = 0;
  while (waitpid(pid, &status, 0) < 0) {
    if (errno != EINTR) return -1;
  }
  return status;
}

inline std::string describe(int status) {
  if (status == -1) return "waitpid failed";
  if (WIFEXITED(status)) return "exited with " + std::to_string(WEXITSTATUS(status));
  if (WIFSIGNALED(status)) return "killed by signal " + std::to_string(WTERMSIG(status));
  return "wait status " + std::to_string(status);
}

}  // namespace ose::shm::test
