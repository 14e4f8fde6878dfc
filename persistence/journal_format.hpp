// The bytes the journal and the snapshot store hold (DESIGN §7). Keys are big-endian u64 seqs,
// so LMDB's byte order is seq order and MDB_APPEND applies. A journal value is a small header
// (format version, size, flags, checksum) and the Input exactly as the Runner applied it, its
// command cut to the bytes its kind uses (format 3, below); a snapshot value is a header (seq,
// state hash, checksum) and the State's canonical serialization.
//
// The checksum is xxHash3-64 (the project's hash) rather than a CRC: it detects the same
// flipped bits and truncations and costs ~10 ns per journal record, where a table-driven CRC-32
// would cost more than applying the input (recovery's budget is 200 ns per input).
#pragma once

#include <cstddef>
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

#include "engine/core/command.hpp"

namespace ose {

// 2: string venue ids (FillCmd::trade_id and AckCmd::venue_order_id are 48-byte VenueIds).
// Format-1 records are still read: decode_journal_record() converts their integer ids to their
// decimal digits (0, which format 1 held for "none", to the empty id), so an old journal replays
// to the same outcomes. Snapshots hold the State's layout, which changed with it: a format-1
// snapshot is refused, naming both versions, and recovery falls back to an older one or replays.
// 3: compact records (issue 14). A value is the header, the Input's fixed fields (seq, ts,
// source, op: 32 bytes) and only the payload the command's kind uses — 0 to 104 bytes, a venue id
// cut after its last byte (persistence/journal_payload.hpp) — instead of the whole 112-byte
// command: 48 + payload bytes, 152 at most, where formats 1 and 2 always take 152. The LMDB cost
// per input (pages allocated, copied and written at commit; pages recovery reads) shrinks with
// it. Decoding rebuilds the identical Input, so replay is unchanged; formats 1 and 2 are still
// read.
inline constexpr uint16_t kJournalFormatVersion = 3;
inline constexpr uint16_t kJournalFormatOldestRead = 1;
// The oldest format whose builds laid the State out as this one does: a journal of an older one
// has a genesis hash no config of this build gives. Format 3 came with state layout 4 (8-byte
// index entries, ring positions in the header), so a format-2 journal on disk is an older
// build's. (One of this build's genesis with format-2 records, as a test writes, still binds.)
inline constexpr uint16_t kJournalFormatOfThisStateLayout = 3;
inline constexpr uint16_t kSnapshotFormatVersion = 2;
inline constexpr uint32_t kSnapshotMagic = 0x50'4E'53'4Fu;  // "OSNP" little-endian

using SeqKey = unsigned char[8];
void encode_seq_key(uint64_t seq, unsigned char out[8]) noexcept;
// nullopt unless exactly 8 bytes.
std::optional<uint64_t> decode_seq_key(std::string_view key) noexcept;

// Every format's first 16 bytes.
struct JournalRecordHeader {
  uint16_t version;   // the format
  uint16_t size;      // bytes of the whole value
  uint32_t flags;     // format 3: kRecordVerbatim or 0; formats 1 and 2: 0
  uint64_t checksum;  // XXH3-64 of every other byte of the value
};
static_assert(sizeof(JournalRecordHeader) == 16);
// Format 3: the payload is the whole command union, byte for byte (pack_payload()'s `verbatim`).
inline constexpr uint32_t kRecordVerbatim = 1;

// Formats 1 and 2: the header and the whole Input, always 152 bytes.
struct JournalRecord {
  JournalRecordHeader header;
  Input input;
};
static_assert(sizeof(JournalRecord) == 152);

// Format 3: the header, then these bytes of the Input (seq, ts, source, reserved, op and the
// command's reserved bytes), then its payload.
inline constexpr size_t kRecordFixedBytes = offsetof(Input, cmd) + offsetof(Command, bytes);
static_assert(kRecordFixedBytes == 32 && offsetof(Input, seq) == 0);
inline constexpr size_t kJournalRecordMaxSize = sizeof(JournalRecordHeader) + sizeof(Input);
static_assert(kJournalRecordMaxSize == 152);

// A format-3 value ready to store: the first `size` bytes.
struct EncodedRecord {
  alignas(8) unsigned char bytes[kJournalRecordMaxSize];
  size_t size;
  std::string_view view() const noexcept { return {reinterpret_cast<const char*>(bytes), size}; }
};

EncodedRecord encode_journal_record(const Input& in) noexcept;
// Records of the previous formats, for tests that need an old journal: format 2 (`in` whole),
// format 1 (integer ids: `trade_id` / `venue_order_id` are written as those numbers).
JournalRecord encode_journal_record_v2(const Input& in) noexcept;
JournalRecord encode_journal_record_v1(const Input& in, uint64_t trade_or_venue_id) noexcept;

// kPayload: the checksum holds, but the bytes after the fixed fields are not what this build
// writes for the record's kind (a size another kind has, a cut venue id ending in NUL, a flag it
// does not know, a verbatim union with nothing past the member): refused rather than read as
// some other command. What decodes is exactly what encode_journal_record() writes.
enum class RecordProblem : uint8_t { kNone, kSize, kVersion, kChecksum, kSeqMismatch, kPayload };
std::string_view describe(RecordProblem p) noexcept;
// Checks a stored value for the journal key `seq`; on kNone, `out` holds the input, else `out`
// is untouched.
RecordProblem decode_journal_record(std::string_view value, uint64_t seq, Input& out) noexcept;

struct SnapshotHeader {
  uint32_t magic;  // kSnapshotMagic
  uint16_t version;
  uint16_t reserved;
  uint64_t seq;         // the last input the state includes
  uint64_t state_hash;  // State::hash() of the serialized state
  uint64_t size;        // bytes of serialized state that follow
  int64_t taken_wall_ns;
  uint64_t checksum;  // XXH3-64 of this header (with checksum = 0) and the state bytes
};
static_assert(sizeof(SnapshotHeader) == 48);

// Header + bytes, ready to store.
std::string encode_snapshot(uint64_t seq, uint64_t state_hash, int64_t wall_ns,
                            std::string_view state_bytes);
// In place: `value` holds sizeof(SnapshotHeader) bytes of room, then the state bytes; the
// header is filled in (its state_hash is XXH3-64 of those bytes, which is State::hash()).
void seal_snapshot(std::string& value, uint64_t seq, int64_t wall_ns);
struct SnapshotView {
  SnapshotHeader header;
  std::string_view state_bytes;
};
// Checks magic, version, size and checksum; the error says which failed.
std::optional<SnapshotView> decode_snapshot(std::string_view value, std::string* why);

}  // namespace ose
