// Journal format 3 stores a command's active payload only (persistence/journal_format.hpp): the
// union member its op selects, not the whole 104-byte union. A venue id (a fill's trade_id, an
// ack's venue_order_id: 48 NUL-padded bytes) moves to the payload's end and loses its trailing
// NULs, so a UUID trade id costs 36 bytes and a 7-digit one 7.
#pragma once

#include <cstddef>

#include "engine/core/command.hpp"

namespace ose {

// The most bytes a payload takes (a verbatim one: the whole union).
inline constexpr size_t kMaxPayloadBytes = sizeof(Command::bytes);

// Writes `c`'s payload into `out` (kMaxPayloadBytes of room); returns its size. Sets `verbatim`
// when the union holds non-zero bytes past the op's member (the edges build every command with
// make_command(), but a client writes its ring directly): then the whole union is written, so
// the journal still holds the Input exactly as the Runner applied it.
size_t pack_payload(const Command& c, unsigned char* out, bool& verbatim) noexcept;

// Rebuilds the payload of a command of `op` from `n` bytes at `p` into `c`, whose union must be
// zeroed. False (and `c` partly written) when `n` is not a size pack_payload() writes for `op`.
bool unpack_payload(Op op, bool verbatim, const unsigned char* p, size_t n, Command& c) noexcept;

}  // namespace ose
