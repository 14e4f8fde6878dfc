// Real engine processes for the multi-process tests: a forked child runs the Runner on a
// segment name unique to the test, exactly as `ose engine` does, and the test talks to it
// through the client library or raw segments from its own process or further children.
#pragma once

#include <fmt/format.h>
#include <gtest/gtest.h>
#include <sys/wait.h>
#include <unistd.h>

#include <atomic>
#include <chrono>
#include <csignal>
#include <cstdlib>
#include <string>
#include <thread>

#include "engine/client/client.hpp"
#include "engine/client/state_reader.hpp"
#include "engine/formats/config.hpp"
#include "engine/runtime/runner.hpp"
#include "shm/clock.hpp"
#include "tests/support/btcusdt_spot.hpp"

namespace ose::test {

inline std::atomic<bool> g_child_stop{false};
extern "C" inline void child_stop(int) {
  g_child_stop.store(true, std::memory_order_release);
}

// Two spot assets, one instrument, one account; clients: ema1 and mm1 (strategies, cancel on
// disconnect unless `mm1_keeps`), hb (a strategy with a 300 ms heartbeat timeout), sim (the
// venue), ops (admin). Fees 0.1%; no price band before a mark.
inline std::string process_config(const std::string& name, bool mm1_keeps = false) {
  return fmt::format(R"(
[engine]
name = "{}"
max_orders = 1024
max_positions = 16
idle = "sleep"
command_ring = 64
response_ring = 256
broadcast_ring = 1024

{}

[[accounts]]
name = "main"
type = "spot"
balances = {{ USDT = "100000", BTC = "1" }}

[[strategies]]
name = "ema1"
account = "main"
max_open_orders = 100

[[clients]]
name = "ema1"
accounts = ["main"]

[[clients]]
name = "mm1"
accounts = ["main"]
cancel_on_disconnect = {}

[[clients]]
name = "hb"
accounts = ["main"]
heartbeat_timeout_ms = 300

[[clients]]
name = "sim"
role = "venue"
accounts = ["main"]

[[clients]]
name = "ops"
role = "admin"
accounts = ["main"]
)",
                     name, kBtcUsdtSpot, mm1_keeps ? "false" : "true");
}

inline std::string unique_engine_name() {
  static int counter = 0;
  return fmt::format("pt{}x{}", getpid(), ++counter);
}

class EngineProcess {
 public:
  explicit EngineProcess(const std::string& config_text) {
    auto config = load_config_string(config_text, "<process test>");
    if (!config) throw std::runtime_error(config.error());
    name_ = config->name;
    pid_ = fork();
    if (pid_ == 0) {
      std::signal(SIGTERM, child_stop);
      const bool verbose = std::getenv("OSE_TEST_ENGINE_LOG") != nullptr;
      auto runner = Runner::create(*config, [verbose](const std::string& m) {
        if (verbose) fmt::print(stderr, "engine: {}\n", m);
      });
      if (!runner) {
        fmt::print(stderr, "engine child: {}\n", runner.error());
        _exit(3);
      }
      (*runner)->run(g_child_stop);
      runner->reset();
      _exit(0);
    }
  }
  ~EngineProcess() {
    if (pid_ > 0) {
      kill(pid_, SIGKILL);
      waitpid(pid_, nullptr, 0);
    }
    // Killed, so nothing ran its destructors: what it left goes now (nothing after a clean stop).
    remove_dead_engine_files(name_);
  }

  const std::string& name() const { return name_; }
  pid_t pid() const { return pid_; }

  // Waits until the engine's segments accept attachers (its own pid in the header).
  bool wait_ready(int timeout_ms = 5000) const {
    const auto until = std::chrono::steady_clock::now() + std::chrono::milliseconds(timeout_ms);
    while (std::chrono::steady_clock::now() < until) {
      if (auto r = StateReader::attach(name_)) {
        if (r->segment_header().owner_pid.load(std::memory_order_relaxed) == pid_) return true;
      }
      std::this_thread::sleep_for(std::chrono::milliseconds(5));
    }
    return false;
  }

  // SIGTERM, then the exit status (-1 when it did not exit within the timeout).
  int terminate(int timeout_ms = 5000) {
    kill(pid_, SIGTERM);
    return reap(timeout_ms);
  }
  void kill9() {
    kill(pid_, SIGKILL);
    waitpid(pid_, nullptr, 0);
    pid_ = -1;
  }
  int reap(int timeout_ms) {
    const auto until = std::chrono::steady_clock::now() + std::chrono::milliseconds(timeout_ms);
    int status = 0;
    while (std::chrono::steady_clock::now() < until) {
      if (waitpid(pid_, &status, WNOHANG) == pid_) {
        pid_ = -1;
        return WIFEXITED(status) ? WEXITSTATUS(status) : 128 + WTERMSIG(status);
      }
      std::this_thread::sleep_for(std::chrono::milliseconds(5));
    }
    return -1;
  }

 private:
  std::string name_;
  pid_t pid_ = -1;
};

// Waits for the last response to `request`; collects every response seen on the way.
inline bool await_answer(Client& c, uint64_t request, std::vector<Response>& seen,
                         int64_t timeout_ns = 5'000'000'000) {
  const int64_t deadline = shm::monotonic_ns() + timeout_ns;
  Response r;
  while (shm::monotonic_ns() < deadline) {
    if (!c.wait(r, WaitMode::kPark, 100'000'000)) continue;
    seen.push_back(r);
    if (r.request == request && (r.flags & kResponseLast) != 0) return true;
  }
  return false;
}

// Polls `predicate` until it holds or the timeout passes.
template <typename F>
bool eventually(F predicate, int timeout_ms = 5000) {
  const auto until = std::chrono::steady_clock::now() + std::chrono::milliseconds(timeout_ms);
  while (std::chrono::steady_clock::now() < until) {
    if (predicate()) return true;
    std::this_thread::sleep_for(std::chrono::milliseconds(10));
  }
  return predicate();
}

}  // namespace ose::test
