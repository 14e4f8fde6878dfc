// Journal → recovery round trips on seeded random streams: recovery lands on the live engine's
// state hash; every snapshot plus the journal after it equals a full replay from seq 1; a clean
// stop's checkpoint is verified; a tiny map grows on MDB_MAP_FULL without losing an input.
#include <gtest/gtest.h>

#include "tests/persistence/persistence_support.hpp"

namespace ose::test {
namespace {

JournalOptions options(uint64_t snapshot_every, uint32_t keep = 1000) {
  JournalOptions o;
  o.snapshot_every = snapshot_every;
  o.snapshots_keep = keep;
  o.batch = 64;
  return o;
}

// Replays journal records (from_seq, end] onto `state`, independently of recover().
void replay_tail(Store& store, State& state) {
  auto txn = lmdb::Txn::begin(store.env(), true);
  ASSERT_TRUE(txn.ok());
  auto cur = lmdb::Cursor::open(*txn, store.journal_db());
  ASSERT_TRUE(cur.ok());
  unsigned char kb[8];
  encode_seq_key(state.header().seq + 1, kb);
  MDB_val k{8, kb}, v{};
  NullEventSink sink;
  for (int rc = cur->get(k, v, MDB_SET_RANGE); rc == 0; rc = cur->get(k, v, MDB_NEXT)) {
    const uint64_t seq = *decode_seq_key(lmdb::view(k));
    ASSERT_EQ(seq, state.header().seq + 1) << "gap in the journal";
    Input in;
    ASSERT_EQ(decode_journal_record(lmdb::view(v), seq, in), RecordProblem::kNone);
    apply(state, in, sink);
  }
}

TEST(Recovery, RecoveredStateHashEqualsTheLiveEngineForManyStreams) {
  for (uint64_t seed = 1; seed <= 12; ++seed) {
    TempDir dir;
    const auto inputs = make_stream(stream_config(), seed, 400);
    const LiveRun live = run_live(stream_config(), dir.path(), inputs, options(97));
    Store store = open_store(dir.path(), true);
    auto rec = recover(stream_config(), store, {});
    ASSERT_TRUE(rec.ok()) << rec.error();
    EXPECT_EQ(rec->state.header().seq, 400u) << "seed " << seed;
    EXPECT_EQ(rec->state_hash, live.live_hash) << "seed " << seed;
    EXPECT_EQ(rec->snapshot_seq, 388u) << "the newest snapshot is at 4 × 97";
    EXPECT_EQ(rec->replayed, 12u);
    EXPECT_TRUE(rec->state.integrity_problem().empty());
  }
}

TEST(Recovery, EverySnapshotPlusItsTailEqualsAFullReplay) {
  TempDir dir;
  const auto inputs = make_stream(stream_config(), 77, 500);
  const LiveRun live = run_live(stream_config(), dir.path(), inputs, options(50));
  EXPECT_EQ(live.snapshots_taken, 10u);
  Store store = open_store(dir.path(), true);
  RecoverOptions full;
  full.use_snapshots = false;
  auto from_start = recover(stream_config(), store, full);
  ASSERT_TRUE(from_start.ok()) << from_start.error();
  EXPECT_EQ(from_start->snapshot_seq, 0u);
  EXPECT_EQ(from_start->replayed, 500u);
  EXPECT_EQ(from_start->state_hash, live.live_hash);

  auto summary = store.summary(true);
  ASSERT_TRUE(summary.ok());
  ASSERT_EQ(summary->snapshots.size(), 10u);
  for (const SnapshotInfo& info : summary->snapshots) {
    SCOPED_TRACE(info.seq);
    EXPECT_TRUE(info.problem.empty()) << info.problem;
    auto txn = lmdb::Txn::begin(store.env(), true);
    ASSERT_TRUE(txn.ok());
    unsigned char kb[8];
    encode_seq_key(info.seq, kb);
    MDB_val k{8, kb}, v{};
    ASSERT_EQ(mdb_get(txn->get(), store.snapshots_db(), &k, &v), 0);
    std::string why;
    auto snap = decode_snapshot(lmdb::view(v), &why);
    ASSERT_TRUE(snap.has_value()) << why;
    State state = genesis(stream_config());
    ASSERT_TRUE(state.restore(snap->state_bytes).ok());
    txn->abort();
    EXPECT_EQ(state.header().seq, info.seq);
    EXPECT_EQ(state.hash(), snap->header.state_hash);
    replay_tail(store, state);
    EXPECT_EQ(state.hash(), from_start->state_hash);
  }
}

TEST(Recovery, PrunesToTheNewestSnapshotsAndStillRecovers) {
  TempDir dir;
  const auto inputs = make_stream(stream_config(), 5, 600);
  const LiveRun live = run_live(stream_config(), dir.path(), inputs, options(100, 2));
  Store store = open_store(dir.path(), true);
  auto summary = store.summary(false);
  ASSERT_TRUE(summary.ok());
  ASSERT_EQ(summary->snapshots.size(), 2u);
  EXPECT_EQ(summary->snapshots[0].seq, 500u);
  EXPECT_EQ(summary->snapshots[1].seq, 600u);
  // The journal up to the oldest kept snapshot is gone; what remains starts right after it.
  EXPECT_EQ(summary->first_seq, 501u);
  EXPECT_EQ(summary->last_seq, 600u);
  EXPECT_EQ(summary->records, 100u);
  auto rec = recover(stream_config(), store, {});
  ASSERT_TRUE(rec.ok()) << rec.error();
  EXPECT_EQ(rec->state_hash, live.live_hash);
}

TEST(Recovery, ACleanStopLeavesACheckpointThatRecoveryMatches) {
  TempDir dir;
  const auto inputs = make_stream(stream_config(), 9, 200);
  const LiveRun live = run_live(stream_config(), dir.path(), inputs, options(1'000'000));
  Store store = open_store(dir.path(), true);
  auto summary = store.summary(false);
  ASSERT_TRUE(summary.ok());
  ASSERT_TRUE(summary->checkpoint.has_value());
  EXPECT_EQ(summary->checkpoint->seq, 200u);
  EXPECT_EQ(summary->checkpoint->state_hash, live.live_hash);
  auto rec = recover(stream_config(), store, {});
  ASSERT_TRUE(rec.ok()) << rec.error();
  EXPECT_EQ(rec->snapshot_seq, 0u);
  EXPECT_EQ(rec->state_hash, live.live_hash);
}

TEST(Recovery, RecoversUpToAGivenSeq) {
  TempDir dir;
  const auto inputs = make_stream(stream_config(), 11, 300);
  run_live(stream_config(), dir.path(), inputs, options(1'000'000));
  // The state after input 150, computed without the journal.
  State expected = genesis(stream_config());
  NullEventSink sink;
  for (int i = 0; i < 150; ++i) apply(expected, inputs[static_cast<size_t>(i)], sink);
  Store store = open_store(dir.path(), true);
  RecoverOptions o;
  o.up_to_seq = 150;
  auto rec = recover(stream_config(), store, o);
  ASSERT_TRUE(rec.ok()) << rec.error();
  EXPECT_EQ(rec->state.header().seq, 150u);
  EXPECT_EQ(rec->state_hash, expected.hash());
}

TEST(Recovery, ATinyMapGrowsOnMapFullAndLosesNothing) {
  TempDir dir;
  const auto inputs = make_stream(stream_config(), 3, 3000);
  // 3000 records of 152 bytes and snapshots of ~100 KB each do not fit in 256 KiB.
  const LiveRun live = run_live(stream_config(), dir.path(), inputs, options(500), 256 << 10);
  Store store = open_store(dir.path(), true);
  auto summary = store.summary(false);
  ASSERT_TRUE(summary.ok());
  EXPECT_GT(summary->map_size, uint64_t{256} << 10);
  EXPECT_EQ(summary->records, 3000u);
  RecoverOptions full;
  full.use_snapshots = false;
  auto rec = recover(stream_config(), store, full);
  ASSERT_TRUE(rec.ok()) << rec.error();
  EXPECT_EQ(rec->state_hash, live.live_hash);
}

TEST(Recovery, AJournalWrittenUnderAnotherConfigIsRefused) {
  TempDir dir;
  run_live(stream_config(), dir.path(), make_stream(stream_config(), 2, 10), options(1000));
  const EngineConfig other = streams::load_stream_config(128, 32);  // more order slots
  Store store = open_store(dir.path(), true);
  auto rec = recover(other, store, {});
  ASSERT_FALSE(rec.ok());
  EXPECT_NE(rec.error().find("written under another config"), std::string::npos) << rec.error();
}

TEST(Recovery, AnEmptyDataDirRecoversTheConfigsInitialState) {
  TempDir dir;
  Store store = open_store(dir.path(), false);
  auto rec = recover(stream_config(), store, {});
  ASSERT_TRUE(rec.ok()) << rec.error();
  EXPECT_EQ(rec->state.header().seq, 0u);
  EXPECT_EQ(rec->state_hash, genesis(stream_config()).hash());
}

}  // namespace
}  // namespace ose::test
