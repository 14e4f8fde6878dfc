// Journal format 3, the compact record (persistence/journal_format.hpp, journal_payload.hpp;
// docs/DURABILITY.md "Format versions"): 16-byte header, the Input's 32 bytes of fixed fields,
// then only the payload the command's kind uses, a venue id cut after its last byte. Every
// kind round-trips to the identical Input; formats 1, 2 and 3 of one input decode to the same
// Input; a record whose size does not fit its kind is refused, never read as another command.
// The sizes below are worked out by hand from the command structs in engine/core/command.hpp.
#include <gtest/gtest.h>

#define XXH_INLINE_ALL
#include <xxhash.h>

#include <cstring>
#include <iterator>
#include <random>
#include <string>
#include <vector>

#include "persistence/journal_format.hpp"
#include "tests/persistence/persistence_support.hpp"

namespace ose {
namespace {

constexpr size_t kHeader = 16;
constexpr size_t kFixed = 32;  // seq 8, ts 8, source 2, reserved 6, op 1, reserved 7

// Bytes of the union each kind uses, by hand: BalanceCmd u16 u16 u32 Amount = 16; NewOrderCmd
// cl_id 8, four u16 8, four u8 4, u32 4, eight 8-byte fields 64 = 88; OrderRef u64 u64 u16 u16[3]
// = 24; AmendCmd ref + qty + price = 40; CancelAllCmd four u16 = 8; AckCmd ref + 48-byte id = 72;
// VenueRejectCmd ref + u16 reason + u16[3] = 32; FillCmd ref 24 + id 48 + qty, price, fee 24 +
// u16 u8 u8[5] 8 = 104; TickCmd u16 u8 u8[5] + six 8-byte fields = 56; SetStrategy, Halt,
// SetLeverage, Persistence 8; Timer and None 0.
struct Kind {
  Op op;
  size_t payload;
};
constexpr Kind kKinds[] = {
    {Op::kNone, 0},         {Op::kDeposit, 16},    {Op::kWithdraw, 16},   {Op::kNewOrder, 88},
    {Op::kCancel, 24},      {Op::kAmend, 40},      {Op::kCancelAll, 8},   {Op::kAck, 72},
    {Op::kVenueReject, 32}, {Op::kFill, 104},      {Op::kCancelAck, 24},  {Op::kExpired, 24},
    {Op::kTick, 56},        {Op::kSetStrategy, 8}, {Op::kHalt, 8},        {Op::kResume, 8},
    {Op::kSetLeverage, 8},  {Op::kTimer, 0},       {Op::kPersistence, 8},
};
static_assert(std::size(kKinds) == kOpCount, "a kind added to Op needs its size here");

// An input of `op` whose fixed fields and first `payload` union bytes are all non-zero (so a
// byte lost or moved shows), the rest of the union zero, as make_command() leaves it.
Input patterned(Op op, size_t payload, uint64_t seq = 77) {
  Input in{};
  in.seq = seq;
  in.ts = 1'700'000'000'123'456'789;
  in.source = 0x0203;
  for (uint16_t& r : in.reserved) r = 0x0405;
  in.cmd = make_command(op);
  for (uint8_t& r : in.cmd.reserved) r = 0x06;
  for (size_t i = 0; i < payload; ++i) in.cmd.bytes[i] = static_cast<uint8_t>(0x11 + i % 200);
  return in;
}

std::string encoded(const Input& in) {
  return std::string(encode_journal_record(in).view());
}

bool same(const Input& a, const Input& b) {
  return std::memcmp(&a, &b, sizeof a) == 0;
}

// Re-seals an edited value as the writer would (header size, then XXH3-64 of the value with the
// checksum field zero), so only the structure check can refuse it.
void reseal(std::string& v) {
  const auto size = static_cast<uint16_t>(v.size());
  std::memcpy(v.data() + 2, &size, sizeof size);
  std::memset(v.data() + 8, 0, 8);
  const uint64_t sum = XXH3_64bits(v.data(), v.size());
  std::memcpy(v.data() + 8, &sum, sizeof sum);
}

// Where a kind's venue id starts in the union (after its 24-byte OrderRef), and the bytes of a
// fill's payload that are not its id.
constexpr size_t kIdAt = 24;
constexpr size_t kFillWithoutId = 104 - 48;

TEST(JournalFormat3, EveryKindRoundTripsAtItsOwnSize) {
  for (const Kind& k : kKinds) {
    const Input in = patterned(k.op, k.payload);
    const std::string v = encoded(in);
    // A full 48-byte id (every byte non-zero) is not cut: fill and ack keep their whole size.
    EXPECT_EQ(v.size(), kHeader + kFixed + k.payload) << to_string(k.op);
    uint16_t version = 0;
    std::memcpy(&version, v.data(), sizeof version);
    EXPECT_EQ(version, 3);
    Input out{};
    ASSERT_EQ(decode_journal_record(v, 77, out), RecordProblem::kNone) << to_string(k.op);
    EXPECT_TRUE(same(out, in)) << to_string(k.op);
  }
}

TEST(JournalFormat3, AVenueIdIsCutAfterItsLastByte) {
  // A UUID trade id (36 bytes), then a short one, then none (a fill without one is MALFORMED,
  // but the journal holds what was applied).
  for (const char* id : {"3f2b8c1e-9d4a-4e7b-8c2d-1a2b3c4d5e6f", "9001", ""}) {
    Input fill = patterned(Op::kFill, 104);
    ASSERT_TRUE(VenueId::from(id, fill.cmd.fill.trade_id));
    const std::string v = encoded(fill);
    EXPECT_EQ(v.size(), kHeader + kFixed + kFillWithoutId + std::strlen(id)) << id;
    Input out{};
    ASSERT_EQ(decode_journal_record(v, 77, out), RecordProblem::kNone) << id;
    EXPECT_TRUE(same(out, fill)) << id;
    EXPECT_EQ(out.cmd.fill.trade_id.view(), id);
  }
  Input ack = patterned(Op::kAck, 72);
  ASSERT_TRUE(VenueId::from("OQCLML-BW3P3-BUCMWZ", ack.cmd.ack.venue_order_id));
  const std::string v = encoded(ack);
  EXPECT_EQ(v.size(), kHeader + kFixed + kIdAt + 19);
  Input out{};
  ASSERT_EQ(decode_journal_record(v, 77, out), RecordProblem::kNone);
  EXPECT_TRUE(same(out, ack));
  // An id with a NUL inside and bytes after it (not canonical: apply() refuses it) is kept up to
  // its last non-zero byte, NUL included, so replay refuses it again.
  Input odd = patterned(Op::kAck, 72);
  odd.cmd.ack.venue_order_id = VenueId{};
  std::memcpy(odd.cmd.ack.venue_order_id.bytes, "ab\0\0c", 5);
  const std::string w = encoded(odd);
  EXPECT_EQ(w.size(), kHeader + kFixed + kIdAt + 5);
  ASSERT_EQ(decode_journal_record(w, 77, out), RecordProblem::kNone);
  EXPECT_TRUE(same(out, odd));
}

TEST(JournalFormat3, BytesPastTheKindsPayloadAreKeptVerbatim) {
  // A client writes its ring directly: a cancel with a stray byte at the union's end, and an op
  // this build does not know, are journaled whole (152 bytes) and come back byte for byte.
  Input cancel = patterned(Op::kCancel, 24);
  cancel.cmd.bytes[103] = 0x5A;
  Input unknown = patterned(static_cast<Op>(200), 0);
  unknown.cmd.bytes[0] = 1;
  for (const Input& in : {cancel, unknown}) {
    const std::string v = encoded(in);
    EXPECT_EQ(v.size(), 152u);
    Input out{};
    ASSERT_EQ(decode_journal_record(v, 77, out), RecordProblem::kNone);
    EXPECT_TRUE(same(out, in));
  }
  // An unknown op with nothing in its union is 48 bytes, like a timer.
  EXPECT_EQ(encoded(patterned(static_cast<Op>(200), 0)).size(), kHeader + kFixed);
}

TEST(JournalFormat3, FormatsOneTwoAndThreeDecodeToTheSameInput) {
  for (const Kind& k : kKinds) {
    Input in = patterned(k.op, k.payload, 5);
    // Format 1 held ids as integers: the input whose id is 9001's digits is what it decodes to.
    // (Its encoder, a test helper, writes a fill's reserved bytes as 0.)
    if (k.op == Op::kFill) {
      in.cmd.fill.trade_id = VenueId::digits(9001);
      std::memset(in.cmd.fill.reserved, 0, sizeof in.cmd.fill.reserved);
    }
    if (k.op == Op::kAck) in.cmd.ack.venue_order_id = VenueId::digits(9001);
    const JournalRecord v1 = encode_journal_record_v1(in, 9001);
    const JournalRecord v2 = encode_journal_record_v2(in);
    const std::vector<std::string> values = {
        std::string(reinterpret_cast<const char*>(&v1), sizeof v1),
        std::string(reinterpret_cast<const char*>(&v2), sizeof v2), encoded(in)};
    for (size_t f = 0; f < values.size(); ++f) {
      Input out{};
      ASSERT_EQ(decode_journal_record(values[f], 5, out), RecordProblem::kNone)
          << to_string(k.op) << " format " << f + 1;
      EXPECT_TRUE(same(out, in)) << to_string(k.op) << " format " << f + 1;
    }
  }
}

TEST(JournalFormat3, ATruncatedRecordIsRefused) {
  const std::string v = encoded(patterned(Op::kNewOrder, 88));
  for (size_t n = 0; n < v.size(); ++n) {
    Input out{};
    EXPECT_EQ(decode_journal_record(v.substr(0, n), 77, out), RecordProblem::kSize) << n;
  }
  // Cut and re-sealed, the checksum holds: the kind's size refuses it.
  for (size_t n = kHeader + kFixed; n < v.size(); ++n) {
    std::string cut = v.substr(0, n);
    reseal(cut);
    Input out{};
    EXPECT_EQ(decode_journal_record(cut, 77, out), RecordProblem::kPayload) << n;
  }
}

TEST(JournalFormat3, AnOversizedRecordIsRefused) {
  const std::string v = encoded(patterned(Op::kTick, 56));
  std::string longer = v + std::string(1, '\x01');
  Input out{};
  EXPECT_EQ(decode_journal_record(longer, 77, out), RecordProblem::kSize);  // header says less
  reseal(longer);
  EXPECT_EQ(decode_journal_record(longer, 77, out), RecordProblem::kPayload);
  std::string huge = v + std::string(200, '\x01');
  EXPECT_EQ(decode_journal_record(huge, 77, out), RecordProblem::kSize);  // over 152 bytes
  // An ack's id may be 0 to 48 bytes: 49 is one too many.
  std::string ack = encoded(patterned(Op::kAck, 72)) + std::string(1, 'x');
  reseal(ack);
  EXPECT_EQ(decode_journal_record(ack, 77, out), RecordProblem::kPayload);
}

TEST(JournalFormat3, ARecordOfTheWrongKindIsRefused) {
  constexpr size_t kOpAt = kHeader + 24;
  const Input untouched = patterned(Op::kSetLeverage, 8);
  Input out = untouched;
  // A tick's 56 bytes labelled a cancel (24), a cancel's labelled a new order (88).
  std::string tick = encoded(patterned(Op::kTick, 56));
  tick[kOpAt] = static_cast<char>(Op::kCancel);
  reseal(tick);
  EXPECT_EQ(decode_journal_record(tick, 77, out), RecordProblem::kPayload);
  std::string cancel = encoded(patterned(Op::kCancel, 24));
  cancel[kOpAt] = static_cast<char>(Op::kNewOrder);
  reseal(cancel);
  EXPECT_EQ(decode_journal_record(cancel, 77, out), RecordProblem::kPayload);
  // A cut id never ends in NUL: an ack whose last byte is 0 is not this build's.
  Input ack = patterned(Op::kAck, 72);
  ASSERT_TRUE(VenueId::from("555", ack.cmd.ack.venue_order_id));
  std::string padded = encoded(ack) + std::string(1, '\0');
  reseal(padded);
  EXPECT_EQ(decode_journal_record(padded, 77, out), RecordProblem::kPayload);
  // A flag this build does not know; the verbatim flag on a compact payload.
  std::string flagged = encoded(patterned(Op::kCancel, 24));
  flagged[4] = 2;
  reseal(flagged);
  EXPECT_EQ(decode_journal_record(flagged, 77, out), RecordProblem::kPayload);
  flagged[4] = 1;
  reseal(flagged);
  EXPECT_EQ(decode_journal_record(flagged, 77, out), RecordProblem::kPayload);
  // The verbatim flag on a whole union whose bytes past the member are all zero: the encoder
  // writes that command compact, so this is not its record.
  std::string whole = encoded(patterned(Op::kCancel, 24)) + std::string(104 - 24, '\0');
  whole[4] = 1;
  reseal(whole);
  EXPECT_EQ(decode_journal_record(whole, 77, out), RecordProblem::kPayload);
  // Refused records leave `out` as it was.
  EXPECT_TRUE(same(out, untouched));
  EXPECT_EQ(describe(RecordProblem::kPayload),
            "its command's bytes do not fit its kind (a record this build does not write)");
}

TEST(JournalFormat3, ItsSeqMustBeItsKeys) {
  const std::string v = encoded(patterned(Op::kCancel, 24, 9));
  Input out{};
  EXPECT_EQ(decode_journal_record(v, 10, out), RecordProblem::kSeqMismatch);
  EXPECT_EQ(decode_journal_record(v, 9, out), RecordProblem::kNone);
}

// Damage never crashes the decoder nor slips through: random bytes flipped in, cut from or added
// to valid records are refused; and random values sealed with a valid checksum (so only the
// structure checks stand between them and replay) either are refused or decode to an Input that
// encodes back to exactly those bytes (one encoding per Input: nothing is misread).
TEST(JournalFormat3, RandomDamageIsRefusedAndWhatDecodesReencodesToItself) {
  std::mt19937_64 rng(1414);
  std::vector<std::string> valid;
  for (const Kind& k : kKinds) valid.push_back(encoded(patterned(k.op, k.payload)));
  Input fill = patterned(Op::kFill, 104);
  ASSERT_TRUE(VenueId::from("3f2b8c1e-9d4a", fill.cmd.fill.trade_id));
  valid.push_back(encoded(fill));
  int decoded = 0;
  for (int i = 0; i < 200'000; ++i) {
    const std::string& base = valid[rng() % valid.size()];
    std::string v = base;
    switch (rng() % 3) {
      case 0:  // flip 1 to 4 bits
        for (uint64_t b = 0, flips = 1 + rng() % 4; b < flips; ++b) {
          const size_t bit = rng() % (v.size() * 8);
          v[bit / 8] = static_cast<char>(v[bit / 8] ^ (1 << (bit % 8)));
        }
        break;
      case 1:  // cut
        v.resize(rng() % v.size());
        break;
      default:  // grow
        for (uint64_t b = 0, more = 1 + rng() % 64; b < more; ++b) {
          v.push_back(static_cast<char>(rng()));
        }
        break;
    }
    Input out{};
    if (v != base) {
      EXPECT_NE(decode_journal_record(v, 77, out), RecordProblem::kNone) << "case " << i;
    }
    // A random value of a valid header, op and seq, sealed.
    std::string r(16 + 32 + rng() % 105, '\0');
    for (char& c : r) c = static_cast<char>(rng());
    const uint16_t three = 3;
    std::memcpy(r.data(), &three, sizeof three);
    const uint32_t flags = static_cast<uint32_t>(rng() % 2);
    std::memcpy(r.data() + 4, &flags, sizeof flags);
    const uint64_t seq = 77;
    std::memcpy(r.data() + 16, &seq, sizeof seq);
    r[40] = static_cast<char>(rng() % (kOpCount + 2));
    if (rng() % 2 == 0) std::memset(r.data() + 48 + (r.size() - 48) / 2, 0, (r.size() - 48) / 2);
    reseal(r);
    if (decode_journal_record(r, 77, out) == RecordProblem::kNone) {
      ++decoded;
      EXPECT_EQ(encoded(out), r) << "case " << i;
    }
  }
  EXPECT_GT(decoded, 0);  // the structure checks, not just the sizes, were exercised
}

// A data_dir a format-2 build wrote (the same State layout, so the same genesis hash) is
// recovered by this build, and the records it adds are format 3: a journal of both formats
// replays to the live engine's hash, and verify finds nothing wrong.
TEST(JournalFormat3, AJournalOfFormat2RecordsThenFormat3OnesRecovers) {
  test::TempDir dir;
  const auto inputs = test::make_stream(test::stream_config(), 33, 300);
  JournalOptions no_snapshots;
  no_snapshots.snapshot_every = 1'000'000;
  const test::LiveRun live =
      test::run_live(test::stream_config(), dir.path(), inputs, no_snapshots);
  for (uint64_t seq = 1; seq <= 200; ++seq) {
    test::edit_value(dir.path(), false, seq, [&](std::string& bytes) {
      const JournalRecord v2 = encode_journal_record_v2(inputs[seq - 1]);
      bytes.assign(reinterpret_cast<const char*>(&v2), sizeof v2);
    });
  }
  Store store = test::open_store(dir.path(), true);
  auto rec = recover(test::stream_config(), store, {});
  ASSERT_TRUE(rec.ok()) << rec.error();
  EXPECT_EQ(rec->replayed, 300u);
  EXPECT_EQ(rec->state.hash(), live.live_hash);
  auto rep = verify_store(store);
  ASSERT_TRUE(rep.ok());
  EXPECT_TRUE(rep->problems.empty());
  // The edit took: record 1 is format 2, record 300 format 3.
  auto txn = lmdb::Txn::begin(store.env(), true);
  ASSERT_TRUE(txn.ok());
  for (const auto& [seq, format] : {std::pair<uint64_t, uint16_t>{1, 2}, {300, 3}}) {
    unsigned char kb[8];
    encode_seq_key(seq, kb);
    MDB_val k{8, kb}, v{};
    ASSERT_EQ(mdb_get(txn->get(), store.journal_db(), &k, &v), 0);
    uint16_t version = 0;
    std::memcpy(&version, v.mv_data, sizeof version);
    EXPECT_EQ(version, format) << seq;
  }
}

}  // namespace
}  // namespace ose
