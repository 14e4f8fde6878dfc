// A damaged data.mdb never takes down whoever checks it: the meta pages are read with pread, and
// the walk runs in a child whose death becomes "damaged in …" (persistence/store_check.hpp).
// The damage is made on a real journal (a live run with snapshots), compacted by backup so that
// every page of the file is in use.
#include <gtest/gtest.h>
#include <signal.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include <fstream>

#include "persistence/store_check.hpp"
#include "tests/persistence/persistence_support.hpp"

namespace ose::test {
namespace {

constexpr uint64_t kPage = 4096;

class CheckedStore : public ::testing::Test {
 protected:
  void SetUp() override {
    JournalOptions o;
    o.snapshot_every = 100;
    o.snapshots_keep = 1000;
    run_live(stream_config(), dir_.sub("live"), make_stream(stream_config(), 5, 600), o);
    Store live = open_store(dir_.sub("live"), true);
    ASSERT_TRUE(live.backup(copy_dir()).ok());
  }
  std::string copy_dir() const { return dir_.sub("copy"); }
  std::string data() const { return copy_dir() + "/data.mdb"; }
  uint64_t file_size() const {
    struct stat st {};
    ::stat(data().c_str(), &st);
    return static_cast<uint64_t>(st.st_size);
  }
  void overwrite_page(uint64_t pgno, char fill) {
    std::fstream f(data(), std::ios::in | std::ios::out | std::ios::binary);
    f.seekp(static_cast<std::streamoff>(pgno * kPage));
    const std::string page(kPage, fill);
    f.write(page.data(), static_cast<std::streamsize>(page.size()));
  }

  TempDir dir_;
};

TEST_F(CheckedStore, PassesTheUndamagedCopyWithItsCounts) {
  const StoreCheck c = check_store(copy_dir());
  ASSERT_TRUE(c.present);
  EXPECT_TRUE(c.sound()) << describe_problems(c.report);
  EXPECT_EQ(c.report.records, 600u);  // nothing pruned: snapshots_keep is 1000
  EXPECT_EQ(c.report.first_seq, 1u);
  EXPECT_EQ(c.report.last_seq, 600u);
  EXPECT_EQ(c.report.snapshots, 6u);  // at 100, 200, …, 600
  EXPECT_EQ(c.report.pruned_through, 0u);
}

TEST_F(CheckedStore, RefusesATruncatedFileFromItsMetaPageAlone) {
  const uint64_t size = file_size();
  ASSERT_EQ(::truncate(data().c_str(), static_cast<off_t>(size / 2 + 1000)), 0);
  auto meta = read_lmdb_meta(data());
  ASSERT_FALSE(meta.ok());
  EXPECT_NE(meta.error().find("the file is truncated"), std::string::npos) << meta.error();
  const StoreCheck c = check_store(copy_dir());
  EXPECT_TRUE(c.present);
  EXPECT_FALSE(c.readable());
  EXPECT_TRUE(c.report.blocks_recovery());
}

TEST_F(CheckedStore, RefusesAnEmptyFileAndAFileInPlaceOfTheDirectory) {
  ASSERT_EQ(::truncate(data().c_str(), 0), 0);
  StoreCheck c = check_store(copy_dir());
  EXPECT_FALSE(c.readable());
  ASSERT_FALSE(c.report.problems.empty());
  EXPECT_NE(c.report.problems[0].what.find("is empty"), std::string::npos);
  std::ofstream(dir_.sub("plain")).put('x');
  c = check_store(dir_.sub("plain"));
  EXPECT_FALSE(c.readable());
  EXPECT_NE(c.report.problems[0].what.find("is not a directory"), std::string::npos);
}

TEST_F(CheckedStore, ReportsAMissingEnvironmentAsAbsentNotDamaged) {
  const StoreCheck c = check_store(dir_.sub("nothing-here"));
  EXPECT_FALSE(c.present);
  EXPECT_TRUE(c.report.problems.empty());
}

TEST_F(CheckedStore, SurvivesAWalkThatFaultsOnEveryZeroedPage) {
  // Each page of the journal's leaves zeroed in turn: the walk may end on an LMDB error, an
  // assert or a fault in the child; this process lives on and every case is damage.
  const uint64_t pages = file_size() / kPage;
  ASSERT_GT(pages, 8u);
  for (uint64_t pgno = 2; pgno < pages; pgno += 3) {
    std::filesystem::copy_file(data(), dir_.sub("pristine.mdb"),
                               std::filesystem::copy_options::overwrite_existing);
    overwrite_page(pgno, '\0');
    const StoreCheck c = check_store(copy_dir());
    EXPECT_TRUE(c.present);
    EXPECT_FALSE(c.sound()) << "page " << pgno << " zeroed went unnoticed";
    std::filesystem::copy_file(dir_.sub("pristine.mdb"), data(),
                               std::filesystem::copy_options::overwrite_existing);
  }
  EXPECT_TRUE(check_store(copy_dir()).sound());
}

TEST_F(CheckedStore, FindsNoDamageWhileAWriterCommitsBesideIt) {
  // `ose export --follow` checks a journal an engine is writing. The read transaction holds an
  // old snapshot while the writer's commits move the newest meta page on (and, since the old
  // pages are pinned, its last page too): the page audit must use the snapshot's own books.
  const pid_t writer = ::fork();
  ASSERT_GE(writer, 0);
  if (writer == 0) {
    auto store = Store::open(copy_dir(), lmdb::Env::Options{});
    if (!store.ok()) ::_exit(2);
    for (;;) {
      if (!store->write_checkpoint(Checkpoint{600, 1}).ok()) ::_exit(3);
    }
  }
  Store reader = open_store(copy_dir(), true);
  int unsound = 0;
  std::string first_problem;
  for (int pass = 0; pass < 200; ++pass) {
    auto rep = verify_store(reader);
    ASSERT_TRUE(rep.ok()) << rep.error();
    if (!rep->structure_sound || !rep->problems.empty()) {
      if (unsound++ == 0) first_problem = describe_problems(*rep);
    }
  }
  ::kill(writer, SIGKILL);
  int status = 0;
  ::waitpid(writer, &status, 0);
  ASSERT_TRUE(WIFSIGNALED(status)) << "the writer stopped early, exit " << WEXITSTATUS(status);
  EXPECT_EQ(unsound, 0) << first_problem;
}

TEST(PrunedJournal, IsNamedAsRetentionNotDamage) {
  TempDir dir;
  JournalOptions o;
  o.snapshot_every = 100;
  o.snapshots_keep = 2;  // at 600: snapshots 500 and 600 kept, records 1..500 pruned
  run_live(stream_config(), dir.path(), make_stream(stream_config(), 6, 650), o);
  const StoreCheck c = check_store(dir.path());
  ASSERT_TRUE(c.sound()) << describe_problems(c.report);
  EXPECT_EQ(c.report.first_seq, 501u);
  EXPECT_EQ(c.report.pruned_through, 500u);
  Store store = open_store(dir.path(), true);
  RecoverOptions from_one;
  from_one.use_snapshots = false;
  auto rec = recover(stream_config(), store, from_one);
  ASSERT_FALSE(rec.ok());
  EXPECT_NE(rec.error().find("pruned by retention"), std::string::npos) << rec.error();
  RecoverOptions oldest;
  oldest.oldest_snapshot = true;
  rec = recover(stream_config(), store, oldest);
  ASSERT_TRUE(rec.ok()) << rec.error();
  EXPECT_EQ(rec->snapshot_seq, 500u);
  EXPECT_EQ(rec->replayed, 150u);
}

}  // namespace
}  // namespace ose::test
