// How an engine's journal lies in JetStream (docs/SCALE_OUT.md, "The stream"): one stream per
// engine, OSE_<engine>, with four subjects under ose.<engine>.
//   claim     a replicator taking the stream over: its writer id, the engine's genesis hash and
//             the config text (a follower builds its state from it); no records
//   journal   a batch of consecutive journal records, each exactly as LMDB holds it (format 3,
//             self-sized by its header), with the first and last seq in headers
//   snap      one chunk of a snapshot value (journal_format.hpp: header + state bytes)
//   manifest  after a snapshot's chunks: its seq, state hash, chunk count and bytes, and the
//             stream sequence of its first chunk
// Every message carries the writer id (Ose-Writer) and a Nats-Msg-Id derived from the engine's
// identity (name, genesis hash), the seqs it holds and the writer id, and is published with
// Nats-Expected-Last-Sequence: the stream is a chain in which each message names its predecessor,
// so nothing is ever duplicated, lost in the middle or interleaved by a second writer.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

namespace ose::replication {

inline constexpr const char* kHdrWriter = "Ose-Writer";
inline constexpr const char* kHdrFirst = "Ose-First-Seq";
inline constexpr const char* kHdrLast = "Ose-Last-Seq";
inline constexpr const char* kHdrGenesis = "Ose-Genesis";  // hex
inline constexpr const char* kHdrSnapSeq = "Ose-Snapshot-Seq";
inline constexpr const char* kHdrStateHash = "Ose-State-Hash";  // hex
inline constexpr const char* kHdrChunk = "Ose-Chunk";           // index, from 0
inline constexpr const char* kHdrChunks = "Ose-Chunks";
inline constexpr const char* kHdrBytes = "Ose-Bytes";
inline constexpr const char* kHdrFirstChunk = "Ose-First-Chunk";  // stream sequence

// Below the server's default max_payload (1 MiB) with room for the headers.
inline constexpr size_t kSnapshotChunkBytes = 512 * 1024;

struct StreamNames {
  std::string engine;
  std::string stream;    // OSE_<engine>
  std::string all;       // ose.<engine>.>
  std::string claim;     // ose.<engine>.claim
  std::string journal;   // ose.<engine>.journal
  std::string snap;      // ose.<engine>.snap
  std::string manifest;  // ose.<engine>.manifest
  std::string control;   // ose-ctl.<engine>.writer: outside the stream, asks for a live writer
};

inline constexpr std::string_view kStreamPrefix = "OSE_";

// Empty when `engine` cannot name a stream and subjects (letters, digits, '-' and '_' only);
// `why` says so.
std::optional<StreamNames> stream_names(std::string_view engine, std::string* why);

// Where `ose replicate` writes its progress (JSON, replaced every 100 ms) for `ose inspect
// status`: the engine's state segment belongs to the engine alone, so the replicator, another
// process, keeps its lag in a file of its own beside it. Removed at a clean stop.
std::string status_path(std::string_view engine);

std::string hex64(uint64_t v);
std::string journal_msg_id(const StreamNames& n, uint64_t genesis, uint64_t first_seq);
std::string chunk_msg_id(const StreamNames& n, uint64_t genesis, uint64_t snap_seq, uint32_t i);
std::string manifest_msg_id(const StreamNames& n, uint64_t genesis, uint64_t snap_seq);
std::string claim_msg_id(const StreamNames& n, std::string_view writer);

// Walks a journal message's body: the records one after another, each sized by its header.
// Returns false at a record whose header size does not fit (the caller names the seq).
class RecordWalker {
 public:
  explicit RecordWalker(std::string_view body) noexcept : rest_(body) {}
  bool done() const noexcept { return rest_.empty(); }
  // The next record's bytes; nullopt when the remaining bytes cannot hold it.
  std::optional<std::string_view> next() noexcept;

 private:
  std::string_view rest_;
};

}  // namespace ose::replication
