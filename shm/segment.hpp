// Segment: a named POSIX shared-memory object (/dev/shm/<name>) mapped into this process,
// read-write by its creator and by writers, PROT_READ by readers. Boost.Interprocess owns the
// OS objects; this class adds the rules ose needs: exclusive creation, a header every attach
// checks (magic, layout version, layout fingerprint), and error messages a person can act on.
//
// OwnerLock: a lock file beside the segments, held (an fcntl open-file-description lock) for as
// long as the owner holds the object. The kernel drops it when the process dies, however it
// dies, so a second engine of the same name is refused while the first lives, and a crashed
// engine's segments can be told apart from a live one's. A clean release unlinks the file, so
// a clean stop leaves nothing in /dev/shm (docs/design/0003-owner-lock.md).
#pragma once

#include <atomic>
#include <cstddef>
#include <cstdint>
#include <memory>
#include <string>
#include <vector>

#include "shm/layout.hpp"
#include "shm/result.hpp"

namespace ose::shm {

enum class Access : uint8_t { kReadOnly, kReadWrite };

// First bytes of every ose segment; never reorder. The creator fills it, then publishes
// `magic` last with release, so an attacher that sees the magic sees an initialized segment.
struct SegmentHeader {
  std::atomic<uint64_t> magic;     // creator writes last; attach checks it
  uint32_t layout_version;         // bump on any width/order/meaning change of a shared struct
  uint32_t kind;                   // the user's tag for what this segment is
  uint64_t layout_fingerprint;     // hash of sizeof/offsetof of every shared struct (layout.hpp)
  uint64_t size;                   // bytes the creator mapped
  int64_t created_wall_ns;         // creator's wall clock at creation
  std::atomic<int32_t> owner_pid;  // creator writes; others judge liveness with it
  uint32_t reserved0;
  uint64_t reserved1[2];
  // Owner writes (monotonic ns, system-wide clock) every loop pass; readers judge staleness.
  alignas(64) std::atomic<int64_t> heartbeat_ns;
  uint64_t reserved2[7];
};
// clang-format off
#define OSE_SEGMENT_HEADER_FIELDS(X)                                                              \
  X(ose::shm::SegmentHeader, magic) X(ose::shm::SegmentHeader, layout_version)                    \
  X(ose::shm::SegmentHeader, kind) X(ose::shm::SegmentHeader, layout_fingerprint)                 \
  X(ose::shm::SegmentHeader, size) X(ose::shm::SegmentHeader, created_wall_ns)                    \
  X(ose::shm::SegmentHeader, owner_pid) X(ose::shm::SegmentHeader, reserved0)                     \
  X(ose::shm::SegmentHeader, reserved1) X(ose::shm::SegmentHeader, heartbeat_ns)                  \
  X(ose::shm::SegmentHeader, reserved2)
// clang-format on
OSE_LAYOUT_ASSERT(SegmentHeader, OSE_SEGMENT_HEADER_FIELDS, 0);
static_assert(sizeof(SegmentHeader) == 128);
static_assert(std::atomic<int32_t>::is_always_lock_free);

// Who owns a segment once created: unset fields keep the creator's (effective) uid or gid.
struct SegmentOwner {
  bool set_user = false;
  uint32_t user = 0;
  bool set_group = false;
  uint32_t group = 0;
};

struct SegmentIdentity {
  uint64_t magic;
  uint32_t layout_version;
  uint32_t kind;
  uint64_t layout_fingerprint;
};

class Segment {
 public:
  // Creates /dev/shm/<name> of `bytes` (zero-filled), mode `mode`, owned by `owner`, and maps it
  // read-write. Fails if it exists. It is created 0600 to the creator, then handed to `owner`
  // (fchown) and only then given `mode` (fchmod), so nobody else can open it in between. The
  // header is written with `id` except for the magic, which publish() sets.
  static Result<Segment> create(const std::string& name, size_t bytes, uint32_t mode,
                                const SegmentIdentity& id, const SegmentOwner& owner = {});
  // Maps an existing segment and checks its header against `expected`. With `trusted_owners`,
  // the file must belong to one of those uids, else it is refused as a look-alike (any process
  // may create a file in /dev/shm under any free name; only its owner uid cannot be forged).
  static Result<Segment> attach(const std::string& name, Access access,
                                const SegmentIdentity& expected,
                                const std::vector<uint32_t>* trusted_owners = nullptr);
  // Removes the name (existing mappings stay valid). False if there was nothing to remove.
  static bool remove(const std::string& name) noexcept;
  static bool exists(const std::string& name) noexcept;

  Segment(Segment&&) noexcept;
  Segment& operator=(Segment&&) noexcept;
  ~Segment();

  // Makes the segment visible to attachers: call once everything after the header is set up.
  void publish() noexcept;

  std::byte* data() noexcept { return base_; }
  const std::byte* data() const noexcept { return base_; }
  size_t size() const noexcept { return size_; }
  const std::string& name() const noexcept { return name_; }
  SegmentHeader& header() noexcept { return *reinterpret_cast<SegmentHeader*>(base_); }
  const SegmentHeader& header() const noexcept {
    return *reinterpret_cast<const SegmentHeader*>(base_);
  }

 private:
  struct Impl;
  Segment(std::unique_ptr<Impl> impl, const std::string& name);
  std::unique_ptr<Impl> impl_;
  std::byte* base_ = nullptr;
  size_t size_ = 0;
  std::string name_;
  uint64_t magic_ = 0;
};

class OwnerLock {
 public:
  // Called by acquire() between opening the file and locking it: production passes none; a test
  // unlinks or replaces the file there, the race acquire() re-checks for.
  using OpenedHook = void (*)(const std::string& path);

  // Takes the lock file `path` (created if missing, mode 0600); fails while another holder
  // lives, in this process or another, and when the file belongs to another user (a squatter:
  // /dev/shm is writable by everyone). Locks the open file description, not the process, so
  // a second acquire() of the same path in one process is refused too, and closing some other
  // descriptor of the file does not drop it.
  static Result<OwnerLock> acquire(const std::string& path, OpenedHook opened = nullptr);
  OwnerLock(OwnerLock&& o) noexcept;
  OwnerLock& operator=(OwnerLock&& o) noexcept;
  // Unlinks the file while still holding it, then drops the lock. A forked child that destroys
  // its copy unlinks nothing: the lock is its parent's.
  ~OwnerLock();

  const std::string& path() const noexcept { return path_; }

 private:
  OwnerLock(int fd, std::string path) noexcept;
  void release() noexcept;

  int fd_ = -1;
  int32_t owner_pid_ = 0;  // the process that acquired it; only it unlinks the file
  std::string path_;
};

// The directory POSIX shared memory names live in on Linux; lock files go beside them.
inline constexpr const char* kShmDir = "/dev/shm";

// Bytes rounded up to a multiple of 64 (cache line).
inline constexpr size_t align64(size_t n) noexcept {
  return (n + 63) & ~size_t{63};
}

}  // namespace ose::shm
