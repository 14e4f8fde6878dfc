#include "shm/clock.hpp"

#include <cerrno>
#include <csignal>

namespace ose::shm {

bool process_alive(int32_t pid) noexcept {
  if (pid <= 0) return false;
  return ::kill(pid, 0) == 0 || errno == EPERM;
}

}  // namespace ose::shm
