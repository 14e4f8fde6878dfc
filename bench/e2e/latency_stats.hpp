// LatencyStats: percentiles of a set of latency samples (ns), for the cross-process benches.
//
// Percentile rule: nearest rank. For n samples sorted ascending, the p-th percentile is the
// sample of 1-based rank ceil(p / 100 * n), clamped to [1, n]: it is always a value that was
// measured (no interpolation), and at least p percent of the samples are <= it. Computed in
// integers (p in tenths of a percent), so p99.9 of 1000 samples is exactly the 999th.
#pragma once

#include <cstdint>
#include <string>
#include <vector>

namespace ose::bench {

struct LatencyStats {
  uint64_t count = 0;  // samples the statistics describe
  int64_t min_ns = 0;
  int64_t p50_ns = 0;
  int64_t p90_ns = 0;
  int64_t p99_ns = 0;
  int64_t p999_ns = 0;
  int64_t max_ns = 0;
  double mean_ns = 0.0;
  // Empty when the measurement ran to the end. Otherwise why it did not; the statistics then
  // describe the samples taken before it stopped (possibly none: count == 0).
  std::string error;

  bool ok() const noexcept { return error.empty(); }

  // Sorts `samples` (taken by value: pass an rvalue to avoid the copy). No samples: all zero.
  static LatencyStats of(std::vector<int64_t> samples);
};

// The nearest-rank percentile of ascending `sorted` (see above), `per_mille` in [0, 1000]
// (500 = p50, 999 = p99.9). 0 when `sorted` is empty.
int64_t nearest_rank(const std::vector<int64_t>& sorted, uint32_t per_mille) noexcept;

}  // namespace ose::bench
