#include "replication/stream_reader.hpp"

#include <fmt/format.h>

#include "persistence/journal_format.hpp"
#include "replication/stream_claims.hpp"

namespace ose::replication {

void StreamReader::SubDeleter::operator()(natsSubscription* s) const noexcept {
  natsSubscription_Unsubscribe(s);
  natsSubscription_Destroy(s);
}

StreamReader::~StreamReader() = default;

Result<StreamReader> StreamReader::open(Link& link, const StreamNames& names, uint64_t start,
                                        uint64_t expect_seq, std::string owner) {
  StreamReader r;
  r.owner_ = std::move(owner);
  r.names_ = names;
  r.expect_ = expect_seq;
  jsSubOptions so;
  jsSubOptions_Init(&so);
  so.Stream = names.stream.c_str();
  so.Ordered = true;
  so.Config.DeliverPolicy = js_DeliverByStartSequence;
  so.Config.OptStartSeq = start;
  natsSubscription* sub = nullptr;
  jsErrCode code = static_cast<jsErrCode>(0);
  const natsStatus s = js_SubscribeSync(&sub, link.js(), names.all.c_str(), nullptr, &so, &code);
  if (s != NATS_OK) {
    return Error{describe(fmt::format("subscribing to {}", names.stream).c_str(), s, code)};
  }
  r.sub_.reset(sub);
  return r;
}

Result<bool> StreamReader::next(StreamItem& out, int64_t timeout_ms) {
  for (;;) {
    natsMsg* raw = nullptr;
    const natsStatus s = natsSubscription_NextMsg(&raw, sub_.get(), timeout_ms);
    if (s == NATS_TIMEOUT) return false;
    if (s != NATS_OK) return Error{describe("reading the stream", s)};
    Msg m(raw);
    jsMsgMetaData* meta = nullptr;
    if (natsMsg_GetMetaData(&meta, raw) != NATS_OK) continue;  // not a stream message
    const uint64_t stream_seq = meta->Sequence.Stream;
    jsMsgMetaData_Destroy(meta);
    auto got = take(raw, stream_seq, out);
    last_stream_seq_ = stream_seq;
    if (!got) return Error{got.error()};
    if (*got) return true;
  }
}

Result<bool> StreamReader::take(natsMsg* m, uint64_t stream_seq, StreamItem& out) {
  const std::string_view subject = natsMsg_GetSubject(m);
  // Field by field: the inputs keep their capacity from one message to the next.
  out.kind = StreamItem::Kind::kClaim;
  out.config_text.clear();
  out.genesis = 0;
  out.inputs.clear();
  out.snapshot_seq = 0;
  out.state_hash = 0;
  out.snapshot_value.clear();
  out.stream_seq = stream_seq;
  if (subject == names_.claim) {
    out.kind = StreamItem::Kind::kClaim;
    out.config_text.assign(data(m));
    out.genesis = header_u64(m, kHdrGenesis, 16).value_or(0);
    const ClaimView c = claim_view(m, stream_seq);
    // The claimant continues the stream as it saw it; a reader that honoured other messages
    // than the claimant did would apply another history.
    if (c.after_seq && expect_ != 0 && *c.after_seq + 1 != expect_) {
      return Error{fmt::format(
          "journal seq {}: the claim at stream sequence {} continues after seq {}, but the "
          "stream read so far ends at seq {}",
          *c.after_seq + 1, stream_seq, *c.after_seq, expect_ - 1)};
    }
    owner_ = c.writer;
    return true;
  }
  // Published by a writer a claim fenced out, after the claim: not the stream's. A message that
  // names no writer is no replicator's: it is read, and checked, as damage would be.
  if (const auto writer = header(m, kHdrWriter); !owner_.empty() && writer && *writer != owner_) {
    ++fenced_;
    return false;
  }
  if (subject == names_.snap) {
    chunks_[stream_seq].assign(data(m));
    return false;
  }
  if (subject == names_.manifest) {
    const auto seq = header_u64(m, kHdrSnapSeq);
    const auto hash = header_u64(m, kHdrStateHash, 16);
    const auto count = header_u64(m, kHdrChunks);
    const auto first = header_u64(m, kHdrFirstChunk);
    if (!seq || !hash || !count || !first) {
      return Error{
          fmt::format("the snapshot manifest at stream sequence {} lacks a header", stream_seq)};
    }
    std::string value;
    for (uint64_t i = 0; i < *count; ++i) {
      const auto it = chunks_.find(*first + i);
      if (it == chunks_.end()) {
        return Error{fmt::format("the snapshot at seq {}: chunk {} (stream sequence {}) is missing",
                                 *seq, i, *first + i)};
      }
      value += it->second;
    }
    chunks_.clear();
    std::string why;
    const auto snap = decode_snapshot(value, &why);
    if (!snap || snap->header.seq != *seq || snap->header.state_hash != *hash) {
      return Error{fmt::format(
          "the snapshot at seq {} (manifest at stream sequence {}) does not "
          "verify: {}",
          *seq, stream_seq, !snap ? why : "its seq or state hash differs from its manifest")};
    }
    out.kind = StreamItem::Kind::kSnapshot;
    out.snapshot_seq = *seq;
    out.state_hash = *hash;
    out.snapshot_value = std::move(value);
    // A snapshot past the records read (retention bridged a gap, or the reading starts here):
    // the records continue after it.
    if (expect_ == 0 || *seq >= expect_) expect_ = *seq + 1;
    return true;
  }
  if (subject != names_.journal) return false;
  const auto first = header_u64(m, kHdrFirst);
  const auto last = header_u64(m, kHdrLast);
  if (!first || !last || *last < *first) {
    return Error{
        fmt::format("the journal message at stream sequence {} lacks its seq range", stream_seq)};
  }
  if (expect_ != 0 && *first != expect_) {
    return Error{fmt::format(
        "journal seq {}: the stream {} (the message at stream sequence {} holds seqs {}..{})",
        expect_, *first > expect_ ? "skips it, a gap" : "repeats earlier seqs", stream_seq, *first,
        *last)};
  }
  out.kind = StreamItem::Kind::kRecords;
  out.inputs.reserve(*last - *first + 1);
  RecordWalker walk(data(m));
  uint64_t seq = *first;
  while (!walk.done()) {
    const auto rec = walk.next();
    Input in{};
    const RecordProblem p = rec ? decode_journal_record(*rec, seq, in) : RecordProblem::kSize;
    if (p != RecordProblem::kNone) {
      return Error{fmt::format("journal seq {} in the stream is corrupt ({}; stream sequence {})",
                               seq, describe(p), stream_seq)};
    }
    out.inputs.push_back(in);
    ++seq;
  }
  if (seq != *last + 1) {
    return Error{
        fmt::format("journal seq {}: the message at stream sequence {} says it holds "
                    "seqs {}..{} but holds {} records",
                    seq, stream_seq, *first, *last, seq - *first)};
  }
  expect_ = seq;
  return true;
}

}  // namespace ose::replication
