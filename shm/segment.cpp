#include "shm/segment.hpp"

#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <boost/interprocess/mapped_region.hpp>
#include <boost/interprocess/shared_memory_object.hpp>
#include <cerrno>
#include <cstdio>
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

// Why an open of `path` was refused (EACCES), from its owner, group and mode against this
// process's ids: the operator learns which user or group to run as (docs/SECURITY.md).
std::string denied_why(const std::string& path) {
  struct stat st {};
  if (::stat(path.c_str(), &st) != 0) return "permission denied (EACCES)";
  const bool owner = st.st_uid == ::geteuid();
  bool member = st.st_gid == ::getegid();
  if (!member) {
    gid_t groups[256];
    const int n = ::getgroups(256, groups);
    for (int i = 0; i < n && !member; ++i) member = groups[i] == st.st_gid;
  }
  char mode[8];
  std::snprintf(mode, sizeof mode, "0%03o", static_cast<unsigned>(st.st_mode & 0777));
  const std::string who = owner    ? "its owner"
                          : member ? "in its group"
                                   : "neither its owner nor in its group";
  return "permission denied (EACCES): it is mode " + std::string(mode) + ", owner uid " +
         std::to_string(st.st_uid) + ", group gid " + std::to_string(st.st_gid) +
         ", and this process (uid " + std::to_string(::geteuid()) + ") is " + who +
         " (docs/SECURITY.md: readers join the engine's state_group, a strategy runs as its " +
         "client's user or group)";
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
                                const SegmentIdentity& id, const SegmentOwner& owner) {
  if (bytes < sizeof(SegmentHeader)) {
    return Error{"cannot create shared memory " + std::string(kShmDir) + "/" + name + ": " +
                 std::to_string(bytes) + " bytes cannot hold the " +
                 std::to_string(sizeof(SegmentHeader)) + "-byte segment header"};
  }
  try {
    auto impl = std::make_unique<Impl>();
    // Private to its creator first (Boost fchmods it to exactly this, whatever the umask) ...
    bi::permissions perms(0600);
    impl->object = bi::shared_memory_object(bi::create_only, name.c_str(), bi::read_write, perms);
    const int fd = impl->object.get_mapping_handle().handle;
    // ... then handed to its owner, and only then opened up to `mode`: never wider in between.
    if (owner.set_user || owner.set_group) {
      const auto uid = owner.set_user ? static_cast<uid_t>(owner.user) : static_cast<uid_t>(-1);
      const auto gid = owner.set_group ? static_cast<gid_t>(owner.group) : static_cast<gid_t>(-1);
      if (::fchown(fd, uid, gid) != 0) {
        const int e = errno;
        Segment::remove(name);
        return Error{"cannot give shared memory " + std::string(kShmDir) + "/" + name + " to uid " +
                     (owner.set_user ? std::to_string(owner.user) : "(unchanged)") + " gid " +
                     (owner.set_group ? std::to_string(owner.group) : "(unchanged)") + ": " +
                     fmt_errno(e)};
      }
    }
    if (::fchmod(fd, static_cast<mode_t>(mode)) != 0) {
      const int e = errno;
      Segment::remove(name);
      return Error{"cannot set the mode of shared memory " + std::string(kShmDir) + "/" + name +
                   ": " + fmt_errno(e)};
    }
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
                                const SegmentIdentity& expected,
                                const std::vector<uint32_t>* trusted_owners) {
  const std::string path = std::string(kShmDir) + "/" + name;
  try {
    auto impl = std::make_unique<Impl>();
    const bi::mode_t mode = access == Access::kReadOnly ? bi::read_only : bi::read_write;
    impl->object = bi::shared_memory_object(bi::open_only, name.c_str(), mode);
    if (trusted_owners != nullptr) {
      struct stat st {};
      if (::fstat(impl->object.get_mapping_handle().handle, &st) != 0) {
        return Error{"cannot attach " + path + ": " + fmt_errno(errno)};
      }
      bool trusted = false;
      for (const uint32_t uid : *trusted_owners) trusted = trusted || st.st_uid == uid;
      if (!trusted) {
        std::string want;
        for (const uint32_t uid : *trusted_owners) {
          want += (want.empty() ? "" : " or ") + std::to_string(uid);
        }
        return Error{"cannot attach " + path + ": it belongs to uid " + std::to_string(st.st_uid) +
                     ", not to the engine's user (uid " + want +
                     "): a look-alike created by someone else, refused"};
      }
    }
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
      return Error{"cannot attach " + path + ": " + denied_why(path)};
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

OwnerLock::OwnerLock(int fd, std::string path) noexcept
    : fd_(fd), owner_pid_(static_cast<int32_t>(getpid())), path_(std::move(path)) {}

OwnerLock::OwnerLock(OwnerLock&& o) noexcept
    : fd_(std::exchange(o.fd_, -1)), owner_pid_(o.owner_pid_), path_(std::move(o.path_)) {}

OwnerLock& OwnerLock::operator=(OwnerLock&& o) noexcept {
  if (this != &o) {
    release();
    fd_ = std::exchange(o.fd_, -1);
    owner_pid_ = o.owner_pid_;
    path_ = std::move(o.path_);
  }
  return *this;
}

OwnerLock::~OwnerLock() {
  release();
}

namespace {

bool same_file(const struct stat& a, const struct stat& b) noexcept {
  return a.st_dev == b.st_dev && a.st_ino == b.st_ino;
}

}  // namespace

void OwnerLock::release() noexcept {
  if (fd_ < 0) return;
  // Unlink before unlocking: whoever locks this inode afterwards finds the path gone (or naming
  // a newer file) and starts over on the path, so no two holders ever both pass the check in
  // acquire(). Only unlink the path if it still names our inode: a protocol-abiding peer never
  // replaces a held file, but someone's `rm` and a fresh engine could have. A forked child's
  // copy shares our lock; it must not take the file from its parent.
  if (static_cast<int32_t>(getpid()) == owner_pid_) {
    struct stat held {};
    struct stat named {};
    if (::fstat(fd_, &held) == 0 && ::stat(path_.c_str(), &named) == 0 && same_file(held, named)) {
      ::unlink(path_.c_str());
    }
  }
  // Closing the last descriptor of the open file description drops its lock.
  ::close(fd_);
  fd_ = -1;
}

Result<OwnerLock> OwnerLock::acquire(const std::string& path, OpenedHook opened) {
  // Open, lock, then check that the path still names the inode locked. A holder unlinks the
  // file when it releases; a process that opened the old inode before that and locks it after
  // holds a lock nobody else can see (a third process creates and locks a new file at the
  // path), so it lets go and tries the path again. Bounded: only a holder's release or a
  // stranger replacing the file makes a pass fail the check.
  constexpr int kPasses = 64;
  for (int pass = 0; pass < kPasses; ++pass) {
    const int fd = ::open(path.c_str(), O_RDWR | O_CREAT | O_CLOEXEC | O_NOFOLLOW, 0600);
    if (fd < 0) return Error{"cannot open lock file " + path + ": " + fmt_errno(errno)};
    if (opened != nullptr) opened(path);
    // Open-file-description lock (Linux ≥ 3.15): owned by this open, not by the process, so it
    // conflicts within one process too and survives the close of other descriptors of the file.
    // It also conflicts with classic fcntl locks, which older ose builds took on this path.
    struct flock fl {};
    fl.l_type = F_WRLCK;
    fl.l_whence = SEEK_SET;
    fl.l_start = 0;
    fl.l_len = 0;  // the whole file
    if (::fcntl(fd, F_OFD_SETLK, &fl) != 0) {
      const int e = errno;
      ::close(fd);
      if (e == EAGAIN || e == EACCES) return Error{"another live process holds " + path};
      return Error{"cannot lock " + path + ": " + fmt_errno(e)};
    }
    struct stat held {};
    if (::fstat(fd, &held) != 0) {
      const int e = errno;
      ::close(fd);
      return Error{"cannot stat lock file " + path + ": " + fmt_errno(e)};
    }
    if (held.st_uid != ::geteuid()) {
      // Whoever created it can hold it (or swap it) whenever they like: not ours to trust.
      ::close(fd);
      return Error{"lock file " + path + " belongs to uid " + std::to_string(held.st_uid) +
                   ", not to this process's user (uid " + std::to_string(::geteuid()) +
                   "): someone else created it; find out who, then remove it"};
    }
    struct stat named {};
    if (::stat(path.c_str(), &named) == 0) {
      if (same_file(held, named)) return OwnerLock(fd, path);
    } else if (errno != ENOENT) {
      const int e = errno;
      ::close(fd);
      return Error{"cannot stat lock file " + path + ": " + fmt_errno(e)};
    }
    // Unlinked or replaced since we opened it: the lock we hold guards nothing.
    ::close(fd);
  }
  return Error{"cannot lock " + path + ": the file was replaced under us " +
               std::to_string(kPasses) + " times in a row"};
}

}  // namespace ose::shm
