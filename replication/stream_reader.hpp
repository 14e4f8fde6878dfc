// Reads an engine's stream in order from a given stream sequence (an ordered push consumer:
// ephemeral, flow-controlled, no acks; cnats recreates it past a gap in delivery), and checks
// what it reads: journal batches that continue each other exactly, records whose checksums and
// seqs verify, snapshots whose chunks reassemble into a value whose checksum and hash match
// their manifest. `ose follow` applies what it yields; `ose follow --check` only checks.
#pragma once

#include <cstdint>
#include <functional>
#include <map>
#include <string>
#include <vector>

#include "engine/core/command.hpp"
#include "engine/core/result.hpp"
#include "replication/nats_link.hpp"
#include "replication/stream_layout.hpp"

namespace ose::replication {

// One stream message, decoded.
struct StreamItem {
  enum class Kind : uint8_t { kClaim, kRecords, kSnapshot } kind = Kind::kClaim;
  uint64_t stream_seq = 0;
  // kClaim: the config text and the genesis hash.
  std::string config_text;
  uint64_t genesis = 0;
  // kRecords: the inputs, seqs first..last.
  std::vector<Input> inputs;
  // kSnapshot (at its manifest): the snapshot value (journal_format.hpp) and what it says.
  uint64_t snapshot_seq = 0;
  uint64_t state_hash = 0;
  std::string snapshot_value;
};

class StreamReader {
 public:
  // From stream sequence `start` (1: the beginning). `expect_seq`: the journal seq the first
  // batch must start at (0: whatever the first batch or snapshot says). `owner`: the writer of
  // the newest claim before `start` (empty: the first claim read names it); only its messages,
  // and after each claim only the claimant's, are read (stream_claims.hpp).
  static Result<StreamReader> open(Link& link, const StreamNames& names, uint64_t start,
                                   uint64_t expect_seq, std::string owner = {});
  StreamReader(StreamReader&&) noexcept = default;
  StreamReader& operator=(StreamReader&&) noexcept = default;
  ~StreamReader();

  // The next complete item (chunks are gathered until their manifest); false in `*got` when
  // nothing came within `timeout_ms`. An Error names the journal seq (or the stream sequence)
  // where the stream stops making sense: a gap, a duplicate, a corrupt record or snapshot.
  Result<bool> next(StreamItem& out, int64_t timeout_ms);

  uint64_t expected_seq() const noexcept { return expect_; }
  uint64_t last_stream_seq() const noexcept { return last_stream_seq_; }
  // Messages skipped as a fenced writer's leftovers after a claim.
  uint64_t fenced() const noexcept { return fenced_; }

 private:
  StreamReader() = default;
  Result<bool> take(natsMsg* m, uint64_t stream_seq, StreamItem& out);
  struct SubDeleter {
    void operator()(natsSubscription* s) const noexcept;
  };
  std::unique_ptr<natsSubscription, SubDeleter> sub_;
  StreamNames names_;
  uint64_t expect_ = 0;
  uint64_t last_stream_seq_ = 0;
  std::string owner_;
  uint64_t fenced_ = 0;
  std::map<uint64_t, std::string> chunks_;  // stream sequence → chunk, since the last manifest
};

}  // namespace ose::replication
