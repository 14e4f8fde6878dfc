#include "tools/serve/shared_state_copy.hpp"

#include <time.h>

#include <algorithm>
#include <optional>

namespace ose::tools {

namespace {

// CPU time of the calling thread: what a copy cost, however long the scheduler kept it waiting.
int64_t thread_cpu_ns() {
  timespec ts{};
  clock_gettime(CLOCK_THREAD_CPUTIME_ID, &ts);
  return int64_t{ts.tv_sec} * 1'000'000'000 + ts.tv_nsec;
}

}  // namespace

Result<std::shared_ptr<const SharedStateCopy::Snapshot>> SharedStateCopy::get(
    const std::shared_ptr<const StateReader>& reader, int attempts) {
  std::lock_guard lock(mutex_);
  if (last_ != nullptr && reader_ == reader) {
    // Relaxed: only compared with the copy's own seq; the copy was validated when taken.
    const uint64_t applied = reader->header().applied_seq.load(std::memory_order_relaxed);
    const bool unchanged = last_->copy.consistent && last_->copy.state.header().seq == applied;
    if (unchanged || Clock::now() < reuse_until_) return std::shared_ptr<const Snapshot>(last_);
  }
  // The last copy's region, when no request still renders from it and it is of this reader.
  std::optional<State> spare;
  if (last_ != nullptr && last_.use_count() == 1 && reader_ == reader) {
    spare.emplace(std::move(last_->copy.state));
  }
  const int tries = busy_ && reader_ == reader ? 1 : attempts;
  last_.reset();
  const int64_t cpu0 = thread_cpu_ns();
  auto copy = reader->copy(tries, std::move(spare));
  if (!copy) return Error{copy.error()};
  busy_ = !copy->consistent;
  const uint64_t hash = copy->state.hash();
  last_ = std::make_shared<Snapshot>(Snapshot{std::move(*copy), hash});
  reader_ = reader;
  const auto cost = std::chrono::nanoseconds((thread_cpu_ns() - cpu0) * kCostShare);
  reuse_until_ = Clock::now() + std::max<Clock::duration>(kMinReuse, cost);
  return std::shared_ptr<const Snapshot>(last_);
}

}  // namespace ose::tools
