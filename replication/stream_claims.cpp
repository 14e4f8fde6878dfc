#include "replication/stream_claims.hpp"

#include <algorithm>

namespace ose::replication {

namespace {

std::string_view writer_of(natsMsg* m) {
  return header(m, kHdrWriter).value_or(std::string_view{});
}

}  // namespace

ClaimView claim_view(natsMsg* claim, uint64_t stream_seq) {
  ClaimView c;
  c.stream_seq = stream_seq;
  c.writer.assign(writer_of(claim));
  c.prev_claim = header_u64(claim, kHdrPrevClaim).value_or(0);
  c.last_journal = header_u64(claim, kHdrLastJournal).value_or(0);
  c.last_manifest = header_u64(claim, kHdrLastManifest).value_or(0);
  c.after_seq = header_u64(claim, kHdrAfterSeq);
  return c;
}

Result<std::optional<ClaimView>> claim_at_or_before(Link& link, const StreamNames& names,
                                                    uint64_t at) {
  auto last = link.last_on(names.stream, names.claim);
  if (!last) return Error{last.error()};
  if (!*last) return std::optional<ClaimView>{};
  ClaimView c = claim_view(last->get(), natsMsg_GetSequence(last->get()));
  // Claims name their predecessor: the walk back is as long as the number of takeovers since.
  while (c.stream_seq > at) {
    if (c.prev_claim == 0 || c.prev_claim >= c.stream_seq) return std::optional<ClaimView>{};
    auto prev = link.get(names.stream, c.prev_claim);
    if (!prev) return Error{prev.error()};
    if (!*prev) return std::optional<ClaimView>{};  // cut by the stream's limits
    c = claim_view(prev->get(), c.prev_claim);
  }
  return std::optional<ClaimView>{std::move(c)};
}

Result<Located> last_honoured(Link& link, const StreamNames& names, const std::string& subject) {
  auto last = link.last_on(names.stream, subject);
  if (!last) return Error{last.error()};
  if (!*last) return Located{};
  const uint64_t seq = natsMsg_GetSequence(last->get());
  auto claim = claim_at_or_before(link, names, seq);
  if (!claim) return Error{claim.error()};
  // As the readers do: a message that names no writer is no replicator's, and not fenced.
  if (const auto w = header(last->get(), kHdrWriter); !*claim || !w || *w == (*claim)->writer) {
    return Located{std::move(*last), seq};
  }
  // A fenced writer's leftover after claim c. The owner's newest one lies between the claim and
  // it (the leftovers are the few publishes the fenced writer had in flight), else the claim
  // recorded the newest honoured one before it.
  const ClaimView& c = **claim;
  for (uint64_t s = seq - 1; s > c.stream_seq; --s) {
    auto m = link.get(names.stream, s);
    if (!m) return Error{m.error()};
    if (*m && natsMsg_GetSubject(m->get()) == subject && writer_of(m->get()) == c.writer) {
      return Located{std::move(*m), s};
    }
  }
  const uint64_t before = subject == names.journal ? c.last_journal : c.last_manifest;
  if (before == 0) return Located{};
  auto m = link.get(names.stream, before);
  if (!m) return Error{m.error()};
  return Located{std::move(*m), *m ? before : 0};
}

uint64_t HonouredTail::last_seq() const {
  const uint64_t j = journal.msg ? header_u64(journal.msg.get(), kHdrLast).value_or(0) : 0;
  const uint64_t s = manifest.msg ? header_u64(manifest.msg.get(), kHdrSnapSeq).value_or(0) : 0;
  return std::max(j, s);
}

Result<HonouredTail> honoured_tail(Link& link, const StreamNames& names) {
  HonouredTail t;
  auto j = last_honoured(link, names, names.journal);
  if (!j) return Error{j.error()};
  auto m = last_honoured(link, names, names.manifest);
  if (!m) return Error{m.error()};
  auto c = claim_at_or_before(link, names);
  if (!c) return Error{c.error()};
  t.journal = std::move(*j);
  t.manifest = std::move(*m);
  t.claim = std::move(*c);
  return t;
}

}  // namespace ose::replication
