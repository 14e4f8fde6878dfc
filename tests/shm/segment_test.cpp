// Segment and OwnerLock against real /dev/shm objects and lock files. Every test uses names of
// its own (pid + test name) and removes them when it ends. Tests that need a second process
// fork one; the child reports through its exit status only (no GoogleTest calls after fork).
#include <fcntl.h>
#include <gtest/gtest.h>
#include <sys/mman.h>
#include <sys/resource.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include <atomic>
#include <cerrno>
#include <csignal>
#include <cstdint>
#include <cstring>
#include <fstream>
#include <new>
#include <optional>
#include <string>

#include "shm/clock.hpp"
#include "shm/segment.hpp"

namespace ose::shm {
namespace {

// "OSE.TEST" in ASCII, a layout version, a kind tag and a fingerprint, all arbitrary.
constexpr SegmentIdentity kId{0x4F53452E54455354ull, 3, 7, 0x0123456789ABCDEFull};
constexpr size_t kBytes = 8192;

std::string test_name() {
  return ::testing::UnitTest::GetInstance()->current_test_info()->name();
}

// Waits for a child and returns its wait status.
int wait_for(pid_t pid) {
  int status = 0;
  while (waitpid(pid, &status, 0) < 0) {
    if (errno != EINTR) return -1;
  }
  return status;
}

std::string describe(int status) {
  if (WIFEXITED(status)) return "exited with " + std::to_string(WEXITSTATUS(status));
  if (WIFSIGNALED(status)) return "killed by signal " + std::to_string(WTERMSIG(status));
  return "wait status " + std::to_string(status);
}

class SegmentTest : public ::testing::Test {
 protected:
  void SetUp() override {
    name_ = "ose.test.shm." + std::to_string(getpid()) + "." + test_name();
    Segment::remove(name_);
  }
  void TearDown() override { Segment::remove(name_); }

  Segment create_published() {
    auto created = Segment::create(name_, kBytes, 0600, kId);
    EXPECT_TRUE(created) << created.error();
    created->publish();
    return std::move(created).value();
  }

