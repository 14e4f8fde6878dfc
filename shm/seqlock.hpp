// Seqlocks: one writer, any number of readers that never block it and never write.
//
// Protocol (version v, a 32-bit counter next to or apart from the data it guards):
//   writer  v.store(v+1, relaxed)          v is odd: "writing"
//           atomic_thread_fence(release)   the odd version is ordered before the data stores
//           store the data (relaxed atomic stores word by word)
//           v.store(v+2, release)          the data stores are ordered before the even version
//   reader  s1 = v.load(acquire)           if odd: a write is in progress, retry
//           copy the data (relaxed atomic loads word by word)
//           atomic_thread_fence(acquire)   the data loads are ordered before the second load
//           s2 = v.load(relaxed)           accept the copy only if s2 == s1
//
// Why this is correct under the C++ memory model and not only on x86 (H.-J. Boehm, "Can
// seqlocks get along with programming language memory models?", MSPC 2012): every access to
// the guarded data is atomic, so there is no data race and no undefined behaviour. If the
// reader's copy observed any store of a write that began after s1, then the acquire fence
// after the copy synchronizes with the writer's release fence before those stores, so the
// reader's second load sees at least that write's odd version and s2 != s1. If it observed
// none, the copy holds exactly the data published with the even version s1 (the acquire load
// of s1 synchronizes with the release store that published it). A torn copy is therefore
// always rejected, and an accepted copy is always a whole record.
//
// On x86-64 relaxed 8-byte loads and stores are plain MOVs and both fences compile to nothing
// but a compiler barrier, so a read costs a copy and two loads of the version.
//
// Processes: the atomics are lock-free and address-free, so the protocol holds across
// processes that map the same memory, including readers whose mapping is PROT_READ.
#pragma once

#include <sched.h>

#include <atomic>
#include <cstddef>
#include <cstdint>
#include <cstring>
#include <type_traits>

namespace ose::shm {

static_assert(std::atomic<uint32_t>::is_always_lock_free);
static_assert(std::atomic<uint64_t>::is_always_lock_free);

// Word-wise relaxed atomic copies. Records guarded by seqlocks are a whole number of 8-byte
// words and 8-byte aligned, which the callers' static_asserts prove. The words are accessed
// through a may_alias type, so reading a record of any type this way is not a strict-aliasing
// violation.
using AliasingWord = uint64_t __attribute__((__may_alias__));

inline void relaxed_copy_in(void* dst, const void* src, size_t bytes) noexcept {
  auto* d = static_cast<AliasingWord*>(dst);
  const auto* s = static_cast<const AliasingWord*>(src);
  for (size_t i = 0; i < bytes / 8; ++i) __atomic_store_n(&d[i], s[i], __ATOMIC_RELAXED);
}
inline void relaxed_copy_out(void* dst, const void* src, size_t bytes) noexcept {
  auto* d = static_cast<AliasingWord*>(dst);
  const auto* s = static_cast<const AliasingWord*>(src);
  for (size_t i = 0; i < bytes / 8; ++i) d[i] = __atomic_load_n(&s[i], __ATOMIC_RELAXED);
}

template <typename T>
inline constexpr bool kSeqlockable = std::is_trivially_copyable_v<T> && sizeof(T) % 8 == 0 &&
                                     alignof(T) >= 8;

// Writer side, for data the writer updates in place with several stores.
inline void seqlock_write_begin(std::atomic<uint32_t>& version) noexcept {
  // Relaxed: only the writer stores the version; the fence below orders it before the data.
  version.store(version.load(std::memory_order_relaxed) + 1, std::memory_order_relaxed);
  // SYNC(seqlock.begin): release fence. Pairs with the reader's acquire fence: a reader that
  // sees any of the following data stores also sees this odd version on its second load.
  std::atomic_thread_fence(std::memory_order_release);
}
inline void seqlock_write_end(std::atomic<uint32_t>& version) noexcept {
  // SYNC(seqlock.end): release. Pairs with the reader's acquire load of s1: a reader that sees
  // this even version sees every data store before it.
  version.store(version.load(std::memory_order_relaxed) + 1, std::memory_order_release);
}

// Reader side: one attempt. False when a write was in progress or happened during the copy.
template <typename T>
inline bool seqlock_try_read(const std::atomic<uint32_t>& version, const T& src, T& out) noexcept {
  static_assert(kSeqlockable<T>);
  // SYNC(seqlock.read): acquire. Pairs with SYNC(seqlock.end).
  const uint32_t s1 = version.load(std::memory_order_acquire);
  if ((s1 & 1) != 0) return false;
  relaxed_copy_out(&out, &src, sizeof(T));
  // SYNC(seqlock.validate): acquire fence. Pairs with SYNC(seqlock.begin).
  std::atomic_thread_fence(std::memory_order_acquire);
  return version.load(std::memory_order_relaxed) == s1;
}

// What a reader does after its failed attempt number `attempt` (from 0) on a version the writer
// held odd or moved. A write takes well under a microsecond, so the first attempts only pause.
// A version still odd after kSeqlockSpinsBeforeYield attempts means the writer was descheduled
// mid-write: on a host with few cores, often to run this very reader, whose spinning then keeps
// the writer off its core for the rest of the reader's time slice (seen: `ose serve` spending
// most of its CPU in such spins beside a busy engine, docs/PERFORMANCE.md "Issue 19"). From
// then on every 16th attempt gives the core away. sched_yield() is a syscall on the reader's
// side only; the writer never waits for a reader.
inline constexpr uint32_t kSeqlockSpinsBeforeYield = 64;
inline void seqlock_read_backoff(uint32_t attempt) noexcept {
  if (attempt >= kSeqlockSpinsBeforeYield && attempt % 16 == 0) {
    sched_yield();
    return;
  }
#if defined(__x86_64__) || defined(__i386__)
  __builtin_ia32_pause();
#endif
}

// Retries until a consistent copy is made. A writer holds a record odd for the duration of one
// input (well under a microsecond), so the loop is short; `max_attempts` bounds it for readers
// of a writer that died mid-write (then the version stays odd forever).
template <typename T>
inline bool seqlock_read(const std::atomic<uint32_t>& version, const T& src, T& out,
                         uint32_t max_attempts = 1u << 20) noexcept {
  for (uint32_t i = 0; i < max_attempts; ++i) {
    if (seqlock_try_read(version, src, out)) return true;
    seqlock_read_backoff(i);
  }
  return false;
}

// A value and its version in one struct: the simple case, for data written as a whole.
template <typename T>
struct Seqlocked {
  static_assert(kSeqlockable<T>);
  alignas(8) std::atomic<uint32_t> version{0};
  uint32_t reserved = 0;
  T value{};

  void store(const T& v) noexcept {  // single writer only
    seqlock_write_begin(version);
    relaxed_copy_in(&value, &v, sizeof(T));
    seqlock_write_end(version);
  }
  bool try_load(T& out) const noexcept { return seqlock_try_read(version, value, out); }
  bool load(T& out, uint32_t max_attempts = 1u << 20) const noexcept {
    return seqlock_read(version, value, out, max_attempts);
  }
};

}  // namespace ose::shm
