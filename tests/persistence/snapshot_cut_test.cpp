// Snapshot cuts (engine/runtime/snapshot_cut.hpp, docs/design/0009-snapshot-cut.md): a State
// copied in small slices while a mixed stream keeps writing to it must, when the cut finishes at
// seq S1, serialize to exactly the bytes of a straight copy of the State taken at S1 — across a
// write log that overflowed and across a restore(). Through the journal, incremental cuts are
// committed at their own seq and recovery from them reproduces the live engine's hash.
#include <gtest/gtest.h>

#include <cstring>

#include "tests/persistence/persistence_support.hpp"

namespace ose::test {
namespace {

// Room for 4096 orders: a region of ~1.7 MB, so a 16-64 KiB slice takes dozens of steps.
const EngineConfig& mid_config() {
  static const EngineConfig c = streams::load_stream_config(4'096, 1'024, 4'096);
  return c;
}

// Room for 40k orders: a retire ring long enough for thousands of separate writes in its
// unused half.
const EngineConfig& big_config() {
  static const EngineConfig c = streams::load_stream_config(40'000, 2'048, 4'096);
  return c;
}

struct CutCheck {
  uint64_t cuts = 0;
  uint64_t longest = 0;  // most inputs one cut spanned
};

// After an input: if a cut finished, it must equal a straight copy of the State now.
void check_finished(LiveEngine& e, uint64_t& started_at, CutCheck& check) {
  SnapshotCut& cut = e.cut();
  const auto seq = cut.ready();
  if (!seq) return;
  auto copy = e.state().clone();  // a straight copy at S1
  ASSERT_TRUE(copy.ok());
  ASSERT_EQ(*seq, copy->header().seq) << "the cut must hold the State at the seq it names";
  ASSERT_EQ(cut.view().serialize(), copy->serialize()) << "cut finished at seq " << *seq;
  ASSERT_EQ(cut.view().hash(), copy->hash());
  check.longest = std::max(check.longest, *seq - started_at);
  ++check.cuts;
  cut.release();
  cut.request();  // the next cut starts at the next step
  started_at = *seq;
}

TEST(SnapshotCut, ACutInSmallSlicesEqualsAStraightCopyAtItsSeq) {
  for (const uint64_t slice : {uint64_t{16} << 10, uint64_t{64} << 10}) {
    for (uint64_t seed = 1; seed <= 3; ++seed) {
      LiveEngine e(mid_config(), 0, slice);
      const auto inputs = make_stream(mid_config(), seed, 3'000);
      e.cut().request();
      uint64_t started_at = 0;
      CutCheck check;
      for (const Input& in : inputs) {
        e.apply(in);
        check_finished(e, started_at, check);
        if (HasFatalFailure()) return;
      }
      // Each cut spanned many inputs (so writes did land behind the cursor), and there were
      // several of them.
      EXPECT_GE(check.cuts, 3u) << "slice " << slice << " seed " << seed;
      EXPECT_GT(check.longest, 20u) << "slice " << slice << " seed " << seed;
      EXPECT_LE(e.cut().max_step_bytes(), slice) << "no step copies more than its slice";
    }
  }
}

// A cancel_all whose write log overflows (the input also rewrites thousands of separate words,
// more ranges than the log holds): the cut must treat the unversioned tables as written whole.
TEST(SnapshotCut, ACutAcrossAnOverflowingWriteLogStaysExact) {
  LiveEngine e(big_config(), 0, 256 << 10);
  const auto inputs = make_stream(big_config(), 11, 3'000);
  const uint32_t orders = e.state().caps().orders;
  e.cut().request();
  uint64_t started_at = 0;
  CutCheck check;
  uint64_t overflowed = 0;
  uint32_t salt = 1;
  NullEventSink sink;
  const uint64_t ring_end = e.state().header().offsets.order_index;
  for (const Input& in : inputs) {
    if (in.cmd.op == Op::kCancelAll && e.cut().cutting()) {
      // Idle passes (steps without an input) until the sweep is past the retire ring, so the
      // writes below land behind the cursor.
      while (e.cut().cutting() && e.cut().sweep_cursor() <= ring_end) e.cut().step(e.state());
    }
    ose::apply(e.state(), in, sink);
    if (in.cmd.op == Op::kCancelAll && e.cut().cutting()) {
      // The unused half of the retire ring (positions the ring has not reached: nothing reads
      // them, serialization does), every 4th word: separate ranges, 16 bytes apart, enough to
      // fill the log; then a few more at the ring's end, in chunks of their own, which the log
      // can no longer list.
      ASSERT_LT(e.state().header().retire_tail, orders / 2);
      for (uint32_t k = 0; k < WriteLog::kRangeCapacity; ++k) {
        e.state().edit_retire_ring(orders / 2 + 4 * k) ^= salt;
      }
      for (uint32_t k = 1; k <= 100; ++k) e.state().edit_retire_ring(orders - 4 * k) ^= salt;
      ++salt;
      ++overflowed;
    }
    e.end_input(in, nullptr);
    check_finished(e, started_at, check);
    if (HasFatalFailure()) return;
  }
  EXPECT_GE(overflowed, 3u) << "the stream should hold cancel_alls during cuts";
  EXPECT_GE(check.cuts, 3u);
}

// Writes scattered over a 7.7 MB order table (two records a step, fewer than the four chunks a
// 16 KiB step recopies) leave hundreds of dirty chunks when the sweep ends: the cut keeps
// recopying a slice a step while the dirty set shrinks, and never takes an oversized step.
TEST(SnapshotCut, ScatteredWritesConvergeInSliceSizedSteps) {
  LiveEngine e(big_config(), 0, 16 << 10);
  const uint32_t orders = e.state().caps().orders;
  WriteLog& log = e.log();
  SnapshotCut& cut = e.cut();
  cut.request();
  uint64_t rng = 0x9e3779b97f4a7c15ull;
  uint64_t steps = 0;
  while (!cut.ready()) {
    for (int k = 0; k < 2; ++k) {
      rng = rng * 6364136223846793005ull + 1442695040888963407ull;
      const auto slot = static_cast<uint32_t>((rng >> 33) % orders);
      OrderRecord& o = e.state().edit_order_at(slot);
      o.cl_id ^= 1;  // a changed byte the cut must carry
    }
    cut.after_input(e.state(), log);
    log.clear();
    cut.step(e.state());
    ASSERT_LT(++steps, 100'000u) << "the cut does not converge";
  }
  EXPECT_LE(cut.max_step_bytes(), uint64_t{16} << 10);
  // Most of those slots are unused (not serialized): compare the copied bytes themselves.
  const StateOffsets& o = e.state().header().offsets;
  EXPECT_EQ(std::memcmp(cut.view().region() + o.assets, e.state().region() + o.assets,
                        o.order_index - o.assets),
            0);
}

// restore() rewrites the whole region (the log says so): the cut starts its sweep again.
TEST(SnapshotCut, ACutAcrossARestoreStaysExact) {
  LiveEngine e(mid_config(), 0, 16 << 10);
  const auto inputs = make_stream(mid_config(), 21, 2'000);
  for (size_t i = 0; i < 500; ++i) e.apply(inputs[i]);
  const std::string at_500 = e.state().serialize();
  for (size_t i = 500; i < 1'200; ++i) e.apply(inputs[i]);
  e.cut().request();
  uint64_t started_at = e.state().header().seq;
  CutCheck check;
  for (size_t i = 1'200; i < 1'230; ++i) {
    e.apply(inputs[i]);
    check_finished(e, started_at, check);
  }
  ASSERT_TRUE(e.cut().cutting()) << "the restore must land in the middle of a cut";
  ASSERT_TRUE(e.state().restore(at_500).ok());
  e.end_input(Input{}, nullptr);
  EXPECT_EQ(e.state().header().seq, 500u);
  started_at = 500;
  for (size_t i = 500; i < inputs.size(); ++i) {
    e.apply(inputs[i]);
    check_finished(e, started_at, check);
    if (HasFatalFailure()) return;
  }
  EXPECT_GE(check.cuts, 2u);
}

// snapshot_every cuts through the journal in 16 KiB slices: each snapshot is committed at the seq
// it holds (a later one than the multiple that started it), equals a replay of the stream to
// that seq, and recovery from the newest plus the tail reaches the live hash.
TEST(SnapshotCut, IncrementalCutsCommitAtTheirSeqAndRecover) {
  TempDir dir;
  const EngineConfig& config = mid_config();
  const auto inputs = make_stream(config, 31, 3'000);
  Store store = open_store(dir.path(), false, 256ull << 20);
  ASSERT_TRUE(store.bind_genesis(genesis(config).hash()).ok());
  LiveEngine live(config, 500, 16 << 10);
  JournalOptions options;
  options.batch = 64;
  options.snapshot_every = 500;
  options.snapshots_keep = 1000;
  JournalStatus status{};
  auto journal =
      Journal::start(std::move(store), 0, &live.cut(), options, &status, [](const std::string&) {});
  ASSERT_TRUE(journal.ok()) << journal.error();
  for (const Input& in : inputs) live.apply(in, journal->get());
  ASSERT_TRUE((*journal)->stop(live.state().header().seq, live.state().hash()).ok());
  journal->reset();

  Store reader = open_store(dir.path(), true, 256ull << 20);
  auto summary = reader.summary(false);
  ASSERT_TRUE(summary.ok()) << summary.error();
  ASSERT_GE(summary->snapshots.size(), 4u);
  State replay = genesis(config);
  NullEventSink sink;
  size_t next = 0;
  for (const auto& snap : summary->snapshots) {
    EXPECT_GT(snap.seq % 500, 0u) << "a cut spans inputs: it ends past the multiple";
    while (replay.header().seq < snap.seq) ose::apply(replay, inputs[next++], sink);
    auto txn = lmdb::Txn::begin(reader.env(), true);
    ASSERT_TRUE(txn.ok());
    unsigned char kb[8];
    encode_seq_key(snap.seq, kb);
    MDB_val k{8, kb}, v{};
    ASSERT_EQ(mdb_get(txn->get(), reader.snapshots_db(), &k, &v), 0);
    std::string why;
    const auto view = decode_snapshot(lmdb::view(v), &why);
    ASSERT_TRUE(view.has_value()) << why;
    EXPECT_EQ(view->state_bytes, replay.serialize()) << "snapshot at seq " << snap.seq;
  }
  auto rec = recover(config, reader, {});
  ASSERT_TRUE(rec.ok()) << rec.error();
  EXPECT_EQ(rec->snapshot_seq, summary->snapshots.back().seq);
  EXPECT_EQ(rec->state_hash, live.state().hash());
}

}  // namespace
}  // namespace ose::test