  std::string name_;
};

TEST_F(SegmentTest, CreatorAndAttachersSeeTheSameBytes) {
  auto created = Segment::create(name_, kBytes, 0600, kId);
  ASSERT_TRUE(created) << created.error();
  Segment& creator = *created;
  EXPECT_TRUE(Segment::exists(name_));
  EXPECT_EQ(creator.size(), kBytes);
  EXPECT_EQ(creator.name(), name_);
  const SegmentHeader& h = creator.header();
  EXPECT_EQ(h.magic.load(std::memory_order_relaxed), 0u) << "published only by publish()";
  EXPECT_EQ(h.layout_version, 3u);
  EXPECT_EQ(h.kind, 7u);
  EXPECT_EQ(h.layout_fingerprint, 0x0123456789ABCDEFull);
  EXPECT_EQ(h.size, kBytes);
  EXPECT_EQ(h.owner_pid.load(std::memory_order_relaxed), getpid());
  EXPECT_GT(h.created_wall_ns, 0);
  EXPECT_LE(h.created_wall_ns, wall_clock_ns());
  for (size_t i = sizeof(SegmentHeader); i < kBytes; ++i) {
    ASSERT_EQ(creator.data()[i], std::byte{0}) << "a new segment is zero-filled, byte " << i;
  }
  for (size_t i = sizeof(SegmentHeader); i < kBytes; ++i) {
    creator.data()[i] = static_cast<std::byte>(i * 13);
  }
  creator.publish();
  EXPECT_EQ(h.magic.load(std::memory_order_relaxed), kId.magic);

  auto writer = Segment::attach(name_, Access::kReadWrite, kId);
  ASSERT_TRUE(writer) << writer.error();
  auto reader = Segment::attach(name_, Access::kReadOnly, kId);
  ASSERT_TRUE(reader) << reader.error();
  ASSERT_EQ(writer->size(), kBytes);
  ASSERT_EQ(reader->size(), kBytes);
  EXPECT_NE(writer->data(), creator.data()) << "each attach is a mapping of its own";
  EXPECT_EQ(std::memcmp(writer->data(), creator.data(), kBytes), 0);
  EXPECT_EQ(std::memcmp(reader->data(), creator.data(), kBytes), 0);
  EXPECT_EQ(reader->data()[sizeof(SegmentHeader) + 5], std::byte{193});  // 133 * 13 = 6 * 256 + 193

  // A store through one mapping is seen through the others.
  writer->data()[4000] = std::byte{0x5A};
  EXPECT_EQ(creator.data()[4000], std::byte{0x5A});
  EXPECT_EQ(reader->data()[4000], std::byte{0x5A});
  writer->header().heartbeat_ns.store(12345, std::memory_order_relaxed);
  EXPECT_EQ(reader->header().heartbeat_ns.load(std::memory_order_relaxed), 12345);
}

TEST_F(SegmentTest, IsCreatedWithTheRequestedModeWhateverTheUmask) {
  auto created = Segment::create(name_, kBytes, 0660, kId);
  ASSERT_TRUE(created) << created.error();
  struct stat st {};
  ASSERT_EQ(::stat((std::string(kShmDir) + "/" + name_).c_str(), &st), 0) << std::strerror(errno);
  EXPECT_EQ(st.st_mode & 0777, 0660u);
  EXPECT_EQ(static_cast<size_t>(st.st_size), kBytes);
}

TEST_F(SegmentTest, RefusesToCreateANameThatExists) {
  Segment first = create_published();
  first.data()[200] = std::byte{42};
  auto second = Segment::create(name_, kBytes, 0600, kId);
  ASSERT_FALSE(second);
  EXPECT_NE(second.error().find("already exists"), std::string::npos) << second.error();
  EXPECT_NE(second.error().find(name_), std::string::npos) << second.error();
  // The failed create left the existing segment alone.
  EXPECT_TRUE(Segment::exists(name_));
  auto again = Segment::attach(name_, Access::kReadOnly, kId);
  ASSERT_TRUE(again) << again.error();
  EXPECT_EQ(again->data()[200], std::byte{42});
}

TEST_F(SegmentTest, RefusesToAttachWithAnotherLayoutFingerprint) {
  Segment creator = create_published();
  SegmentIdentity other = kId;
  other.layout_fingerprint = kId.layout_fingerprint + 1;
  auto attached = Segment::attach(name_, Access::kReadOnly, other);
  ASSERT_FALSE(attached);
  EXPECT_NE(attached.error().find("layout"), std::string::npos) << attached.error();
}

TEST_F(SegmentTest, RefusesToAttachWithAnotherLayoutVersion) {
  Segment creator = create_published();
  SegmentIdentity other = kId;
  other.layout_version = kId.layout_version + 1;
  auto attached = Segment::attach(name_, Access::kReadWrite, other);
  ASSERT_FALSE(attached);
  EXPECT_NE(attached.error().find("layout"), std::string::npos) << attached.error();
}

TEST_F(SegmentTest, RefusesToAttachAnotherKindOfSegment) {
  Segment creator = create_published();
  SegmentIdentity other_magic = kId;
  other_magic.magic = kId.magic ^ 1;
  auto a = Segment::attach(name_, Access::kReadOnly, other_magic);
  ASSERT_FALSE(a);
  EXPECT_NE(a.error().find("not the expected kind"), std::string::npos) << a.error();
  SegmentIdentity other_kind = kId;
  other_kind.kind = kId.kind + 1;
  auto b = Segment::attach(name_, Access::kReadOnly, other_kind);
  ASSERT_FALSE(b);
  EXPECT_NE(b.error().find("not the expected kind"), std::string::npos) << b.error();
}

TEST_F(SegmentTest, AttachToAMissingNameSaysENOENT) {
  ASSERT_FALSE(Segment::exists(name_));
  auto attached = Segment::attach(name_, Access::kReadOnly, kId);
  ASSERT_FALSE(attached);
  EXPECT_NE(attached.error().find("ENOENT"), std::string::npos) << attached.error();
  EXPECT_NE(attached.error().find(name_), std::string::npos) << attached.error();
}

TEST_F(SegmentTest, AttachBeforePublishSaysTheCreatorHasNotFinished) {
  auto created = Segment::create(name_, kBytes, 0600, kId);
  ASSERT_TRUE(created) << created.error();
  auto early = Segment::attach(name_, Access::kReadOnly, kId);
  ASSERT_FALSE(early);
  EXPECT_NE(early.error().find("has not finished"), std::string::npos) << early.error();
  created->publish();
  auto late = Segment::attach(name_, Access::kReadOnly, kId);
  EXPECT_TRUE(late) << late.error();
}

TEST_F(SegmentTest, RefusesAnObjectTooSmallToHoldAHeader) {
  const int fd = ::shm_open(("/" + name_).c_str(), O_RDWR | O_CREAT | O_EXCL, 0600);
  ASSERT_GE(fd, 0) << std::strerror(errno);
  ASSERT_EQ(::ftruncate(fd, 64), 0) << std::strerror(errno);
  ::close(fd);
  auto attached = Segment::attach(name_, Access::kReadOnly, kId);
  ASSERT_FALSE(attached);
  EXPECT_NE(attached.error().find("too small"), std::string::npos) << attached.error();
}

TEST_F(SegmentTest, RefusesToCreateASegmentTooSmallForItsHeader) {
  // A 64-byte object cannot hold the 128-byte header: create() would write the header past
  // the end of the object, and every attach would then refuse it as "too small".
  auto created = Segment::create(name_, sizeof(SegmentHeader) / 2, 0600, kId);
  EXPECT_FALSE(created) << "created a segment smaller than its own header";
  EXPECT_FALSE(Segment::exists(name_)) << "a failed create leaves no object behind";
}

TEST_F(SegmentTest, AttachesASegmentWhoseSizeIsNotAPageMultiple) {
  auto created = Segment::create(name_, 5000, 0600, kId);
  ASSERT_TRUE(created) << created.error();
  created->data()[4999] = std::byte{0x77};
  created->publish();
  auto attached = Segment::attach(name_, Access::kReadOnly, kId);
  ASSERT_TRUE(attached) << attached.error();
  EXPECT_EQ(attached->size(), 5000u);
  EXPECT_EQ(attached->data()[4999], std::byte{0x77});
}

TEST_F(SegmentTest, RefusesASegmentWhoseHeaderSizeDisagreesWithTheMapping) {
  auto created = Segment::create(name_, kBytes, 0600, kId);
  ASSERT_TRUE(created) << created.error();
  created->header().size = kBytes * 2;
  created->publish();
  auto attached = Segment::attach(name_, Access::kReadOnly, kId);
  ASSERT_FALSE(attached);
  EXPECT_NE(attached.error().find("header says 16384 bytes but it maps 8192"), std::string::npos)
      << attached.error();
}

TEST_F(SegmentTest, RemoveDeletesTheNameAndKeepsExistingMappings) {
  Segment creator = create_published();
  creator.data()[300] = std::byte{7};
  EXPECT_TRUE(Segment::remove(name_));
  EXPECT_FALSE(Segment::exists(name_));
  EXPECT_FALSE(Segment::remove(name_)) << "nothing left to remove";
  auto attached = Segment::attach(name_, Access::kReadOnly, kId);
  ASSERT_FALSE(attached);
  EXPECT_NE(attached.error().find("ENOENT"), std::string::npos) << attached.error();
  EXPECT_EQ(creator.data()[300], std::byte{7});
  creator.data()[300] = std::byte{8};  // still mapped read-write
  EXPECT_EQ(creator.data()[300], std::byte{8});
  // The name is free for a new segment.
  auto fresh = Segment::create(name_, kBytes, 0600, kId);
  ASSERT_TRUE(fresh) << fresh.error();
  EXPECT_EQ(fresh->data()[300], std::byte{0});
}

TEST_F(SegmentTest, ReadOnlyAttacherDiesWhenItWritesThroughItsMapping) {
  Segment creator = create_published();
  auto reader = Segment::attach(name_, Access::kReadOnly, kId);
  ASSERT_TRUE(reader) << reader.error();
  ASSERT_EQ(reader->header().magic.load(std::memory_order_acquire), kId.magic);

  const pid_t child = fork();
  ASSERT_GE(child, 0) << std::strerror(errno);
  if (child == 0) {
    // Die of the signal itself: no sanitizer report, no core file.
    std::signal(SIGSEGV, SIG_DFL);
    const rlimit no_core{0, 0};
    setrlimit(RLIMIT_CORE, &no_core);
    reader->header().heartbeat_ns.store(1, std::memory_order_relaxed);
    _exit(0);  // reached only if the write went through
  }
  const int status = wait_for(child);
  EXPECT_TRUE(WIFSIGNALED(status) && WTERMSIG(status) == SIGSEGV) << describe(status);
  EXPECT_NE(creator.header().heartbeat_ns.load(std::memory_order_relaxed), 1);
}

class OwnerLockTest : public ::testing::Test {
 protected:
  void SetUp() override {
    path_ = std::string(kShmDir) + "/ose.test.lock." + std::to_string(getpid()) + "." + test_name();
    ::unlink(path_.c_str());
  }
  void TearDown() override { ::unlink(path_.c_str()); }

