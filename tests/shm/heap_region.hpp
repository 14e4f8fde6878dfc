// A zeroed, cache-line aligned heap region: stands in for a segment when a test needs the
// shared structs but not a second process.
#pragma once

#include <cstddef>
#include <cstdlib>
#include <cstring>
#include <memory>

namespace ose::shm::test {

class HeapRegion {
 public:
  explicit HeapRegion(size_t bytes)
      : bytes_((bytes + 63) & ~size_t{63}),
        mem_(static_cast<std::byte*>(std::aligned_alloc(64, bytes_))) {
    if (mem_ == nullptr) std::abort();
    std::memset(mem_.get(), 0, bytes_);
  }
  void* get() const noexcept { return mem_.get(); }
  size_t size() const noexcept { return bytes_; }

 private:
  struct Free {
    void operator()(std::byte* p) const noexcept { std::free(p); }
  };
  size_t bytes_;
  std::unique_ptr<std::byte, Free> mem_;
};

}  // namespace ose::shm::test
