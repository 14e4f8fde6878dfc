// Damaged stores: a flipped byte in a snapshot makes recovery fall back to the one before; a
// corrupt, truncated or missing journal record stops recovery with an error naming its seq, and
// `verify_store` (`ose journal verify`) finds each.
#include <gtest/gtest.h>

#include "tests/persistence/persistence_support.hpp"

namespace ose::test {
namespace {

JournalOptions every(uint64_t n) {
  JournalOptions o;
  o.snapshot_every = n;
  o.snapshots_keep = 1000;
  return o;
}

class Damaged : public ::testing::Test {
 protected:
  void SetUp() override {
    inputs_ = make_stream(stream_config(), 21, 330);  // snapshots at 100, 200, 300
    live_ = run_live(stream_config(), dir_.path(), inputs_, every(100));
  }
  Result<Recovered> recover_now(RecoverOptions o = {}) {
    Store store = open_store(dir_.path(), true);
    return recover(stream_config(), store, o);
  }
  std::vector<ReplayProblem> problems() {
    Store store = open_store(dir_.path(), true);
    auto rep = verify_store(store);
    EXPECT_TRUE(rep.ok());
    return rep->problems;
  }

  TempDir dir_;
  std::vector<Input> inputs_;
  LiveRun live_;
};

TEST_F(Damaged, AFlippedByteInTheNewestSnapshotFallsBackToTheOneBefore) {
  edit_value(dir_.path(), true, 300, [](std::string& b) { b[b.size() / 2] ^= 0x01; });
  std::vector<std::string> notes;
  RecoverOptions o;
  o.log = [&](const std::string& m) { notes.push_back(m); };
  auto rec = recover_now(o);
  ASSERT_TRUE(rec.ok()) << rec.error();
  EXPECT_EQ(rec->snapshot_seq, 200u);
  EXPECT_EQ(rec->replayed, 130u);
  EXPECT_EQ(rec->state_hash, live_.live_hash);
  ASSERT_EQ(notes.size(), 1u);
  EXPECT_NE(notes[0].find("snapshot at seq 300 is unusable (checksum mismatch"), std::string::npos)
      << notes[0];
  const auto p = problems();
  ASSERT_EQ(p.size(), 1u);
  EXPECT_EQ(p[0].seq, 300u);
}

TEST_F(Damaged, EverySnapshotCorruptReplaysFromTheStart) {
  for (uint64_t seq : {100, 200, 300}) {
    edit_value(dir_.path(), true, seq, [](std::string& b) { b.resize(b.size() - 7); });
  }
  auto rec = recover_now();
  ASSERT_TRUE(rec.ok()) << rec.error();
  EXPECT_EQ(rec->snapshot_seq, 0u);
  EXPECT_EQ(rec->replayed, 330u);
  EXPECT_EQ(rec->state_hash, live_.live_hash);
}

TEST_F(Damaged, ACorruptJournalRecordStopsRecoveryNamingItsSeq) {
  edit_value(dir_.path(), false, 310, [](std::string& b) { b[40] ^= 0x10; });
  auto rec = recover_now();
  ASSERT_FALSE(rec.ok());
  EXPECT_NE(rec.error().find("journal record 310 is corrupt (checksum mismatch"), std::string::npos)
      << rec.error();
  EXPECT_NE(rec.error().find("state past seq 309 is not served"), std::string::npos);
  // Up to the record before it, recovery still works and matches a replay of the inputs.
  RecoverOptions o;
  o.up_to_seq = 309;
  auto before = recover_now(o);
  ASSERT_TRUE(before.ok()) << before.error();
  State expected = genesis(stream_config());
  NullEventSink sink;
  for (size_t i = 0; i < 309; ++i) apply(expected, inputs_[i], sink);
  EXPECT_EQ(before->state_hash, expected.hash());
  const auto p = problems();
  ASSERT_EQ(p.size(), 1u);
  EXPECT_EQ(p[0].seq, 310u);
}

TEST_F(Damaged, ATruncatedJournalRecordStopsRecoveryNamingItsSeq) {
  edit_value(dir_.path(), false, 315, [](std::string& b) { b.resize(100); });
  auto rec = recover_now();
  ASSERT_FALSE(rec.ok());
  EXPECT_NE(rec.error().find("journal record 315 is corrupt (wrong size"), std::string::npos)
      << rec.error();
}

TEST_F(Damaged, AMissingJournalRecordStopsRecoveryNamingItsSeq) {
  {
    Store store = open_store(dir_.path(), false);
    auto txn = lmdb::Txn::begin(store.env(), false);
    ASSERT_TRUE(txn.ok());
    unsigned char kb[8];
    encode_seq_key(320, kb);
    MDB_val k{8, kb};
    ASSERT_EQ(mdb_del(txn->get(), store.journal_db(), &k, nullptr), 0);
    ASSERT_EQ(txn->commit(), 0);
  }
  auto rec = recover_now();
  ASSERT_FALSE(rec.ok());
  EXPECT_NE(rec.error().find("journal record 320 is missing"), std::string::npos) << rec.error();
  const auto p = problems();
  ASSERT_EQ(p.size(), 1u);
  EXPECT_EQ(p[0].seq, 320u);
}

TEST_F(Damaged, ARecordUnderTheWrongKeyIsCaught) {
  // A valid record for seq 322 stored under key 323: its checksum holds, its seq does not.
  std::string record_322;
  edit_value(dir_.path(), false, 322, [&](std::string& b) { record_322 = b; });
  edit_value(dir_.path(), false, 323, [&](std::string& b) { b = record_322; });
  auto rec = recover_now();
  ASSERT_FALSE(rec.ok());
  EXPECT_NE(rec.error().find("journal record 323 is corrupt (its seq differs from its key"),
            std::string::npos)
      << rec.error();
}

TEST_F(Damaged, TruncatingFromTheBadRecordLetsTheEngineStartBeforeIt) {
  edit_value(dir_.path(), false, 310, [](std::string& b) { b[60] ^= 0x01; });
  {
    Store store = open_store(dir_.path(), false);
    auto removed = store.truncate_from(310);
    ASSERT_TRUE(removed.ok()) << removed.error();
    EXPECT_EQ(*removed, 21u);
  }
  auto rec = recover_now();
  ASSERT_TRUE(rec.ok()) << rec.error();
  EXPECT_EQ(rec->state.header().seq, 309u);
  EXPECT_EQ(rec->snapshot_seq, 300u);
}

TEST(JournalFormat, KeysSortInSeqOrderAndRoundTrip) {
  unsigned char a[8], b[8];
  encode_seq_key(255, a);
  encode_seq_key(256, b);
  EXPECT_LT(std::memcmp(a, b, 8), 0);
  EXPECT_EQ(a[7], 0xFF);
  EXPECT_EQ(b[6], 0x01);
  EXPECT_EQ(decode_seq_key({reinterpret_cast<char*>(b), 8}), 256u);
  EXPECT_FALSE(decode_seq_key("short").has_value());
}

TEST(JournalFormat, EveryFlippedBitOfARecordIsDetected) {
  Input in{};
  in.seq = 42;
  in.ts = 1'700'000'000'000'000'000;
  in.source = 3;
  in.cmd = make_command(Op::kCancel);
  in.cmd.cancel.cl_id = 7;
  const std::string bytes(encode_journal_record(in).view());
  Input out;
  ASSERT_EQ(decode_journal_record(bytes, 42, out), RecordProblem::kNone);
  EXPECT_EQ(std::memcmp(&out, &in, sizeof in), 0);
  for (size_t bit = 0; bit < bytes.size() * 8; ++bit) {
    std::string flipped = bytes;
    flipped[bit / 8] = static_cast<char>(flipped[bit / 8] ^ (1 << (bit % 8)));
    EXPECT_NE(decode_journal_record(flipped, 42, out), RecordProblem::kNone) << "bit " << bit;
  }
}

}  // namespace
}  // namespace ose::test
