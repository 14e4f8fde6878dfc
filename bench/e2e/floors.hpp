// The physical floors: what a round trip between two processes costs before the engine adds
// anything (DESIGN.md §6). Each function forks one child process, plays ping-pong with it for
// `round_trips` timed round trips (after untimed warm-up ones, see warmup_round_trips()), reaps
// it and returns the round-trip percentiles. Cold-path API: nothing is printed.
//
//   same_line_pingpong     both flags on one cache line: one line bounces between the cores.
//   flag_pingpong          ping on cache line A, pong on cache line B: the floor a ring whose
//                          consumer polls the record itself can approach (one line per message).
//   spsc_ring_pingpong     two shm::SpscRing (one each way), 120-byte payloads: our ring
//                          without the engine.
//   message_queue_pingpong two boost::interprocess::message_queue, 120-byte messages, blocking
//                          receive: the kernel wake-up baseline.
//
// Processes: the calling process pings and the child pongs. The shared-memory variants use an
// anonymous MAP_SHARED mapping (nothing is left in /dev/shm); the message queues are named
// ose.bench.mq.<pid>.{ping,pong} and removed before returning. A CPU argument >= 0 pins that
// side with sched_setaffinity; the caller's affinity is restored before returning. Nothing can
// hang: every wait gives up when the other process is gone or after kStallNs without progress,
// and the child is always reaped (SIGKILLed if it does not finish). The caller must not reap
// children behind our back (a SIGCHLD handler calling wait()); if it does, the child's exit
// status is unknown and is not checked.
//
// Timing: each sample is one round trip, from just before the ping is sent until just after
// the pong is seen, with shm::monotonic_ns() (CLOCK_MONOTONIC through the vDSO, ~20 ns per
// read, about one read of which is inside every sample). The spin loops do not pause: a floor
// is the best the hardware does.
//
// On failure (fork, pinning, a queue that cannot be created, a stall, a corrupt ring record)
// the result's `error` says why and its statistics cover the samples taken before (maybe none).
#pragma once

#include <cstdint>

#include "bench/e2e/latency_stats.hpp"

namespace ose::bench {

// A wait gives up after this long without any progress from the other process.
inline constexpr int64_t kStallNs = 5'000'000'000;

// Untimed round trips before the timed ones: a tenth of them, at least 100, at most 10,000.
uint64_t warmup_round_trips(uint64_t round_trips) noexcept;

LatencyStats same_line_pingpong(uint64_t round_trips, int ping_cpu = -1, int pong_cpu = -1);
LatencyStats flag_pingpong(uint64_t round_trips, int ping_cpu = -1, int pong_cpu = -1);
LatencyStats spsc_ring_pingpong(uint64_t round_trips, int ping_cpu = -1, int pong_cpu = -1);
LatencyStats message_queue_pingpong(uint64_t round_trips, int ping_cpu = -1, int pong_cpu = -1);

}  // namespace ose::bench
