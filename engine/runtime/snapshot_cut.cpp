#include "engine/runtime/snapshot_cut.hpp"

#include <algorithm>
#include <bit>
#include <cstdlib>
#include <cstring>

namespace ose {

namespace {
constexpr uint64_t kBits = 64;
}  // namespace

Result<std::unique_ptr<SnapshotCut>> SnapshotCut::create(const State& state,
                                                         const SnapshotCutOptions& options) {
  const uint64_t size = state.region_size();
  void* mem = std::aligned_alloc(64, (size + 63) / 64 * 64);
  if (mem == nullptr) return Error{"cannot allocate the snapshot cut's buffer"};
  RegionPtr buffer(static_cast<std::byte*>(mem));
  // A full copy: touches every page (no fault in a step later) and fills the parts a cut never
  // copies (the header's fixed part is copied again at every finish anyway).
  std::memcpy(buffer.get(), state.region(), size);
  return std::unique_ptr<SnapshotCut>(new SnapshotCut(state, options, std::move(buffer)));
}

SnapshotCut::SnapshotCut(const State& state, const SnapshotCutOptions& options, RegionPtr buffer)
    : options_(options),
      buffer_(std::move(buffer)),
      view_(State::view(buffer_.get())),
      size_(state.region_size()),
      offsets_(state.header().offsets),
      dirty_words_((size_ / kChunk + kBits) / kBits) {
  if (options_.slice_bytes < kChunk) options_.slice_bytes = kChunk;
  const StateOffsets& o = offsets_;
  spans_[0] = {o.assets, o.order_index};
  spans_[1] = {o.trades, o.trade_index};
  spans_[2] = {o.ledger, o.end};
  dirty_ = std::make_unique<uint64_t[]>(dirty_words_);  // zeroed
  come_due(state.header().seq);
  due_ = false;  // come_due() only computed the next due seq: the start is not one
}

// The next multiple of `every` above `seq`; a cut is due now.
void SnapshotCut::come_due(uint64_t seq) noexcept {
  due_ = true;
  const uint64_t every = options_.every;
  uint64_t next = 0;
  if (every == 0 || __builtin_mul_overflow(seq / every + 1, every, &next)) next = UINT64_MAX;
  next_due_ = next;
}

void SnapshotCut::note(const State& state, const WriteLog& log) noexcept {
  if (log.whole_region()) {
    // A restore rewrote everything: start the sweep again.
    begin();
    return;
  }
  for (uint32_t k = 0; k < log.record_count(); ++k) {
    const WriteLog::Record& r = log.records()[k];
    mark(r.offset, r.offset + r.bytes);
  }
  if (log.overflowed()) {
    // The list lost ranges: every unversioned table counts as written (as publish_input does).
    const StateOffsets& o = state.header().offsets;
    mark(o.assets, o.instruments);
    mark(o.clients, o.positions);
    mark(o.trigger_books, o.orders);
    mark(o.retire_ring, o.end);
  } else {
    for (uint32_t k = 0; k < log.range_count(); ++k) {
      mark(log.ranges()[k].begin, log.ranges()[k].end);
    }
  }
}

void SnapshotCut::mark(uint64_t begin, uint64_t end) noexcept {
  // Bytes at or past the cursor are still to be swept, and will be copied as they are then.
  end = std::min(end, cursor_);
  if (begin >= end) return;
  // The hash indices are not copied (serialization leaves them out): their writes need nothing.
  if (begin >= spans_[0].end && end <= spans_[1].begin) return;
  if (begin >= spans_[1].end && end <= spans_[2].begin) return;
  const uint64_t first = begin / kChunk;
  const uint64_t last = (end - 1) / kChunk;
  if (first == last) {  // the usual case: a record or a few words
    uint64_t& w = dirty_[first / kBits];
    const uint64_t bit = uint64_t{1} << (first % kBits);
    dirty_count_ += (w & bit) == 0;
    w |= bit;
    return;
  }
  mark_all(first, last + 1);
}

// Sets the bits of chunks [first, last), a word at a time.
void SnapshotCut::mark_all(uint64_t first, uint64_t last) noexcept {
  while (first < last) {
    const uint64_t word = first / kBits;
    const uint64_t lo = first % kBits;
    const uint64_t hi = std::min<uint64_t>(kBits, lo + (last - first));
    const uint64_t mask =
        (hi == kBits ? ~uint64_t{0} : (uint64_t{1} << hi) - 1) & ~((uint64_t{1} << lo) - 1);
    dirty_count_ += static_cast<uint64_t>(std::popcount(mask & ~dirty_[word]));
    dirty_[word] |= mask;
    first += hi - lo;
  }
}

void SnapshotCut::begin() noexcept {
  std::fill(dirty_.get(), dirty_.get() + dirty_words_, uint64_t{0});
  dirty_count_ = 0;
  span_ = 0;
  cursor_ = spans_[0].begin;
  scan_word_ = 0;
  rounds_ = 0;
  last_dirty_ = UINT64_MAX;
  cutting_ = true;
}

void SnapshotCut::copy(const State& state, uint64_t begin, uint64_t end) noexcept {
  std::memcpy(buffer_.get() + begin, state.region() + begin, end - begin);
}

// Copies up to `budget` bytes of the sweep; returns what it copied.
uint64_t SnapshotCut::sweep(const State& state, uint64_t budget) noexcept {
  uint64_t copied = 0;
  while (span_ < 3 && copied < budget) {
    const uint64_t room = budget - copied;  // budget may be UINT64_MAX: no cursor_ + room
    const uint64_t end = spans_[span_].end - cursor_ <= room ? spans_[span_].end : cursor_ + room;
    copy(state, cursor_, end);
    copied += end - cursor_;
    cursor_ = end;
    if (cursor_ == spans_[span_].end) {
      ++span_;
      cursor_ = span_ < 3 ? spans_[span_].begin : UINT64_MAX;
    }
  }
  return copied;
}

// Recopies up to `max_chunks` dirty chunks (the parts of them the cut copies), clearing their
// bits; returns the bytes copied.
uint64_t SnapshotCut::recopy_dirty(const State& state, uint64_t max_chunks) noexcept {
  uint64_t copied = 0;
  for (uint64_t looked = 0; looked < dirty_words_ && max_chunks > 0 && dirty_count_ > 0;
       ++looked, scan_word_ = (scan_word_ + 1) % dirty_words_) {
    uint64_t& w = dirty_[scan_word_];
    while (w != 0 && max_chunks > 0) {
      const auto bit = static_cast<uint64_t>(std::countr_zero(w));
      w &= w - 1;
      --dirty_count_;
      --max_chunks;
      const uint64_t cb = (scan_word_ * kBits + bit) * kChunk;
      const uint64_t ce = std::min(cb + kChunk, size_);
      for (const Span& s : spans_) {
        const uint64_t b = std::max(cb, s.begin);
        const uint64_t e = std::min(ce, s.end);
        if (b < e) {
          copy(state, b, e);
          copied += e - b;
        }
      }
    }
    if (w != 0) break;  // budget spent inside this word: resume here
  }
  return copied;
}

void SnapshotCut::step(const State& state) noexcept {
  if (!cutting_) {
    // Relaxed: a request flag (see request()).
    if (!due_ && !requested_.load(std::memory_order_relaxed)) return;
    // Acquire: pairs with release(); the journal is done reading the buffer.
    if (phase_.load(std::memory_order_acquire) != kFree) return;
    requested_.store(false, std::memory_order_relaxed);
    due_ = false;
    begin();
  }
  const uint64_t budget = options_.slice_bytes;
  uint64_t copied = sweep(state, budget);
  if (span_ == 3 && copied < budget) {
    const uint64_t chunks = (budget - copied) / kChunk;
    // Few enough dirty chunks left to recopy them all now: the cut ends at this seq. Otherwise
    // recopy a slice's worth and look again at the next step (writes keep coming meanwhile), as
    // long as the dirty set keeps shrinking from one step to the next.
    if (dirty_count_ >= last_dirty_) ++rounds_;
    last_dirty_ = dirty_count_;
    if (dirty_count_ <= chunks || rounds_ > kMaxRounds) {
      copied += recopy_dirty(state, UINT64_MAX);
      finish(state);
    } else if (chunks > 0) {
      copied += recopy_dirty(state, chunks);
    }
  }
  max_step_bytes_ = std::max(max_step_bytes_, copied);
}

void SnapshotCut::finish(const State& state) noexcept {
  // The header last: its edits are not logged, and its seq is the cut's.
  std::memcpy(buffer_.get(), state.region(), sizeof(StateHeader));
  seq_ = state.header().seq;
  cutting_ = false;
  ++cuts_;
  // Release: the buffer's bytes and seq_ are visible to the journal's acquire in ready_seq().
  phase_.store(kReady, std::memory_order_release);
}

}  // namespace ose
