// `ose follow`: an engine's state rebuilt from its JetStream stream on another host (or under
// another name on the same one). It takes the config from the newest claim, starts from the
// newest snapshot (or the config's initial state), applies every later record with the engine's
// own core into a local state segment (readers map it read-only, as an engine's) and journals
// what it applied into a local LMDB store, so `ose inspect`, `ose report` and `ose export` work on
// it unchanged. A follower restarted on its data_dir recovers its own journal and reads the
// stream on from the last message that journal holds (follow_position beside it), rather than
// reloading the stream's newest snapshot. At every snapshot point in the stream it compares its
// state hash with the engine's and stops, naming the seq, on a mismatch, a gap or a corrupt record.
#pragma once

#include <atomic>
#include <cstdint>
#include <functional>
#include <optional>
#include <string>

#include "engine/core/result.hpp"
#include "engine/core/state.hpp"
#include "replication/nats_link.hpp"
#include "replication/stream_layout.hpp"
#include "replication/stream_reader.hpp"

namespace ose::replication {

struct FollowOptions {
  std::string url;
  std::string engine;    // whose stream
  std::string as;        // the local engine name (segments, lock); empty: `engine`
  std::string data_dir;  // the local journal; empty: ./ose-follow-<as>
  bool reset = false;    // discard a local journal left by an earlier run (else: resume from it)
  // The local state segment's group and mode (docs/SECURITY.md), as the engine's state_group
  // and state_mode: the followed engine's config names its own host's groups, so its
  // state_group is not used here. "": this process's group; 0: the followed config's mode.
  std::string state_group;
  uint32_t state_mode = 0;
  std::function<void(const std::string&)> log;
};

enum class FollowEnd : uint8_t { kStopped, kDiverged, kFailed };

struct FollowResult {
  FollowEnd end = FollowEnd::kStopped;
  std::string why;
  uint64_t applied_seq = 0;
  uint64_t verified_seq = 0;  // the newest snapshot point whose hash matched
};

FollowResult follow(const FollowOptions& options, const std::atomic<bool>& stop);

// An engine's state rebuilt in memory from its stream as a follower would (the newest snapshot,
// then every record to the stream's current end, every snapshot point verified), for
// `ose fleet`, which keeps one per engine and brings it up to a grown stream's end by applying
// only the messages past where it stands. The State's names are the engine's config's.
class InMemoryReplica {
 public:
  static Result<InMemoryReplica> rebuild(Link& link, const StreamNames& names);

  // Reads and applies the stream's messages up to stream sequence `stream_last`. An Error (a
  // gap, a corrupt record, a hash mismatch, a claim with another genesis: the stream now holds
  // another engine's journal) leaves the replica unusable: rebuild it.
  Result<bool> catch_up(uint64_t stream_last);

  const State& state() const noexcept { return state_; }

 private:
  InMemoryReplica(StreamNames names, State state, uint64_t genesis)
      : names_(std::move(names)), state_(std::move(state)), genesis_(genesis) {}
  StreamNames names_;
  State state_;
  uint64_t genesis_ = 0;                // the claim's genesis hash the state started from
  std::optional<StreamReader> reader_;  // open past the snapshot; none: the stream ended there
};

}  // namespace ose::replication
