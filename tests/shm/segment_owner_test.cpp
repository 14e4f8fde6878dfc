// Segment ownership (docs/SECURITY.md): a segment created for another owner has that owner and
// its final mode and was never wider in between; an attach given trusted owners refuses a
// segment owned by anyone else (a look-alike). Tests that hand files to another uid need root
// (CAP_CHOWN) and skip without it; the uids are numeric and need no passwd entry.
#include <fcntl.h>
#include <gtest/gtest.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include <string>
#include <vector>

#include "shm/segment.hpp"

namespace ose::shm {
namespace {

constexpr SegmentIdentity kId{0x4F53452E4F574E52ull, 1, 9, 0xFEDCBA9876543210ull};
constexpr size_t kBytes = 8192;
constexpr uint32_t kStranger = 64999;  // a uid and gid nobody on the host should own files as

class SegmentOwnerTest : public ::testing::Test {
 protected:
  void SetUp() override {
    name_ = "ose.test.owner." + std::to_string(getpid()) + "." +
            ::testing::UnitTest::GetInstance()->current_test_info()->name();
    Segment::remove(name_);
  }
  void TearDown() override { Segment::remove(name_); }
  struct stat stat_of() const {
    struct stat st {};
    EXPECT_EQ(::stat((std::string(kShmDir) + "/" + name_).c_str(), &st), 0);
    return st;
  }
  std::string name_;
};

TEST_F(SegmentOwnerTest, WithoutAnOwnerTheCreatorKeepsItWithTheModeAskedFor) {
  auto s = Segment::create(name_, kBytes, 0640, kId);
  ASSERT_TRUE(s) << s.error();
  const struct stat st = stat_of();
  EXPECT_EQ(st.st_uid, ::geteuid());
  EXPECT_EQ(st.st_gid, ::getegid());
  EXPECT_EQ(st.st_mode & 07777, 0640u);
}

TEST_F(SegmentOwnerTest, IsGivenToItsOwnerWithItsFinalMode) {
  if (::geteuid() != 0) GTEST_SKIP() << "giving a file to another uid needs root";
  SegmentOwner owner;
  owner.set_user = true;
  owner.user = kStranger;
  owner.set_group = true;
  owner.group = kStranger;
  auto s = Segment::create(name_, kBytes, 0660, kId, owner);
  ASSERT_TRUE(s) << s.error();
  const struct stat st = stat_of();
  EXPECT_EQ(st.st_uid, kStranger);
  EXPECT_EQ(st.st_gid, kStranger);
  EXPECT_EQ(st.st_mode & 07777, 0660u);
}

TEST_F(SegmentOwnerTest, AttachRefusesASegmentOwnedByAnyoneButTheTrusted) {
  auto s = Segment::create(name_, kBytes, 0644, kId);
  ASSERT_TRUE(s) << s.error();
  s->publish();
  const std::vector<uint32_t> me{static_cast<uint32_t>(::geteuid())};
  const std::vector<uint32_t> other{kStranger};
  EXPECT_TRUE(Segment::attach(name_, Access::kReadOnly, kId, &me));
  EXPECT_TRUE(Segment::attach(name_, Access::kReadOnly, kId));  // no check asked for
  auto refused = Segment::attach(name_, Access::kReadOnly, kId, &other);
  ASSERT_FALSE(refused);
  EXPECT_NE(refused.error().find("look-alike"), std::string::npos) << refused.error();
  EXPECT_NE(refused.error().find("uid " + std::to_string(::geteuid())), std::string::npos);
}

TEST_F(SegmentOwnerTest, LockFileOwnedBySomeoneElseIsRefused) {
  if (::geteuid() != 0) GTEST_SKIP() << "making a file for another uid needs root";
  const std::string path = std::string(kShmDir) + "/" + name_ + ".lock";
  const int fd = ::open(path.c_str(), O_RDWR | O_CREAT | O_EXCL, 0600);
  ASSERT_GE(fd, 0);
  ASSERT_EQ(::fchown(fd, kStranger, kStranger), 0);
  ::close(fd);
  auto lock = OwnerLock::acquire(path);
  ::unlink(path.c_str());
  ASSERT_FALSE(lock);
  EXPECT_NE(lock.error().find("someone else created it"), std::string::npos) << lock.error();
}

}  // namespace
}  // namespace ose::shm
