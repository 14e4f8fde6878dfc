// `ose-bench all`: the whole performance study in one process tree on the current machine, so
// that every comparison is a ratio of figures measured minutes apart on the same machine state.
//
//   floors        two-process cache-line ping-pong (one line, two lines), our SpscRing alone,
//                 Boost message_queue: what a round trip costs before any engine
//   round trip    ose new order → response, journal off / async / sync
//   throughput    ose inputs/s with 1, 2, 4 clients (journal off), 1 client with async and sync
//   stores        the same order-event workload (new, ack, partial fill, fill, cancel) through
//                 ose and through each alternative: PostgreSQL, Redis, message_queue and UNIX
//                 socket transports to a process running the ose core. A missing server or
//                 client library skips that alternative with a note.
//   open loop     ose latency at fixed arrival rates up to saturation
//   readers       writer throughput and round trip with 0, 1, 4 processes reading every table
//   scaling       round trip and throughput with 1k … 1M working orders; bytes per order
#pragma once

#include <functional>
#include <string>
#include <vector>

#include "bench/e2e/latency_stats.hpp"
#include "bench/study/engine_runs.hpp"
#include "bench/study/machine.hpp"

namespace ose::bench {

struct StudyOptions {
  bool quick = false;  // a seconds-long version (CI smoke): same studies, tiny counts
  bool pin = true;
  std::string data_dir_base = "/tmp";  // scratch journals and database clusters
  std::vector<std::string> only;       // run only these studies (names above); empty = all
};

struct NamedLatency {
  std::string name;
  LatencyStats stats;
};

struct ThroughputPoint {
  int clients = 1;
  std::string journal;
  uint32_t readers = 0;
  uint64_t working_orders = 0;
  ThroughputRun run;
};

struct StoreResult {
  std::string name;
  std::string skipped;  // why it did not run (empty: it ran)
  std::string error;    // it ran and failed
  uint64_t events = 0;
  LatencyStats stats;  // per event
  double events_per_s = 0;
};

struct ReaderPoint {
  uint32_t readers = 0;
  ThroughputRun throughput;
  RoundTripRun round_trip;
};

struct ScalingPoint {
  uint64_t working_orders = 0;
  RoundTripRun round_trip;
  ThroughputRun throughput;
  double bytes_per_order = 0;  // state segment bytes / order capacity
};

struct StudyResults {
  MachineInfo machine;
  bool quick = false;
  std::vector<NamedLatency> floors;       // flag/line ping-pongs, SpscRing, message_queue
  std::vector<NamedLatency> round_trips;  // ose, by journal mode
  std::vector<ThroughputPoint> throughput;
  std::vector<StoreResult> stores;
  std::vector<OpenLoopPoint> open_loop;
  std::vector<ReaderPoint> readers;
  std::vector<ScalingPoint> scaling;
  std::vector<std::string> notes;  // skips and failures, for the reader of the results
};

// Runs the studies; `progress` gets one line per step (for the terminal).
StudyResults run_study(const StudyOptions& o,
                       const std::function<void(const std::string&)>& progress);

}  // namespace ose::bench
