#include "persistence/journal_format.hpp"

#define XXH_STATIC_LINKING_ONLY
#include <xxhash.h>

#include <cstddef>
#include <cstring>
#include <type_traits>

#include "persistence/journal_payload.hpp"

namespace ose {

void encode_seq_key(uint64_t seq, unsigned char out[8]) noexcept {
  for (int i = 7; i >= 0; --i) {
    out[i] = static_cast<unsigned char>(seq & 0xFF);
    seq >>= 8;
  }
}

std::optional<uint64_t> decode_seq_key(std::string_view key) noexcept {
  if (key.size() != 8) return std::nullopt;
  uint64_t seq = 0;
  for (char c : key) seq = (seq << 8) | static_cast<unsigned char>(c);
  return seq;
}

namespace {

// Of `size` bytes at `value` (every format): the hash with the checksum field taken as 0.
uint64_t record_checksum(const void* value, size_t size) noexcept {
  unsigned char copy[kJournalRecordMaxSize];
  std::memcpy(copy, value, size);
  std::memset(copy + offsetof(JournalRecordHeader, checksum), 0, sizeof(uint64_t));
  return XXH3_64bits(copy, size);
}

JournalRecord fixed_record(uint16_t version, const Input& in) noexcept {
  JournalRecord r{};
  r.header.version = version;
  r.header.size = sizeof(JournalRecord);
  r.input = in;
  return r;
}

void seal(JournalRecord& r) noexcept {
  r.header.checksum = record_checksum(&r, sizeof r);
}

// Journal format 1's fill and ack: the same bytes up to the id, which was a u64 where the
// VenueId now starts. Every other command is byte for byte what format 2 holds.
struct FillCmdV1 {
  OrderRef ref;
  uint64_t trade_id;  // 0 was MALFORMED
  Qty qty;
  Price price;
  Amount fee;
  uint16_t fee_asset;
  uint8_t liquidity;
  uint8_t reserved[5];
};
struct AckCmdV1 {
  OrderRef ref;
  uint64_t venue_order_id;  // 0: none
};
static_assert(sizeof(FillCmdV1) == 64 && sizeof(AckCmdV1) == 32);
static_assert(std::is_trivially_copyable_v<FillCmdV1> && std::is_trivially_copyable_v<AckCmdV1>);

// 0 meant "none" (an ack) or was refused (a fill): the empty id keeps both meanings.
VenueId id_of_v1(uint64_t id) noexcept {
  return id == 0 ? VenueId{} : VenueId::digits(id);
}

// Format 1 → 2, in place: only fills and acks differ.
void upgrade_v1(Input& in) noexcept {
  if (in.cmd.op == Op::kFill) {
    FillCmdV1 old;
    std::memcpy(&old, in.cmd.bytes, sizeof old);
    Command c = make_command(Op::kFill);
    std::memcpy(c.reserved, in.cmd.reserved, sizeof c.reserved);
    c.fill.ref = old.ref;
    c.fill.trade_id = id_of_v1(old.trade_id);
    c.fill.qty = old.qty;
    c.fill.price = old.price;
    c.fill.fee = old.fee;
    c.fill.fee_asset = old.fee_asset;
    c.fill.liquidity = old.liquidity;
    std::memcpy(c.fill.reserved, old.reserved, sizeof c.fill.reserved);
    in.cmd = c;
  } else if (in.cmd.op == Op::kAck) {
    AckCmdV1 old;
    std::memcpy(&old, in.cmd.bytes, sizeof old);
    Command c = make_command(Op::kAck);
    std::memcpy(c.reserved, in.cmd.reserved, sizeof c.reserved);
    c.ack.ref = old.ref;
    c.ack.venue_order_id = id_of_v1(old.venue_order_id);
    in.cmd = c;
  }
}

}  // namespace

JournalRecord encode_journal_record_v1(const Input& in, uint64_t trade_or_venue_id) noexcept {
  JournalRecord r = fixed_record(1, in);
  if (in.cmd.op == Op::kFill) {
    const FillCmd& f = in.cmd.fill;
    FillCmdV1 old{f.ref, trade_or_venue_id, f.qty, f.price, f.fee, f.fee_asset, f.liquidity, {}};
    std::memset(r.input.cmd.bytes, 0, sizeof r.input.cmd.bytes);
    std::memcpy(r.input.cmd.bytes, &old, sizeof old);
  } else if (in.cmd.op == Op::kAck) {
    AckCmdV1 old{in.cmd.ack.ref, trade_or_venue_id};
    std::memset(r.input.cmd.bytes, 0, sizeof r.input.cmd.bytes);
    std::memcpy(r.input.cmd.bytes, &old, sizeof old);
  }
  seal(r);
  return r;
}

JournalRecord encode_journal_record_v2(const Input& in) noexcept {
  JournalRecord r = fixed_record(2, in);
  seal(r);
  return r;
}

EncodedRecord encode_journal_record(const Input& in) noexcept {
  EncodedRecord out;
  unsigned char* p = out.bytes + sizeof(JournalRecordHeader);
  std::memcpy(p, &in, kRecordFixedBytes);
  bool verbatim = false;
  out.size = sizeof(JournalRecordHeader) + kRecordFixedBytes +
             pack_payload(in.cmd, p + kRecordFixedBytes, verbatim);
  JournalRecordHeader h{};  // checksum 0 while the value is hashed
  h.version = kJournalFormatVersion;
  h.size = static_cast<uint16_t>(out.size);
  h.flags = verbatim ? kRecordVerbatim : 0;
  std::memcpy(out.bytes, &h, sizeof h);
  h.checksum = XXH3_64bits(out.bytes, out.size);
  std::memcpy(out.bytes, &h, sizeof h);
  return out;
}

std::string_view describe(RecordProblem p) noexcept {
  switch (p) {
    case RecordProblem::kNone:
      return "ok";
    case RecordProblem::kSize:
      return "wrong size (truncated or not a journal record)";
    case RecordProblem::kVersion:
      return "unknown journal format version (this build writes format 3 and reads formats 1 "
             "to 3)";
    case RecordProblem::kChecksum:
      return "checksum mismatch (corrupt bytes)";
    case RecordProblem::kSeqMismatch:
      return "its seq differs from its key";
    case RecordProblem::kPayload:
      return "its command's bytes do not fit its kind (a record this build does not write)";
  }
  return "?";
}

namespace {

// Formats 1 and 2, whose header checked out: the whole Input follows.
RecordProblem decode_fixed(std::string_view value, uint16_t version, uint64_t seq,
                           Input& out) noexcept {
  if (value.size() != sizeof(JournalRecord)) return RecordProblem::kSize;
  JournalRecord r;
  std::memcpy(&r, value.data(), sizeof r);
  if (r.header.checksum != record_checksum(&r, sizeof r)) return RecordProblem::kChecksum;
  if (r.input.seq != seq) return RecordProblem::kSeqMismatch;
  out = r.input;
  if (version == 1) upgrade_v1(out);
  return RecordProblem::kNone;
}

// Format 3: the fixed fields, then the payload its op and flags say.
RecordProblem decode_compact(std::string_view value, const JournalRecordHeader& h, uint64_t seq,
                             Input& out) noexcept {
  constexpr size_t kPayloadAt = sizeof(JournalRecordHeader) + kRecordFixedBytes;
  if (value.size() < kPayloadAt) return RecordProblem::kSize;
  // One copy, zero-padded: hashed with its checksum field zeroed, then read with fixed-size
  // copies (unpack_payload() takes the payload's zero tail as the union's).
  alignas(8) unsigned char buf[kJournalRecordMaxSize] = {};
  std::memcpy(buf, value.data(), value.size());
  std::memset(buf + offsetof(JournalRecordHeader, checksum), 0, sizeof h.checksum);
  if (h.checksum != XXH3_64bits(buf, value.size())) return RecordProblem::kChecksum;
  if ((h.flags & ~kRecordVerbatim) != 0) return RecordProblem::kPayload;
  const size_t n = value.size() - kPayloadAt;
  const unsigned char* payload = buf + kPayloadAt;
  const bool verbatim = (h.flags & kRecordVerbatim) != 0;
  Op op;
  std::memcpy(&op, buf + sizeof(JournalRecordHeader) + offsetof(Input, cmd), sizeof op);
  if (!payload_fits(op, verbatim, payload, n)) return RecordProblem::kPayload;
  uint64_t record_seq;
  std::memcpy(&record_seq, buf + sizeof(JournalRecordHeader), sizeof record_seq);
  if (record_seq != seq) return RecordProblem::kSeqMismatch;
  std::memcpy(static_cast<void*>(&out), buf + sizeof(JournalRecordHeader), kRecordFixedBytes);
  unpack_payload(op, verbatim, payload, out.cmd);
  return RecordProblem::kNone;
}

}  // namespace

RecordProblem decode_journal_record(std::string_view value, uint64_t seq, Input& out) noexcept {
  JournalRecordHeader h;
  if (value.size() < sizeof h || value.size() > kJournalRecordMaxSize) return RecordProblem::kSize;
  std::memcpy(&h, value.data(), sizeof h);
  if (h.size != value.size()) return RecordProblem::kSize;
  if (h.version < kJournalFormatOldestRead || h.version > kJournalFormatVersion) {
    return RecordProblem::kVersion;
  }
  return h.version < 3 ? decode_fixed(value, h.version, seq, out)
                       : decode_compact(value, h, seq, out);
}

namespace {

uint64_t snapshot_checksum(SnapshotHeader h, std::string_view bytes) noexcept {
  h.checksum = 0;
  XXH3_state_t st;
  XXH3_64bits_reset(&st);
  XXH3_64bits_update(&st, &h, sizeof h);
  XXH3_64bits_update(&st, bytes.data(), bytes.size());
  return XXH3_64bits_digest(&st);
}

}  // namespace

std::string encode_snapshot(uint64_t seq, uint64_t state_hash, int64_t wall_ns,
                            std::string_view state_bytes) {
  SnapshotHeader h{};
  h.magic = kSnapshotMagic;
  h.version = kSnapshotFormatVersion;
  h.seq = seq;
  h.state_hash = state_hash;
  h.size = state_bytes.size();
  h.taken_wall_ns = wall_ns;
  h.checksum = snapshot_checksum(h, state_bytes);
  std::string out(sizeof h + state_bytes.size(), '\0');
  std::memcpy(out.data(), &h, sizeof h);
  std::memcpy(out.data() + sizeof h, state_bytes.data(), state_bytes.size());
  return out;
}

void seal_snapshot(std::string& value, uint64_t seq, int64_t wall_ns) {
  const std::string_view bytes = std::string_view(value).substr(sizeof(SnapshotHeader));
  SnapshotHeader h{};
  h.magic = kSnapshotMagic;
  h.version = kSnapshotFormatVersion;
  h.seq = seq;
  h.state_hash = XXH3_64bits(bytes.data(), bytes.size());
  h.size = bytes.size();
  h.taken_wall_ns = wall_ns;
  h.checksum = snapshot_checksum(h, bytes);
  std::memcpy(value.data(), &h, sizeof h);
}

std::optional<SnapshotView> decode_snapshot(std::string_view value, std::string* why) {
  SnapshotView v{};
  if (value.size() < sizeof(SnapshotHeader)) {
    *why = "shorter than a snapshot header";
    return std::nullopt;
  }
  std::memcpy(&v.header, value.data(), sizeof v.header);
  if (v.header.magic != kSnapshotMagic) {
    *why = "bad magic number";
    return std::nullopt;
  }
  if (v.header.version != kSnapshotFormatVersion) {
    *why = "snapshot format version " + std::to_string(v.header.version) +
           " (this build reads only version " + std::to_string(kSnapshotFormatVersion) +
           "; recovery falls back to an older snapshot or replays the journal)";
    return std::nullopt;
  }
  if (v.header.size != value.size() - sizeof(SnapshotHeader)) {
    *why = "size does not match its header (truncated?)";
    return std::nullopt;
  }
  v.state_bytes = value.substr(sizeof(SnapshotHeader));
  if (snapshot_checksum(v.header, v.state_bytes) != v.header.checksum) {
    *why = "checksum mismatch (corrupt bytes)";
    return std::nullopt;
  }
  return v;
}

}  // namespace ose
