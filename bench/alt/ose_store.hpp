// ose itself as an OrderEventStore, so the study's workload runs through it exactly as through
// the alternatives: an engine process (spinning, optionally journaling), and in this process a
// strategy client that places and cancels orders and a venue client that acks and fills them.
// One apply() is one round trip through the shared-memory rings: submit, then spin until the
// engine's last response to that command (a cancel is two: the strategy's cancel request, then
// the venue's cancel ack).
#pragma once

#include <sys/types.h>

#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "bench/alt/order_workload.hpp"
#include "bench/e2e/cpu_affinity.hpp"
#include "engine/client/client.hpp"
#include "engine/core/result.hpp"
#include "engine/formats/config.hpp"

namespace ose::bench {

// Forks an engine process for `config`, pinned to `cpu` (cpu < 0: not pinned; a pin that fails
// makes it exit 1, saying why), its log silent: it runs until
// SIGTERM and exits 0 after a clean stop. The caller attaches to it by name, and reaps it.
pid_t fork_engine(const EngineConfig& config, int cpu);

struct OseStoreOptions {
  std::string journal = "none";  // none | async | sync
  std::string data_dir_base = "/tmp";
  uint16_t instruments = 4;  // as the workload's
  uint32_t accounts = 1;
  int engine_cpu = -1;  // pin the engine (and, with client_cpu, this process)
  int client_cpu = -1;
};

// The [engine] table of every engine the study runs: spinning, its ring sizes and batch, no
// snapshot within a run, journal none | async | sync into data_dir ("" when none).
std::string study_engine_table(const std::string& name, const std::string& journal,
                               const std::string& data_dir, uint64_t max_orders,
                               uint32_t max_positions);

// The engine config the study uses for ose and for the IPC alternatives: `instruments` spot
// markets I0USDT… (base assets I0, I1, …), `accounts` spot accounts a0… with ample USDT and base,
// a strategy per account, and the clients "strat" (strategy), "venue" and "ops" (admin).
std::string study_config(const std::string& name, uint16_t instruments, uint32_t accounts,
                         const std::string& journal, const std::string& data_dir);

class OseStore final : public OrderEventStore {
 public:
  static Result<std::unique_ptr<OseStore>> start(const OseStoreOptions& options);
  ~OseStore() override;

  std::string name() const override;
  std::string apply(const OrderEvent& e) override;
  // Stops the engine; "" when it stopped cleanly, else why not. Idempotent.
  std::string stop();

 private:
  OseStore(OseStoreOptions o, pid_t engine, std::string data_dir, Client strategy, Client venue);
  // Submits through `c` and spins until its last response (draining the other client's ring
  // meanwhile); the last event's type, or an error.
  Result<Event> round_trip(Client& c, const Command& cmd);

  OseStoreOptions options_;
  pid_t engine_ = -1;
  std::string data_dir_;
  Client strategy_;
  Client venue_;
  std::vector<uint16_t> accounts_, strategies_, instruments_;  // client-side indices
  uint16_t usdt_ = 0;
  std::vector<uint64_t> engine_ids_;       // by workload order id
  std::optional<AffinityGuard> affinity_;  // restores the caller's affinity after client_cpu
};

}  // namespace ose::bench
