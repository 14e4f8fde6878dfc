#include "persistence/journal_format.hpp"

#define XXH_STATIC_LINKING_ONLY
#include <xxhash.h>

#include <cstring>

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

uint64_t record_checksum(const JournalRecord& r) noexcept {
  JournalRecord copy = r;
  copy.checksum = 0;
  return XXH3_64bits(&copy, sizeof copy);
}

}  // namespace

JournalRecord encode_journal_record(const Input& in) noexcept {
  JournalRecord r{};
  r.version = kJournalFormatVersion;
  r.size = sizeof(JournalRecord);
  r.input = in;
  r.checksum = record_checksum(r);
  return r;
}

std::string_view describe(RecordProblem p) noexcept {
  switch (p) {
    case RecordProblem::kNone:
      return "ok";
    case RecordProblem::kSize:
      return "wrong size (truncated or not a journal record)";
    case RecordProblem::kVersion:
      return "unknown format version";
    case RecordProblem::kChecksum:
      return "checksum mismatch (corrupt bytes)";
    case RecordProblem::kSeqMismatch:
      return "its seq differs from its key";
  }
  return "?";
}

RecordProblem decode_journal_record(std::string_view value, uint64_t seq, Input& out) noexcept {
  if (value.size() != sizeof(JournalRecord)) return RecordProblem::kSize;
  JournalRecord r;
  std::memcpy(&r, value.data(), sizeof r);
  if (r.size != sizeof(JournalRecord)) return RecordProblem::kSize;
  if (r.version != kJournalFormatVersion) return RecordProblem::kVersion;
  if (r.checksum != record_checksum(r)) return RecordProblem::kChecksum;
  if (r.input.seq != seq) return RecordProblem::kSeqMismatch;
  out = r.input;
  return RecordProblem::kNone;
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
    *why = "unknown snapshot format version";
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
