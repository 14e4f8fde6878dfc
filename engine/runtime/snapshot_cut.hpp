// A snapshot cut (docs/design/0009-snapshot-cut.md): the thread that owns the engine's State
// copies it, a bounded slice at a time between inputs, into a preallocated buffer, and hands the
// finished copy to the journal thread, which serializes and commits it. The State keeps running
// meanwhile: every range an input writes behind the copy's cursor (the input's WriteLog) marks
// its 4 KiB chunks dirty, and the cut ends only once the dirty chunks are few enough to recopy
// in one step; then the header (whose edits are not logged) is copied last and the buffer holds
// exactly the State at that moment's seq.
//
// Threads: after_input() and step() on the State's owner (the Runner, or whoever applies);
// request() on any thread (a signal handler included); ready_seq(), region() and release() on
// the journal thread. The buffer changes hands through one atomic word (phase_).
#pragma once

#include <atomic>
#include <cstdint>
#include <memory>
#include <optional>

#include "engine/core/result.hpp"
#include "engine/core/state.hpp"
#include "engine/core/write_log.hpp"

namespace ose {

struct SnapshotCutOptions {
  uint64_t every = 0;  // a cut is due after each multiple of this seq; 0: never
  uint64_t slice_bytes = uint64_t{64} << 10;  // most bytes one step copies (UINT64_MAX: all)
};

class SnapshotCut {
 public:
  static constexpr uint64_t kChunk = 4096;  // the dirty map's granularity
  // Recopying steps in which the dirty set did not shrink before the cut ends regardless, with
  // one larger recopy: only an engine that rewrites more than a slice per step gets there.
  static constexpr uint32_t kMaxRounds = 64;

  // Cold path: allocates the buffer (a copy of `state`'s region, every page touched now so the
  // steps take no page faults) and the dirty map.
  static Result<std::unique_ptr<SnapshotCut>> create(const State& state,
                                                     const SnapshotCutOptions& options);

  // ---- the State's owner ----
  // After each input's apply(), before its write log is cleared: notes what the input wrote
  // behind the cursor, and whether a cut has come due. Hot path: two compares when idle.
  void after_input(const State& state, const WriteLog& log) noexcept {
    if (cutting_) note(state, log);
    if (state.header().seq >= next_due_) come_due(state.header().seq);
  }
  // Between inputs: starts a due or requested cut once the journal has released the buffer,
  // and copies one slice. Finishing publishes the buffer to the journal thread.
  void step(const State& state) noexcept;
  // A cut is wanted but has not started (the journal still holds the last one).
  bool waiting() const noexcept {
    // Relaxed: a request flag, taken by step().
    return !cutting_ && (due_ || requested_.load(std::memory_order_relaxed));
  }
  bool cutting() const noexcept { return cutting_; }
  // The sweep's position: every byte of the region below it has been copied (UINT64_MAX once
  // the sweep is done and only dirty chunks are left).
  uint64_t sweep_cursor() const noexcept { return cursor_; }

  // ---- any thread ----
  void request() noexcept {
    // Relaxed: a request flag; step() takes it on the owner's thread.
    requested_.store(true, std::memory_order_relaxed);
  }

  // ---- the journal thread ----
  // The seq of a finished cut not yet released.
  std::optional<uint64_t> ready() const noexcept {
    // Acquire: pairs with finish()'s release; the buffer and seq_ are complete when seen.
    if (phase_.load(std::memory_order_acquire) != kReady) return std::nullopt;
    return seq_;
  }
  // The finished cut: a region laid out as the State's, holding its canonical bytes (the hash
  // indices are not copied: serialization leaves them out).
  const State& view() const noexcept { return view_; }
  // The journal has serialized the cut: the buffer may be reused.
  void release() noexcept {
    // Release: the journal's reads of the buffer happen before the owner's next writes to it.
    phase_.store(kFree, std::memory_order_release);
  }
  uint64_t region_size() const noexcept { return size_; }

  // Statistics (owner thread): cuts finished, and the most bytes one step copied.
  uint64_t cuts() const noexcept { return cuts_; }
  uint64_t max_step_bytes() const noexcept { return max_step_bytes_; }

 private:
  enum : uint32_t { kFree = 0, kReady = 1 };
  struct Span {
    uint64_t begin, end;
  };

  SnapshotCut(const State& state, const SnapshotCutOptions& options, RegionPtr buffer);
  void come_due(uint64_t seq) noexcept;
  void note(const State& state, const WriteLog& log) noexcept;
  void begin() noexcept;
  // Marks the chunks of [begin, end) that the sweep has passed.
  void mark(uint64_t begin, uint64_t end) noexcept;
  void mark_all(uint64_t begin, uint64_t end) noexcept;
  uint64_t sweep(const State& state, uint64_t budget) noexcept;
  uint64_t recopy_dirty(const State& state, uint64_t max_chunks) noexcept;
  void copy(const State& state, uint64_t begin, uint64_t end) noexcept;
  void finish(const State& state) noexcept;

  SnapshotCutOptions options_;
  RegionPtr buffer_;
  State view_;  // over buffer_
  uint64_t size_;
  Span spans_[3];  // what is copied: the region but the header and the two hash indices
  StateOffsets offsets_;
  std::unique_ptr<uint64_t[]> dirty_;  // one bit per kChunk of the region
  uint64_t dirty_words_;
  uint64_t dirty_count_ = 0;
  uint64_t next_due_ = UINT64_MAX;
  uint32_t span_ = 0;       // the sweep's span; 3 once it is done
  uint64_t cursor_ = 0;     // the sweep's next byte; everything below it has been copied
  uint64_t scan_word_ = 0;  // where the next recopy looks for dirty chunks
  uint32_t rounds_ = 0;
  uint64_t last_dirty_ = UINT64_MAX;  // dirty chunks at the previous recopying step
  bool cutting_ = false;
  bool due_ = false;
  uint64_t cuts_ = 0;
  uint64_t max_step_bytes_ = 0;
  uint64_t seq_ = 0;  // the finished cut's seq: written before phase_'s release
  std::atomic<bool> requested_{false};
  std::atomic<uint32_t> phase_{kFree};
};

}  // namespace ose
