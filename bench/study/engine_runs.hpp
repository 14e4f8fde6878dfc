// ose measured end to end: a real engine process (spinning, pinned when there are cores to pin
// to) and real client processes over the shared-memory rings. The building blocks of
// `ose-bench roundtrip|throughput|all`: each run starts its own engine and returns figures, and
// prints nothing.
//
// Workload: each new order is a stop-limit far from the market (accepted untriggered: the whole
// new-order path — checks, reservation, tables, events — with no venue involved), and its cancel
// finishes it at once so the order table stays small. Optional extras for the study:
//   readers          processes that read every table of the state segment in a loop meanwhile
//                    (reader interference: the writer never waits for them);
//   working_orders   resting orders placed before measuring, with the table sized to hold them
//                    (scaling from 1k to 1M working orders).
#pragma once

#include <sys/types.h>

#include <algorithm>
#include <cstdint>
#include <functional>
#include <string>
#include <vector>

#include "bench/e2e/latency_stats.hpp"
#include "engine/client/client.hpp"

namespace ose::bench {

struct EngineRunOptions {
  std::string journal = "none";  // none | async | sync
  std::string data_dir_base = "/tmp";
  int clients = 1;  // throughput runs
  bool pin = true;  // engine on cpu 0, clients on the others (only with 2+ cores)
  uint32_t readers = 0;
  uint64_t working_orders = 0;
  // The engine's [engine] idle mode (shm/idle.hpp): "spin" for the study's latency figures; the
  // product's default "sleep" where the run needs the cores for other processes (replication).
  std::string idle = "spin";
  // Open-loop runs: > 0 makes the client sleep this long whenever no command is due and no answer
  // is waiting, instead of spinning (commands then go in small bursts, each still timed from its
  // scheduled send time), leaving its core to the processes beside the engine.
  uint32_t client_sleep_us = 0;
  // Throughput and round-trip runs: a process started beside the engine once it is up (and
  // before the clients measure), given the run's config file (its data_dir is the run's journal,
  // if any), and ended with SIGKILL once they are done: e.g. `ose export --follow` or `ose serve`
  // under load, whose cost to the engine is then measured.
  // Returns the process id, or −1 when it could not be started.
  std::function<pid_t(const std::string& config_file)> companion;
  // Open-loop runs: called once the clients are done, before the companion is stopped (e.g. to
  // wait until a replicator has caught up with the journal), with the run's config file (as a
  // companion gets it) while the engine still runs.
  std::function<void(const std::string& config_file)> before_stop;
};

struct RoundTripRun {
  LatencyStats stats;           // new order → its last response, per round trip
  uint64_t segment_bytes = 0;   // the state segment as mapped
  uint64_t order_capacity = 0;  // its order table's slots
  std::string error;            // empty when it ran
};

struct ThroughputRun {
  double inputs_per_s = 0;
  uint64_t inputs = 0;
  double seconds = 0;
  std::string error;
};

struct OpenLoopPoint {
  double target_per_s = 0;    // the arrival rate asked for
  double achieved_per_s = 0;  // responses per second actually received
  LatencyStats stats;         // from each command's scheduled send time to its response
  std::string error;
};

// A fresh journal directory for one run (none for journal "none"), removed with this object.
class ScratchDir {
 public:
  ScratchDir(const std::string& base, const std::string& journal);
  ScratchDir(const ScratchDir&) = delete;
  ScratchDir& operator=(const ScratchDir&) = delete;
  ~ScratchDir();
  const std::string& path() const { return path_; }

 private:
  std::string path_;
};

// One engine for a run: config (engine_run_config), scratch journal, process (pinned to cpu 0
// when o.pin and there are 2+ cores), reader processes; stopped on destruction. error() says
// why it did not start.
class EngineRun {
 public:
  EngineRun(const EngineRunOptions& o, const std::string& tag);
  EngineRun(const EngineRun&) = delete;
  EngineRun& operator=(const EngineRun&) = delete;
  ~EngineRun();
  const std::string& name() const { return name_; }
  const std::string& error() const { return error_; }
  bool pin() const { return pin_; }
  // Starts `companion` with the run's config written to a file in its journal directory (the
  // temp directory when it has none).
  bool start_companion(const std::function<pid_t(const std::string&)>& companion);
  // The run's config written to a file (once): in its journal directory, or the temp directory
  // when it has none.
  const std::string& config_file();
  void stop_companion();
  // The CPU for client k (-1: unpinned): the engine has cpu 0.
  int client_cpu(int k) const;

 private:
  ScratchDir dir_;
  std::string name_;
  bool pin_;
  std::string error_;
  pid_t engine_ = -1;
  pid_t companion_ = -1;
  std::string config_text_;
  std::string config_file_;   // written by config_file()
  std::string loose_config_;  // the companion's config file outside a journal directory
  std::vector<pid_t> readers_;
};

// Client `client` of `engine`, retried for up to 10 s while the engine starts.
Result<Client> attach_when_ready(const std::string& engine, const std::string& client);

// `warmup` untimed and then `round_trips` timed round trips of `c` trading as strategy
// s<strategy>: the far stop-limit order (cl_ids from `first_cl_id` on), timed from submission
// to its last response, and its cancel, untimed. The samples (ns); `error` says why they
// stopped early.
std::vector<int64_t> round_trip_samples(Client& c, int strategy, uint64_t first_cl_id,
                                        uint64_t warmup, uint64_t round_trips, std::string& error);

// Resting limit orders far below the market placed by `c` as strategy `strategy`, as fast as
// the ring takes them: true once every one was accepted.
bool place_working_orders(Client& c, uint64_t count, const std::string& strategy);

// The engine config of these runs: one spot market, one account, `clients` strategies and
// clients c0…, the order table sized for `working_orders` more.
std::string engine_run_config(const std::string& name, const EngineRunOptions& o);

RoundTripRun ose_round_trips(const EngineRunOptions& o, uint64_t round_trips);

// The median of the runs' figures (the upper one of an even count); 0 when there are none.
inline double median(std::vector<double> v) {
  if (v.empty()) return 0;
  std::sort(v.begin(), v.end());
  return v[v.size() / 2];
}
ThroughputRun ose_throughput(const EngineRunOptions& o, uint64_t inputs);

// Open loop: one client sends new-order / cancel commands at `rate` per second on a fixed
// schedule for `seconds`, whether or not the engine keeps up, and each command's latency counts
// from when it was due — so a stall shows in every command it delayed (no coordinated omission).
// A companion (o.companion) runs beside it, as in the throughput runs.
std::vector<OpenLoopPoint> ose_open_loop(const EngineRunOptions& o,
                                         const std::vector<double>& rates, double seconds);

}  // namespace ose::bench
