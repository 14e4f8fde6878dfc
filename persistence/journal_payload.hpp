// Journal format 3 stores a command's active payload only (persistence/journal_format.hpp): the
// union member its op selects, not the whole 104-byte union. A fill's trade_id (48 NUL-padded
// bytes) moves to the payload's end, where an ack's venue_order_id already is, and either loses
// its trailing NULs, so a UUID trade id costs 36 bytes and a 7-digit one 7.
//
// Both directions copy whole 104-byte blocks (fixed sizes the compiler inlines) rather than the
// payload's own size: recovery decodes every record, and a call per variable-length copy cost
// more than the bytes saved.
#pragma once

#include <cstddef>

#include "engine/core/command.hpp"

namespace ose {

// The most bytes a payload takes (a verbatim one: the whole union).
inline constexpr size_t kMaxPayloadBytes = sizeof(Command::bytes);

// Writes `c`'s payload into `out` (kMaxPayloadBytes written; those past the returned size are
// not part of it) and returns its size. Sets `verbatim` when the union holds non-zero bytes
// past the op's member (the edges build every command with make_command(), but a client writes
// its ring directly): then the payload is the whole union, so the journal still holds the Input
// exactly as the Runner applied it.
size_t pack_payload(const Command& c, unsigned char* out, bool& verbatim) noexcept;

// Whether the `n` bytes at `p` (followed by zeros up to kMaxPayloadBytes) are a payload
// pack_payload() writes for `op`: the member's size, or for fill and ack the size less 0 to 48
// trailing id bytes of which the last kept is not NUL; when verbatim, the whole union with a
// non-zero byte past the member. Only those: every Input has one encoding, and a value that
// decodes re-encodes to itself.
bool payload_fits(Op op, bool verbatim, const unsigned char* p, size_t n) noexcept;

// Rebuilds the union of a command of `op` from a payload that fits (payload_fits()) at `p`,
// followed by zeros up to kMaxPayloadBytes: all kMaxPayloadBytes of `c.bytes` are written.
void unpack_payload(Op op, bool verbatim, const unsigned char* p, Command& c) noexcept;

}  // namespace ose
