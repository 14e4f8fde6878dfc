// `ose-bench python`: what the Python module costs against the C++ client, measured on one
// engine in one run (issue 16's benchmark).
//
//   round trip   one engine (spinning, pinned to cpu 0) with two clients: the C++ client c0 in
//                this process and a Python process (bench/python/roundtrip.py) on client c1,
//                both pinned to cpu 1, taking turns in batches — C++, then Python in each wait
//                mode — for `rounds` rounds, so slow drifts of the machine hit both alike. The
//                workload is the round-trip study's (engine_runs.hpp): a far stop-limit order
//                timed to its last response, its cancel untimed.
//   snapshot     an engine with `orders` working orders (their slots all used): Reader.orders()
//                and its to_pandas(), timed by bench/python/snapshot.py.
#pragma once

#include <cstdint>
#include <functional>
#include <string>
#include <vector>

#include "bench/e2e/latency_stats.hpp"
#include "bench/study/engine_runs.hpp"

namespace ose::bench {

// Where the Python side is: the interpreter (one with numpy: Debian's /usr/bin/python3), the
// directory holding the built `ose` package (build/python), and bench/python.
struct PythonEnv {
  std::string python;
  std::string pythonpath;
  std::string scripts;
};

struct PythonRoundTripOptions {
  EngineRunOptions engine;
  PythonEnv env;
  uint64_t round_trips = 100'000;  // timed, per batch
  int rounds = 3;
  std::vector<std::string> modes{"spin", "yield", "park", "poll"};
};

struct ModeLatency {
  std::string mode;  // "C++" for the C++ client, else a Python wait mode
  LatencyStats stats;
};

struct PythonRoundTripRun {
  std::vector<ModeLatency> runs;  // C++ first, then each Python mode: every batch's samples
  std::string error;
};

// `progress` gets a line per batch.
PythonRoundTripRun python_round_trips(const PythonRoundTripOptions& o,
                                      const std::function<void(const std::string&)>& progress);

struct PythonSnapshotOptions {
  EngineRunOptions engine;
  PythonEnv env;
  uint64_t orders = 1'000'000;  // working orders placed first
  int repeats = 5;
};

struct PythonSnapshotRun {
  uint64_t order_capacity = 0;
  uint64_t rows = 0;  // rows orders() returned
  bool consistent = false;
  // Wall and CPU (the calling thread's) milliseconds of each call.
  std::vector<double> orders_ms, to_pandas_e8_ms, to_pandas_decimal_ms;
  std::vector<double> orders_cpu_ms, to_pandas_e8_cpu_ms, to_pandas_decimal_cpu_ms;
  // Reader.orders() with the previous result still held while the next is made.
  std::vector<double> orders_kept_ms, orders_kept_cpu_ms;
  // Reader.orders(out=) into one array reused across the calls.
  std::vector<double> orders_out_ms, orders_out_cpu_ms;
  std::string error;
};

PythonSnapshotRun python_snapshot(const PythonSnapshotOptions& o);

}  // namespace ose::bench
