// The one stop flag of an `ose` process. SIGINT and SIGTERM set it; the command's loop (the
// Runner, the venue, the demo, `inspect --watch`) polls it. One flag per process is all any
// subcommand needs, since a process runs one subcommand.
#pragma once

#include <atomic>
#include <initializer_list>

namespace ose::tools {

std::atomic<bool>& stop_flag() noexcept;

// Installs the handler for `signals` (sigaction, restarting interrupted calls).
void stop_on_signals(std::initializer_list<int> signals);

inline bool stop_requested() noexcept {
  // Acquire: pairs with the handler's release store.
  return stop_flag().load(std::memory_order_acquire);
}

}  // namespace ose::tools