  // Forks a child that tries to take the lock. Exit 0: it got it; 1: refused with the
  // expected message; 2: refused with another message.
  int try_in_child() const {
    const pid_t child = fork();
    if (child < 0) return -1;
    if (child == 0) {
      auto lock = OwnerLock::acquire(path_);
      if (lock) _exit(0);
      _exit(lock.error().find("another live process holds") != std::string::npos ? 1 : 2);
    }
    return wait_for(child);
  }

  std::string path_;
};

TEST_F(OwnerLockTest, RefusesAnotherProcessWhileTheHolderLivesAndAdmitsItAfterRelease) {
  std::optional<Result<OwnerLock>> held(OwnerLock::acquire(path_));
  ASSERT_TRUE(held->ok()) << held->error();

  const int refused = try_in_child();
  ASSERT_TRUE(WIFEXITED(refused)) << describe(refused);
  EXPECT_EQ(WEXITSTATUS(refused), 1) << "0: the child took a held lock; 2: wrong message";

  held.reset();  // release
  const int admitted = try_in_child();
  ASSERT_TRUE(WIFEXITED(admitted)) << describe(admitted);
  EXPECT_EQ(WEXITSTATUS(admitted), 0) << "the child was refused a released lock";
}

TEST_F(OwnerLockTest, IsReleasedWhenTheHolderDies) {
  int ready[2];
  ASSERT_EQ(::pipe(ready), 0) << std::strerror(errno);
  const pid_t holder = fork();
  ASSERT_GE(holder, 0) << std::strerror(errno);
  if (holder == 0) {
    ::close(ready[0]);
    auto lock = OwnerLock::acquire(path_);
    const char got = lock ? 'y' : 'n';
    if (::write(ready[1], &got, 1) != 1) _exit(3);
    for (;;) ::pause();  // holds the lock until killed
  }
  ::close(ready[1]);
  char got = 0;
  ASSERT_EQ(::read(ready[0], &got, 1), 1);
  ::close(ready[0]);
  ASSERT_EQ(got, 'y') << "the child could not take a free lock";

  {
    auto refused = OwnerLock::acquire(path_);
    EXPECT_FALSE(refused) << "took a lock a live process holds";
    if (!refused) {
      EXPECT_NE(refused.error().find("another live process holds"), std::string::npos)
          << refused.error();
    }
  }
  ASSERT_EQ(::kill(holder, SIGKILL), 0);
  const int status = wait_for(holder);
  EXPECT_TRUE(WIFSIGNALED(status) && WTERMSIG(status) == SIGKILL) << describe(status);

  auto admitted = OwnerLock::acquire(path_);
  EXPECT_TRUE(admitted) << admitted.error();
}

TEST_F(OwnerLockTest, RefusesASecondAcquireInTheSameProcess) {
  auto held = OwnerLock::acquire(path_);
  ASSERT_TRUE(held) << held.error();
  // A per-process (classic fcntl) lock would grant this, and the second lock's release would
  // then drop the first.
  auto second = OwnerLock::acquire(path_);
  ASSERT_FALSE(second) << "one process took the same lock twice";
  EXPECT_NE(second.error().find("another live process holds"), std::string::npos) << second.error();
}

TEST_F(OwnerLockTest, ReleaseLeavesNoFile) {
  {
    auto held = OwnerLock::acquire(path_);
    ASSERT_TRUE(held) << held.error();
    EXPECT_EQ(::access(path_.c_str(), F_OK), 0) << "no lock file while held";
  }
  EXPECT_NE(::access(path_.c_str(), F_OK), 0) << "the released lock left " << path_;
  auto again = OwnerLock::acquire(path_);
  EXPECT_TRUE(again) << again.error();
}

TEST_F(OwnerLockTest, AForkedChildDroppingItsCopyKeepsTheParentsLockAndFile) {
  std::optional<Result<OwnerLock>> held(OwnerLock::acquire(path_));
  ASSERT_TRUE(held->ok()) << held->error();
  const pid_t child = fork();
  ASSERT_GE(child, 0) << std::strerror(errno);
  if (child == 0) {
    held.reset();  // runs the destructor in the child
    _exit(0);
  }
  ASSERT_EQ(wait_for(child), 0);
  EXPECT_EQ(::access(path_.c_str(), F_OK), 0) << "a child's copy unlinked its parent's lock file";
  const int refused = try_in_child();
  ASSERT_TRUE(WIFEXITED(refused)) << describe(refused);
  EXPECT_EQ(WEXITSTATUS(refused), 1) << "the parent's lock went with the child's copy";
}

// The race acquire() re-checks for: the file is unlinked (a holder's clean release) after we
// opened it and before we lock it. Locking the orphaned inode must not count.
int g_races_left = 0;
pid_t g_racer = -1;

void unlink_once(const std::string& path) {
  if (g_races_left <= 0) return;
  --g_races_left;
  ::unlink(path.c_str());
}

TEST_F(OwnerLockTest, StartsOverWhenTheFileIsUnlinkedBetweenOpenAndLock) {
  { std::ofstream(path_).put('x'); }  // a file a released holder is about to unlink
  g_races_left = 1;
  auto held = OwnerLock::acquire(path_, unlink_once);
  ASSERT_TRUE(held) << held.error();
  EXPECT_EQ(g_races_left, 0) << "the hook did not run";
  // Without the re-check we would hold a lock on the unlinked inode, and a newcomer would
  // create a fresh file at the path and take it too.
  EXPECT_EQ(::access(path_.c_str(), F_OK), 0) << "we hold a lock on a file nobody can see";
  const int refused = try_in_child();
  ASSERT_TRUE(WIFEXITED(refused)) << describe(refused);
  EXPECT_EQ(WEXITSTATUS(refused), 1) << "two holders: the child took the file at the path";
}

// Worse: between our open and our lock, the holder released and a third process created and
// locked a new file at the path. We lock the old inode without contention; only the re-check
// sees that the path names another file, whose lock is held.
void replace_with_held_file(const std::string& path) {
  if (g_races_left <= 0) return;
  --g_races_left;
  ::unlink(path.c_str());
  int ready[2];
  if (::pipe(ready) != 0) return;
  g_racer = fork();
  if (g_racer == 0) {
    ::close(ready[0]);
    auto lock = OwnerLock::acquire(path);
    const char got = lock ? 'y' : 'n';
    if (::write(ready[1], &got, 1) != 1) _exit(3);
    for (;;) ::pause();  // holds the new file's lock until killed
  }
  ::close(ready[1]);
  char got = 0;
  if (::read(ready[0], &got, 1) != 1) got = 0;
  ::close(ready[0]);
  if (got != 'y') g_races_left = -1;  // the test reports it
}

TEST_F(OwnerLockTest, RefusesWhenTheFileIsReplacedByAHeldOneBetweenOpenAndLock) {
  { std::ofstream(path_).put('x'); }
  g_races_left = 1;
  g_racer = -1;
  auto lock = OwnerLock::acquire(path_, replace_with_held_file);
  ASSERT_GT(g_racer, 0) << "the hook did not fork the racing holder";
  const bool took = lock.ok();
  ::kill(g_racer, SIGKILL);
  wait_for(g_racer);
  EXPECT_EQ(g_races_left, 0) << "the racing holder could not take the new file";
  EXPECT_FALSE(took) << "took the lock of an unlinked inode while another process holds the "
                        "file at the path";
  if (!took) {
    EXPECT_NE(lock.error().find("another live process holds"), std::string::npos) << lock.error();
  }
}

// Mutual exclusion under churn: processes take and release (unlinking) the lock in a loop and
// count the holders in shared memory. Two at once is the double-holder race.
TEST_F(OwnerLockTest, AdmitsOneHolderAtATimeWhileHoldersKeepUnlinkingTheFile) {
  constexpr int kProcs = 3;
  constexpr int kRounds = 2000;
  void* mem = ::mmap(nullptr, 64, PROT_READ | PROT_WRITE, MAP_SHARED | MAP_ANONYMOUS, -1, 0);
  ASSERT_NE(mem, MAP_FAILED) << std::strerror(errno);
  auto* holders = new (mem) std::atomic<int32_t>(0);
  auto* overlaps = new (static_cast<std::byte*>(mem) + 8) std::atomic<int32_t>(0);
  auto* taken = new (static_cast<std::byte*>(mem) + 16) std::atomic<int32_t>(0);
  pid_t kids[kProcs];
  for (pid_t& kid : kids) {
    kid = fork();
    if (kid == 0) {
      for (int i = 0; i < kRounds; ++i) {
        auto lock = OwnerLock::acquire(path_);
        if (!lock) {
          if (lock.error().find("another live process holds") == std::string::npos) _exit(2);
          continue;
        }
        // Relaxed: the counts are judged only after every process has exited (waitpid orders).
        if (holders->fetch_add(1, std::memory_order_relaxed) != 0) {
          overlaps->fetch_add(1, std::memory_order_relaxed);
        }
        taken->fetch_add(1, std::memory_order_relaxed);
        holders->fetch_sub(1, std::memory_order_relaxed);
      }
      _exit(0);
    }
  }
  for (pid_t kid : kids) {
    if (kid < 0) continue;
    const int status = wait_for(kid);
    EXPECT_TRUE(WIFEXITED(status) && WEXITSTATUS(status) == 0) << describe(status);
  }
  EXPECT_EQ(overlaps->load(std::memory_order_relaxed), 0) << "two processes held the lock at once";
  EXPECT_GT(taken->load(std::memory_order_relaxed), 0);
  EXPECT_NE(::access(path_.c_str(), F_OK), 0) << "the last holder's release left the file";
  ::munmap(mem, 64);
}

TEST(ProcessAlive, SeesThisProcessAndNotAReapedChild) {
  EXPECT_TRUE(process_alive(static_cast<int32_t>(getpid())));
  EXPECT_FALSE(process_alive(0));
  EXPECT_FALSE(process_alive(-1));
  const pid_t child = fork();
  ASSERT_GE(child, 0) << std::strerror(errno);
  if (child == 0) _exit(0);
  wait_for(child);
  // The pid could be reused by an unrelated process in between, but not this quickly.
  EXPECT_FALSE(process_alive(static_cast<int32_t>(child)));
}

}  // namespace
}  // namespace ose::shm
