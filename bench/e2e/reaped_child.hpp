// A forked child process as its parent holds it in the benches: always reaped (SIGKILLed first
// when it would not end by itself), so no bench leaves a zombie or a spinning process behind,
// and how it ended is known. Cold path; the caller must not reap children behind its back (a
// SIGCHLD handler calling wait()): then the status is unknown and reported as such.
#pragma once

#include <signal.h>
#include <sys/types.h>
#include <sys/wait.h>

#include <cerrno>
#include <chrono>
#include <cstdint>
#include <string>
#include <thread>

#include "shm/clock.hpp"

namespace ose::bench {

class ReapedChild {
 public:
  ReapedChild() = default;
  explicit ReapedChild(pid_t pid) noexcept : pid_(pid) {}
  ReapedChild(const ReapedChild&) = delete;
  ReapedChild& operator=(const ReapedChild&) = delete;
  ~ReapedChild() { reap(true); }

  void adopt(pid_t pid) noexcept { pid_ = pid; }
  pid_t pid() const noexcept { return pid_; }

  // Non-blocking: true once the child has exited (it is then reaped), or when there is none.
  bool exited() noexcept {
    if (reaped_ || pid_ <= 0) return true;
    int status = 0;
    const pid_t r = waitpid(pid_, &status, WNOHANG);
    if (r == pid_) {
      reaped_ = true;
      status_ = status;
    } else if (r < 0 && errno != EINTR) {
      reaped_ = true;  // ECHILD: someone else reaped it; its status is unknown
    }
    return reaped_;
  }

  // Waits up to `ns` for the child to exit, then kills it. Always reaps. True if it exited by
  // itself.
  bool reap_within(int64_t ns) noexcept {
    const int64_t deadline = shm::monotonic_ns() + ns;
    while (!exited() && shm::monotonic_ns() < deadline) {
      std::this_thread::sleep_for(std::chrono::microseconds(200));
    }
    const bool by_itself = exited();
    reap(true);
    return by_itself;
  }

  void reap(bool kill_first) noexcept {
    if (reaped_ || pid_ <= 0) return;
    if (kill_first) ::kill(pid_, SIGKILL);
    int status = 0;
    pid_t r;
    do {
      r = waitpid(pid_, &status, 0);
    } while (r < 0 && errno == EINTR);
    reaped_ = true;
    if (r == pid_) status_ = status;
  }

  // Reaped, and exited with status 0 (or reaped elsewhere: unknown counts as clean).
  bool exited_cleanly() const noexcept {
    return reaped_ && (status_ < 0 || (WIFEXITED(status_) && WEXITSTATUS(status_) == 0));
  }
  // How the reaped child ended: "exited with status 2", "was killed by signal 9".
  std::string how() const {
    if (!reaped_) return "is still running";
    if (status_ < 0) return "was reaped elsewhere (status unknown)";
    if (WIFEXITED(status_)) return "exited with status " + std::to_string(WEXITSTATUS(status_));
    if (WIFSIGNALED(status_)) return "was killed by signal " + std::to_string(WTERMSIG(status_));
    return "ended with wait status " + std::to_string(status_);
  }

 private:
  pid_t pid_ = -1;
  bool reaped_ = false;
  int status_ = -1;  // wait status; -1 while unknown
};

}  // namespace ose::bench
