#include "bench/e2e/latency_stats.hpp"

#include <algorithm>

namespace ose::bench {

int64_t nearest_rank(const std::vector<int64_t>& sorted, uint32_t per_mille) noexcept {
  const uint64_t n = sorted.size();
  if (n == 0) return 0;
  // rank = ceil(per_mille * n / 1000), in [1, n].
  uint64_t rank = (uint64_t{per_mille} * n + 999) / 1000;
  rank = std::clamp<uint64_t>(rank, 1, n);
  return sorted[rank - 1];
}

LatencyStats LatencyStats::of(std::vector<int64_t> samples) {
  LatencyStats s;
  if (samples.empty()) return s;
  std::sort(samples.begin(), samples.end());
  s.count = samples.size();
  s.min_ns = samples.front();
  s.p50_ns = nearest_rank(samples, 500);
  s.p90_ns = nearest_rank(samples, 900);
  s.p99_ns = nearest_rank(samples, 990);
  s.p999_ns = nearest_rank(samples, 999);
  s.max_ns = samples.back();
  long double sum = 0;
  for (const int64_t v : samples) sum += static_cast<long double>(v);
  s.mean_ns = static_cast<double>(sum / static_cast<long double>(samples.size()));
  return s;
}

}  // namespace ose::bench
