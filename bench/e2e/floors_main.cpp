// ose_floors: prints the physical floors of this machine (see floors.hpp) in one run, with each
// floor's ratio to the two-line flag ping-pong, so the numbers come from one machine state.
//
//   ose_floors [-n ROUND_TRIPS] [--mq ROUND_TRIPS] [--no-pin]
//
// Defaults: 1,000,000 round trips for the shared-memory floors, 20,000 for message_queue; with
// two or more CPUs the ping side is pinned to cpu 0 and the pong side to cpu 1.
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <string>
#include <thread>

#include "bench/e2e/floors.hpp"
#include "bench/e2e/latency_stats.hpp"

namespace {

void usage() {
  std::fprintf(stderr, "usage: ose_floors [-n ROUND_TRIPS] [--mq ROUND_TRIPS] [--no-pin]\n");
}

bool parse_count(const char* s, uint64_t& out) {
  char* end = nullptr;
  const unsigned long long v = std::strtoull(s, &end, 10);
  if (end == s || *end != '\0' || v == 0) return false;
  out = v;
  return true;
}

double ratio(int64_t a, int64_t b) {
  return b > 0 ? double(a) / double(b) : 0.0;
}

void row(const char* name, const ose::bench::LatencyStats& s,
         const ose::bench::LatencyStats& flag) {
  std::printf("  %-32s %9lld %9lld %9lld %9lld %10lld %10.1f %9llu %8.2fx %8.2fx\n", name,
              static_cast<long long>(s.p50_ns), static_cast<long long>(s.p90_ns),
              static_cast<long long>(s.p99_ns), static_cast<long long>(s.p999_ns),
              static_cast<long long>(s.max_ns), s.mean_ns, static_cast<unsigned long long>(s.count),
              ratio(s.p50_ns, flag.p50_ns), ratio(s.p99_ns, flag.p99_ns));
  if (!s.ok()) std::printf("    error: %s\n", s.error.c_str());
}

}  // namespace

int main(int argc, char** argv) {
  uint64_t round_trips = 1'000'000;
  uint64_t mq_round_trips = 20'000;
  bool pin = true;
  for (int i = 1; i < argc; ++i) {
    const bool has_value = i + 1 < argc;
    if (std::strcmp(argv[i], "-n") == 0 && has_value && parse_count(argv[i + 1], round_trips)) {
      ++i;
    } else if (std::strcmp(argv[i], "--mq") == 0 && has_value &&
               parse_count(argv[i + 1], mq_round_trips)) {
      ++i;
    } else if (std::strcmp(argv[i], "--no-pin") == 0) {
      pin = false;
    } else {
      usage();
      return 2;
    }
  }
  const unsigned cpus = std::thread::hardware_concurrency();
  pin = pin && cpus >= 2;
  const int ping_cpu = pin ? 0 : -1;
  const int pong_cpu = pin ? 1 : -1;
  std::printf("ose_floors: %llu round trips (message_queue %llu), %u cpus, %s\n",
              static_cast<unsigned long long>(round_trips),
              static_cast<unsigned long long>(mq_round_trips), cpus,
              pin ? "ping on cpu 0, pong on cpu 1" : "not pinned");
  std::fflush(stdout);

  using namespace ose::bench;
  const LatencyStats same_line = same_line_pingpong(round_trips, ping_cpu, pong_cpu);
  const LatencyStats flag = flag_pingpong(round_trips, ping_cpu, pong_cpu);
  const LatencyStats ring = spsc_ring_pingpong(round_trips, ping_cpu, pong_cpu);
  const LatencyStats mq = message_queue_pingpong(mq_round_trips, ping_cpu, pong_cpu);

  std::printf("\n  %-32s %9s %9s %9s %9s %10s %10s %9s %9s %9s\n", "round trip (ns)", "p50", "p90",
              "p99", "p99.9", "max", "mean", "samples", "p50/flag", "p99/flag");
  row("same-line ping-pong", same_line, flag);
  row("two-line flag ping-pong (floor)", flag, flag);
  row("SpscRing ping-pong, 120 B", ring, flag);
  row("Boost message_queue, 120 B", mq, flag);
  std::printf("\n  message_queue p50 / flag p50:    %.0fx\n", ratio(mq.p50_ns, flag.p50_ns));
  std::printf("  message_queue p50 / ring p50:    %.0fx\n", ratio(mq.p50_ns, ring.p50_ns));
  std::printf("  ring p50 / flag p50:             %.2fx\n", ratio(ring.p50_ns, flag.p50_ns));
  std::printf("  percentiles: nearest rank; each sample includes ~one clock read\n");
  const bool ok = same_line.ok() && flag.ok() && ring.ok() && mq.ok();
  return ok ? 0 : 1;
}
