// The engine's command-latency histogram: from a command's arrival in its ring (the client
// library stamps the record with its CLOCK_MONOTONIC send time) to the engine having published
// the last response of the command's batch (the Runner reads the clock once after each batch).
// Log2 buckets of nanoseconds: coarse (a factor of two), but one bit_width per command, a
// fixed 256 bytes in the state segment, and exact counts, sum and max beside them.
//
// The Runner is the only writer. It updates the words in place inside a seqlock write
// (shm/seqlock.hpp), so a reader's copy is always one whole state: count equals the sum of the
// buckets and the sum matches them.
#pragma once

#include <bit>
#include <cstdint>

#include "shm/layout.hpp"
#include "shm/seqlock.hpp"

namespace ose {

// Bucket i counts latencies in (2^(kLatencyFirstLog2+i-1), 2^(kLatencyFirstLog2+i)] ns; bucket
// 0 also everything from 0; the last (kLatencyBuckets) everything above the last bound.
inline constexpr int kLatencyFirstLog2 = 7;  // ≤ 128 ns: below any round trip through a ring
inline constexpr int kLatencyBuckets = 28;   // finite buckets: up to 2^34 ns ≈ 17.2 s

// The upper bound of finite bucket i, in ns.
constexpr uint64_t latency_bucket_bound_ns(int i) noexcept {
  return uint64_t{1} << (kLatencyFirstLog2 + i);
}

// The bucket a latency of `ns` (≥ 0) is counted in.
constexpr int latency_bucket(uint64_t ns) noexcept {
  if (ns <= latency_bucket_bound_ns(0)) return 0;
  // ns ≤ 2^k exactly when bit_width(ns − 1) ≤ k.
  const int k = static_cast<int>(std::bit_width(ns - 1));
  const int i = k - kLatencyFirstLog2;
  return i < kLatencyBuckets ? i : kLatencyBuckets;
}

struct LatencyCounts {
  uint64_t count;                         // commands measured
  uint64_t sum_ns;                        // of their latencies
  uint64_t max_ns;                        // the largest
  uint64_t buckets[kLatencyBuckets + 1];  // per bucket, not cumulative
};
// clang-format off
#define OSE_LATENCY_COUNTS_FIELDS(X)                                                              \
  X(LatencyCounts, count) X(LatencyCounts, sum_ns) X(LatencyCounts, max_ns)                       \
  X(LatencyCounts, buckets)
// clang-format on
OSE_LAYOUT_ASSERT(LatencyCounts, OSE_LATENCY_COUNTS_FIELDS, 0);
static_assert(sizeof(LatencyCounts) == 256);

using LatencyHistogram = shm::Seqlocked<LatencyCounts>;
// clang-format off
#define OSE_LATENCY_HISTOGRAM_FIELDS(X)                                                           \
  X(LatencyHistogram, version) X(LatencyHistogram, reserved) X(LatencyHistogram, value)
// clang-format on
OSE_LAYOUT_ASSERT(LatencyHistogram, OSE_LATENCY_HISTOGRAM_FIELDS, 0);

// Counts one latency into `c`. Single writer, between seqlock_write_begin/end: each word is a
// relaxed load and a relaxed store (no read-modify-write needed with one writer), atomic so
// that a reader copying concurrently races with nothing; the seqlock's fences order them.
// A negative latency (a stamp in the future: garbage, or a clock the engine does not share) is
// counted nowhere; false then.
inline bool record_latency(LatencyCounts& c, int64_t ns) noexcept {
  if (ns < 0) return false;
  const auto v = static_cast<uint64_t>(ns);
  const auto add = [](uint64_t& word, uint64_t d) {
    __atomic_store_n(&word, __atomic_load_n(&word, __ATOMIC_RELAXED) + d, __ATOMIC_RELAXED);
  };
  add(c.count, 1);
  add(c.sum_ns, v);
  add(c.buckets[latency_bucket(v)], 1);
  if (v > __atomic_load_n(&c.max_ns, __ATOMIC_RELAXED)) {
    __atomic_store_n(&c.max_ns, v, __ATOMIC_RELAXED);
  }
  return true;
}

// The latency at or below which `permille`/1000 of the commands were answered, as the upper
// bound of the bucket holding that rank (never above the exact max); 0 when nothing was counted.
constexpr uint64_t latency_quantile_ns(const LatencyCounts& c, uint32_t permille) noexcept {
  if (c.count == 0) return 0;
  // The rank of the quantile, 1-based: ceil(count · permille / 1000), at least 1 (computed
  // per thousand so that no count can overflow it).
  uint64_t rank = c.count / 1000 * permille + (c.count % 1000 * permille + 999) / 1000;
  if (rank == 0) rank = 1;
  uint64_t seen = 0;
  for (int i = 0; i < kLatencyBuckets; ++i) {
    seen += c.buckets[i];
    if (seen >= rank)
      return latency_bucket_bound_ns(i) < c.max_ns ? latency_bucket_bound_ns(i) : c.max_ns;
  }
  return c.max_ns;  // in the overflow bucket
}

}  // namespace ose
