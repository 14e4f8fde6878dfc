// Journal retention held back by replication ([engine].keep_unreplicated, replicated_mark.hpp):
// with a snapshot every 100 inputs and two kept, 600 inputs leave snapshots 500 and 600 and, by
// default, records 501..600. With keep_unreplicated, records after the acknowledged seq in
// replicated_seq stay; no file keeps everything; a mark past the oldest kept snapshot prunes as
// usual. Recovery lands on the live engine's hash in every case.
#include <gtest/gtest.h>

#include "persistence/replicated_mark.hpp"
#include "tests/persistence/persistence_support.hpp"

namespace ose::test {

namespace {

JournalOptions keeping_unreplicated() {
  JournalOptions o;
  o.snapshot_every = 100;
  o.snapshots_keep = 2;
  o.batch = 64;
  o.keep_unreplicated = true;
  return o;
}

struct Kept {
  uint64_t first_seq = 0;
  uint64_t records = 0;
  size_t snapshots = 0;
};

// 600 inputs journaled with keep_unreplicated, `mark` (0: no file) as the acknowledged seq.
Kept run_with_mark(const TempDir& dir, uint64_t mark) {
  if (mark != 0) {
    EXPECT_TRUE(write_replicated_mark(dir.path(), mark));
  }
  const auto inputs = make_stream(stream_config(), 7, 600);
  const LiveRun live = run_live(stream_config(), dir.path(), inputs, keeping_unreplicated());
  Store store = open_store(dir.path(), true);
  auto summary = store.summary(false);
  EXPECT_TRUE(summary.ok());
  auto rec = recover(stream_config(), store, {});
  EXPECT_TRUE(rec.ok()) << rec.error();
  if (rec.ok()) {
    EXPECT_EQ(rec->state_hash, live.live_hash);
  }
  return {summary->first_seq, summary->records, summary->snapshots.size()};
}

}  // namespace

TEST(KeepUnreplicated, NothingAcknowledgedNothingPruned) {
  TempDir dir;
  const Kept k = run_with_mark(dir, 0);
  EXPECT_EQ(k.snapshots, 2u) << "snapshots are still pruned";
  EXPECT_EQ(k.first_seq, 1u);
  EXPECT_EQ(k.records, 600u);
}

TEST(KeepUnreplicated, KeepsEveryRecordAfterTheAcknowledgedSeq) {
  TempDir dir;
  const Kept k = run_with_mark(dir, 250);
  EXPECT_EQ(k.snapshots, 2u);
  EXPECT_EQ(k.first_seq, 251u);
  EXPECT_EQ(k.records, 350u);
}

TEST(KeepUnreplicated, AMarkPastTheOldestKeptSnapshotPrunesAsUsual) {
  TempDir dir;
  const Kept k = run_with_mark(dir, 100'000);
  EXPECT_EQ(k.first_seq, 501u);
  EXPECT_EQ(k.records, 100u);
}

TEST(ReplicatedMark, ReadsBackWhatWasWrittenAndZeroWithoutAFile) {
  TempDir dir;
  EXPECT_EQ(read_replicated_mark(dir.path()), 0u);
  ASSERT_TRUE(write_replicated_mark(dir.path(), 12345));
  EXPECT_EQ(read_replicated_mark(dir.path()), 12345u);
  EXPECT_FALSE(write_replicated_mark(dir.path() + "/missing/dir", 1));
}

}  // namespace ose::test
