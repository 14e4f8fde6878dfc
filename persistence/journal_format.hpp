// The bytes the journal and the snapshot store hold (DESIGN §7). Keys are big-endian u64 seqs,
// so LMDB's byte order is seq order and MDB_APPEND applies. A journal value is a small header
// (format version, size, checksum) and the Input exactly as the Runner applied it; a snapshot
// value is a header (seq, state hash, checksum) and the State's canonical serialization.
//
// The checksum is xxHash3-64 (the project's hash) rather than a CRC: it detects the same
// flipped bits and truncations and costs ~10 ns per journal record, where a table-driven CRC-32
// would cost more than applying the input (recovery's budget is 200 ns per input).
#pragma once

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
inline constexpr uint16_t kJournalFormatVersion = 2;
inline constexpr uint16_t kJournalFormatOldestRead = 1;
inline constexpr uint16_t kSnapshotFormatVersion = 2;
inline constexpr uint32_t kSnapshotMagic = 0x50'4E'53'4Fu;  // "OSNP" little-endian

using SeqKey = unsigned char[8];
void encode_seq_key(uint64_t seq, unsigned char out[8]) noexcept;
// nullopt unless exactly 8 bytes.
std::optional<uint64_t> decode_seq_key(std::string_view key) noexcept;

struct JournalRecord {
  uint16_t version;   // kJournalFormatVersion
  uint16_t size;      // sizeof(JournalRecord)
  uint32_t reserved;  // 0
  uint64_t checksum;  // XXH3-64 of every other byte of the record
  Input input;
};
static_assert(sizeof(JournalRecord) == 152);

JournalRecord encode_journal_record(const Input& in) noexcept;
// A format-1 record of `in` (integer ids: `trade_id` / `venue_order_id` are written as those
// numbers), for tests that need a journal of the previous format.
JournalRecord encode_journal_record_v1(const Input& in, uint64_t trade_or_venue_id) noexcept;

enum class RecordProblem : uint8_t { kNone, kSize, kVersion, kChecksum, kSeqMismatch };
std::string_view describe(RecordProblem p) noexcept;
// Checks a stored value for the journal key `seq`; on kNone, `out` holds the input.
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
