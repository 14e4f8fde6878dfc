// What one input wrote to a State: the list the engine publishes from after each input
// (docs/design/0008-explicit-writes.md). Every State::edit_…() call lands here, so the list is
// complete by construction: there is no other way to get a mutable reference into the region.
//
//   - versioned records (record_versions.hpp: instruments, accounts, balances, strategies,
//     positions, strategy positions, markets, orders and the orders' venue ids): (version
//     index, byte range), each record once per input however often it is edited (a stamp per
//     version slot dedups);
//   - any other bytes (ledger, trade ring, indices, trigger books, retire ring, clients): byte
//     ranges, widened to whole 8-byte words, an edit adjacent to one of the last few extending it.
//     When an input writes more separate ranges than the list holds (a cancel_all over
//     thousands of orders), the log says so and the publisher copies those tables whole.
//
// The header's dynamic part is published after every input, so header edits are not logged.
// Fixed capacity, allocated once when the engine starts; nothing here allocates per input.
#pragma once

#include <atomic>
#include <cstdint>
#include <memory>

#include "engine/core/record_versions.hpp"
#include "shm/seqlock.hpp"

namespace ose {

class WriteLog {
 public:
  struct Record {
    uint32_t version;  // index into the shared version array
    uint32_t bytes;
    uint64_t offset;  // from the start of the region
  };
  struct Range {
    uint64_t begin, end;  // [begin, end) from the start of the region, 8-byte aligned
  };
  static constexpr uint32_t kRangeCapacity = 4096;
  static constexpr uint32_t kMergeLookback = 4;

  explicit WriteLog(const VersionLayout& layout)
      : layout_(layout),
        stamps_(std::make_unique<uint32_t[]>(layout.total)),
        records_(std::make_unique<Record[]>(layout.total)),
        ranges_(std::make_unique<Range[]>(kRangeCapacity)) {}

  // With shared versions, the first edit of a record in an input also makes its shared version
  // odd at once, so a reader who got this input's events while apply() still runs retries
  // until the record is published, instead of copying its previous value.
  void open_versions_in(std::atomic<uint32_t>* versions) noexcept { versions_ = versions; }

  void record(VersionedTable t, uint32_t record, uint64_t offset, uint32_t bytes) noexcept {
    const uint32_t v = layout_.index(t, record);
    if (stamps_[v] == epoch_) return;
    stamps_[v] = epoch_;
    records_[record_count_++] = Record{v, bytes, offset};
    if (versions_ != nullptr) shm::seqlock_write_begin(versions_[v]);
  }

  void bytes(uint64_t offset, uint64_t bytes) noexcept {
    const uint64_t begin = offset & ~uint64_t{7};
    const uint64_t end = (offset + bytes + 7) & ~uint64_t{7};
    // Touching or overlapping one of the last few ranges: extend it. Looking back more than one
    // range keeps interleaved sequential writers (finish_order appends a ledger entry, then a
    // retire-ring entry, order after order) at one range per table instead of one per write,
    // so a cancel_all or a GTD expiry over thousands of orders does not overflow the list.
    const uint32_t first = range_count_ > kMergeLookback ? range_count_ - kMergeLookback : 0;
    for (uint32_t k = range_count_; k-- > first;) {
      Range& r = ranges_[k];
      if (begin <= r.end && end >= r.begin) {
        r.begin = begin < r.begin ? begin : r.begin;
        r.end = end > r.end ? end : r.end;
        return;
      }
    }
    if (range_count_ == kRangeCapacity) {
      overflowed_ = true;
      return;
    }
    ranges_[range_count_++] = Range{begin, end};
  }

  // The whole region changed (restore): publish all of it.
  void everything() noexcept { everything_ = true; }

  const Record* records() const noexcept { return records_.get(); }
  uint32_t record_count() const noexcept { return record_count_; }
  const Range* ranges() const noexcept { return ranges_.get(); }
  uint32_t range_count() const noexcept { return range_count_; }
  bool overflowed() const noexcept { return overflowed_; }
  bool whole_region() const noexcept { return everything_; }

  // After publication: an empty log for the next input.
  void clear() noexcept {
    record_count_ = range_count_ = 0;
    overflowed_ = everything_ = false;
    if (++epoch_ == 0) {  // stamps wrapped (after 2^32 inputs): forget them all
      for (uint32_t i = 0; i < layout_.total; ++i) stamps_[i] = 0;
      epoch_ = 1;
    }
  }

 private:
  VersionLayout layout_;
  std::atomic<uint32_t>* versions_ = nullptr;
  std::unique_ptr<uint32_t[]> stamps_;  // epoch_ when the version was logged in this input
  std::unique_ptr<Record[]> records_;   // at most one per version: cannot overflow
  std::unique_ptr<Range[]> ranges_;
  uint32_t epoch_ = 1;
  uint32_t record_count_ = 0;
  uint32_t range_count_ = 0;
  bool overflowed_ = false;
  bool everything_ = false;
};

}  // namespace ose
