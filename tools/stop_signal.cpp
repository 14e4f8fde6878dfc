#include "tools/stop_signal.hpp"

#include <csignal>

namespace ose::tools {

namespace {

std::atomic<bool> g_stop{false};
static_assert(std::atomic<bool>::is_always_lock_free, "the handler's store must be signal-safe");

extern "C" void ose_tools_on_stop_signal(int) {
  // Release: pairs with stop_requested()'s acquire. A lock-free atomic store is
  // async-signal-safe.
  g_stop.store(true, std::memory_order_release);
}

}  // namespace

std::atomic<bool>& stop_flag() noexcept {
  return g_stop;
}

void stop_on_signals(std::initializer_list<int> signals) {
  struct sigaction sa {};
  sa.sa_handler = ose_tools_on_stop_signal;
  sigemptyset(&sa.sa_mask);
  sa.sa_flags = SA_RESTART;
  for (int s : signals) sigaction(s, &sa, nullptr);
}

}  // namespace ose::tools
