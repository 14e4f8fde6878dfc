// The copy of the state `ose serve`'s table views (/api/orders, /api/positions, ...) render,
// shared by the requests that come close together. A table view needs a copy of the whole
// state (its JSON carries the whole state's hash, as `ose inspect --json` prints it), and a
// dashboard asks for three tables at once: one copy, and one hash of it, serve them all, and
// concurrent requests wait for the copy one of them is taking instead of each taking its own.
// Each copy of a large state costs the host its size in memory traffic, and the hash as much
// again (docs/PERFORMANCE.md, "Issue 19").
#pragma once

#include <chrono>
#include <cstdint>
#include <memory>
#include <mutex>

#include "engine/client/state_reader.hpp"
#include "engine/core/result.hpp"

namespace ose::tools {

class SharedStateCopy {
 public:
  using Clock = std::chrono::steady_clock;
  // How long a copy of a busy engine's state is served after it was taken: at least
  // kMinReuse, and kCostShare times the CPU time the copy and its hash took, so that the views
  // spend at most about 1/kCostShare of one core on copies however large the state. The views
  // may be this far behind the engine (their "seq" says which input they show). 50 let the
  // views take ~20 ms/s of CPU beside a busy engine, the largest part of what `ose serve` cost it
  // (docs/PERFORMANCE.md, "Issue 19").
  static constexpr auto kMinReuse = std::chrono::milliseconds(100);
  static constexpr int kCostShare = 100;

  struct Snapshot {
    StateReader::Copy copy;
    uint64_t state_hash;  // copy.state.hash()
  };

  // A copy of `reader`'s state: the last one while the engine has applied nothing since it was
  // taken (the same state) or while it is younger than its reuse time; otherwise a new one
  // (StateReader::copy with `attempts`, or one attempt after a copy of this reader that fell
  // back to row-by-row reads: beside a busy engine a whole-region copy does not fit between two
  // inputs, and each failed attempt costs the state's size in memory traffic).
  Result<std::shared_ptr<const Snapshot>> get(const std::shared_ptr<const StateReader>& reader,
                                              int attempts);

 private:
  std::mutex mutex_;  // held while copying: concurrent requests share the copy
  std::shared_ptr<const StateReader> reader_;  // the mapping last_ came from
  // Handed out as const; its region is reused for the next copy once no request holds it
  // (use_count 1: only this object, under mutex_, hands out new references).
  std::shared_ptr<Snapshot> last_;
  Clock::time_point reuse_until_{};
  bool busy_ = false;  // the last copy of reader_ was not consistent (the engine was busy)
};

}  // namespace ose::tools
