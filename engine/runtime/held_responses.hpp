// Responses waiting for their input to become durable (durability = "sync"). A FIFO in seq
// order, fixed at start: the Runner appends as it applies and releases from the front as the
// journal's durable seq passes them. When it is full the newest response is dropped and its
// client marked lagging, exactly as when a response ring is full: the Runner never waits.
#pragma once

#include <cstdint>
#include <memory>

#include "engine/layout/shared_layout.hpp"

namespace ose {

class HeldResponses {
 public:
  struct Entry {
    uint16_t client;
    Response response;
  };

  HeldResponses() = default;
  explicit HeldResponses(uint32_t capacity_pow2)
      : entries_(std::make_unique<Entry[]>(capacity_pow2)), mask_(capacity_pow2 - 1) {}

  bool empty() const noexcept { return head_ == tail_; }
  size_t size() const noexcept { return static_cast<size_t>(tail_ - head_); }
  bool full() const noexcept { return entries_ == nullptr || size() > mask_; }

  bool push(uint16_t client, const Response& r) noexcept {
    if (full()) return false;
    entries_[tail_ & mask_] = Entry{client, r};
    ++tail_;
    return true;
  }
  const Entry& front() const noexcept { return entries_[head_ & mask_]; }
  void pop() noexcept { ++head_; }

 private:
  std::unique_ptr<Entry[]> entries_;
  uint64_t mask_ = 0;
  uint64_t head_ = 0;
  uint64_t tail_ = 0;
};

}  // namespace ose
