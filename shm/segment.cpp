#include "shm/segment.hpp"

#include <fcntl.h>
#include <unistd.h>

#include <boost/interprocess/mapped_region.hpp>
#include <boost/interprocess/shared_memory_object.hpp>
#include <boost/interprocess/sync/file_lock.hpp>
#include <cerrno>
#include <cstring>
#include <string_view>
#include <utility>

#include "shm/clock.hpp"

namespace ose::shm {

namespace bi = boost::interprocess;

struct Segment::Impl {
  bi::shared_memory_object object;
  bi::mapped_region region;
};

namespace {

std::string fmt_errno(int e) {
  const char* name = strerrorname_np(e);
  return std::string(std::strerror(e)) + " (" + (name != nullptr ? name : "?") + ")";
}

std::string why(const bi::interprocess_exception& e) {
  const int native = e.get_native_error();
  if (native != 0) return fmt_errno(native);
  return e.what();
}

}  // namespace

Segment::Segment(std::unique_ptr<Impl> impl, const std::string& name)
    : impl_(std::move(impl)), name_(name) {
  base_ = static_cast<std::byte*>(impl_->region.get_address());
  size_ = impl_->region.get_size();
}
Segment::Segment(Segment&& o) noexcept
    : impl_(std::move(o.impl_)),
      base_(std::exchange(o.base_, nullptr)),
      size_(std::exchange(o.size_, 0)),
      name_(std::move(o.name_)),
      magic_(o.magic_) {}

Segment& Segment::operator=(Segment&& o) noexcept {
  impl_ = std::move(o.impl_);
  base_ = std::exchange(o.base_, nullptr);
  size_ = std::exchange(o.size_, 0);
  name_ = std::move(o.name_);
  magic_ = o.magic_;
  return *this;
}
Segment::~Segment() = default;

Result<Segment> Segment::create(const std::string& name, size_t bytes, uint32_t mode,
                                const SegmentIdentity& id) {
  if (bytes < sizeof(SegmentHeader)) {
    return Error{"cannot create shared memory " + std::string(kShmDir) + "/" + name + ": " +
                 std::to_string(bytes) + " bytes cannot hold the " +
                 std::to_string(sizeof(SegmentHeader)) + "-byte segment header"};
  }
  try {
    auto impl = std::make_unique<Impl>();
    bi::permissions perms(static_cast<int>(mode));
    impl->object = bi::shared_memory_object(bi::create_only, name.c_str(), bi::read_write, perms);
    impl->object.truncate(static_cast<bi::offset_t>(bytes));
    impl->region = bi::mapped_region(impl->object, bi::read_write);
    Segment s(std::move(impl), name);
    SegmentHeader& h = s.header();
    h.layout_version = id.layout_version;
    h.kind = id.kind;
    h.layout_fingerprint = id.layout_fingerprint;
    h.size = bytes;
    h.created_wall_ns = wall_clock_ns();
    // Relaxed: published by the release store of the magic in publish().
    h.owner_pid.store(static_cast<int32_t>(getpid()), std::memory_order_relaxed);
    h.heartbeat_ns.store(monotonic_ns(), std::memory_order_relaxed);
    s.magic_ = id.magic;
    return s;
  } catch (const bi::interprocess_exception& e) {
    if (e.get_error_code() == bi::already_exists_error) {
      return Error{"cannot create shared memory " + std::string(kShmDir) + "/" + name +
                   ": it already exists"};
    }
    Segment::remove(name);
    return Error{"cannot create shared memory " + std::string(kShmDir) + "/" + name + " (" +
                 std::to_string(bytes >> 20) + " MiB): " + why(e)};
  }
}

void Segment::publish() noexcept {
  // SYNC(segment.publish): release. Pairs with the acquire load in attach(): everything the
  // creator wrote before is visible to an attacher that sees the magic.
  header().magic.store(magic_, std::memory_order_release);
}

Result<Segment> Segment::attach(const std::string& name, Access access,
                                const SegmentIdentity& expected) {
  const std::string path = std::string(kShmDir) + "/" + name;
  try {
    auto impl = std::make_unique<Impl>();
    const bi::mode_t mode = access == Access::kReadOnly ? bi::read_only : bi::read_write;
    impl->object = bi::shared_memory_object(bi::open_only, name.c_str(), mode);
    bi::offset_t bytes = 0;
    impl->object.get_size(bytes);
    if (static_cast<size_t>(bytes) < sizeof(SegmentHeader)) {
      return Error{"cannot attach " + path + ": it is not an ose segment (too small)"};
    }
    impl->region = bi::mapped_region(impl->object, mode);
    Segment s(std::move(impl), name);
    const SegmentHeader& h = s.header();
    // SYNC(segment.attach): acquire. Pairs with SYNC(segment.publish).
    const uint64_t magic = h.magic.load(std::memory_order_acquire);
    if (magic == 0) {
      return Error{"cannot attach " + path + ": its creator has not finished setting it up"};
    }
    if (magic != expected.magic || h.kind != expected.kind) {
      return Error{"cannot attach " + path + ": it is not the expected kind of ose segment"};
    }
    if (h.layout_version != expected.layout_version ||
        h.layout_fingerprint != expected.layout_fingerprint) {
      return Error{"cannot attach " + path + ": it was created by an ose build with another " +
                   "memory layout (layout version " + std::to_string(h.layout_version) +
                   ", fingerprint " + std::to_string(h.layout_fingerprint) + "; this build has " +
                   std::to_string(expected.layout_version) + ", " +
                   std::to_string(expected.layout_fingerprint) + "): rebuild one of them"};
    }
    if (h.size != s.size()) {
      return Error{"cannot attach " + path + ": its header says " + std::to_string(h.size) +
                   " bytes but it maps " + std::to_string(s.size())};
    }
    s.magic_ = magic;
    return s;
  } catch (const bi::interprocess_exception& e) {
    const int native = e.get_native_error();
    if (native == ENOENT) return Error{"cannot attach " + path + ": no such segment (ENOENT)"};
    if (native == EACCES) {
      return Error{"cannot attach " + path + ": permission denied (EACCES); it is mode 0600 " +
                   "to its owner unless the config says otherwise"};
    }
    return Error{"cannot attach " + path + ": " + why(e)};
  }
}

bool Segment::remove(const std::string& name) noexcept {
  return bi::shared_memory_object::remove(name.c_str());
}

bool Segment::exists(const std::string& name) noexcept {
  return access((std::string(kShmDir) + "/" + name).c_str(), F_OK) == 0;
}

struct OwnerLock::Impl {
  bi::file_lock lock;
  std::string path;
};

OwnerLock::OwnerLock(std::unique_ptr<Impl> impl) noexcept : impl_(std::move(impl)) {}
OwnerLock::OwnerLock(OwnerLock&&) noexcept = default;
OwnerLock& OwnerLock::operator=(OwnerLock&&) noexcept = default;
OwnerLock::~OwnerLock() {
  // The file stays: removing it would let a third process lock a fresh inode while a second
  // still waits on the old one. The kernel releases the lock itself.
  if (impl_) impl_->lock.unlock();
}

Result<OwnerLock> OwnerLock::acquire(const std::string& path) {
  const int fd = ::open(path.c_str(), O_RDWR | O_CREAT | O_CLOEXEC, 0600);
  if (fd < 0) return Error{"cannot open lock file " + path + ": " + fmt_errno(errno)};
  ::close(fd);
  try {
    auto impl = std::make_unique<Impl>();
    impl->lock = bi::file_lock(path.c_str());
    impl->path = path;
    if (!impl->lock.try_lock()) return Error{"another live process holds " + path};
    // No other descriptor of this file may be opened and closed from now on: closing any
    // descriptor of a file drops the process's fcntl locks on it (POSIX).
    return OwnerLock(std::move(impl));
  } catch (const bi::interprocess_exception& e) {
    return Error{"cannot lock " + path + ": " + why(e)};
  }
}

}  // namespace ose::shm
