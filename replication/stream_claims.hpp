// Who owns an engine's stream, and which of its messages count (docs/SCALE_OUT.md, "One writer").
//
// A claim names its writer; from it on, the stream's readers honour only that writer's journal,
// snapshot and manifest messages. A writer fenced out by a takeover may still have publishes in
// flight whose expected last sequence the claim happened to satisfy (the claim took the sequence
// the first of them expected, so the next one expects exactly the claim's): the server stores
// them, and every reader ignores them. Each claim also says where the honoured stream stood when
// it was made — the previous claim, the newest honoured journal message and manifest (stream
// sequences) and the journal seq the stream continues after — so a reader or a new writer finds
// the honoured tail without walking the stream's history.
#pragma once

#include <cstdint>
#include <optional>
#include <string>

#include "engine/core/result.hpp"
#include "replication/nats_link.hpp"
#include "replication/stream_layout.hpp"

namespace ose::replication {

inline constexpr const char* kHdrPrevClaim = "Ose-Prev-Claim";        // stream sequence, 0: none
inline constexpr const char* kHdrLastJournal = "Ose-Last-Journal";    // stream sequence, 0: none
inline constexpr const char* kHdrLastManifest = "Ose-Last-Manifest";  // stream sequence, 0: none
inline constexpr const char* kHdrAfterSeq = "Ose-After-Seq";  // the journal seq it continues after

struct ClaimView {
  uint64_t stream_seq = 0;
  std::string writer;
  uint64_t prev_claim = 0;
  uint64_t last_journal = 0;
  uint64_t last_manifest = 0;
  std::optional<uint64_t> after_seq;  // absent in claims written before the fence existed
};

ClaimView claim_view(natsMsg* claim, uint64_t stream_seq);

// The newest claim at or before stream sequence `at` (UINT64_MAX: the newest of all); nullopt
// when there is none (or the chain of claims is cut by the stream's limits).
Result<std::optional<ClaimView>> claim_at_or_before(Link& link, const StreamNames& names,
                                                    uint64_t at = UINT64_MAX);

// A message with its stream sequence.
struct Located {
  Msg msg;
  uint64_t stream_seq = 0;
};

// The newest message on `subject` (names.journal or names.manifest) that the stream honours:
// written by the owner of the claim before it. Null msg when there is none.
Result<Located> last_honoured(Link& link, const StreamNames& names, const std::string& subject);

// The honoured tail of the stream, as a new claim records it.
struct HonouredTail {
  Located journal;   // the newest honoured journal message
  Located manifest;  // the newest honoured manifest
  std::optional<ClaimView> claim;
  uint64_t last_seq() const;  // the journal seq the stream continues after (records or snapshot)
};
Result<HonouredTail> honoured_tail(Link& link, const StreamNames& names);

}  // namespace ose::replication
