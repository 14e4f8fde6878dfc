// The bearer token `ose serve` requires when a token file is given (always, on a non-loopback
// address): read from a file so that it never appears in a process listing, and compared in
// constant time so that response timing does not reveal how much of a guess was right.
#pragma once

#include <string>
#include <string_view>

#include "engine/core/result.hpp"

namespace ose::tools {

// The file's first line, without surrounding whitespace; an error if the file cannot be read
// or the token is shorter than 16 characters (a short token is guessable).
Result<std::string> read_token_file(const std::string& path);

// Equal strings, in time that depends only on the lengths (not on where they first differ).
bool constant_time_equal(std::string_view a, std::string_view b) noexcept;

// Does `authorization` (the header's value) carry `token` as "Bearer <token>"?
bool bearer_matches(std::string_view authorization, std::string_view token) noexcept;

}  // namespace ose::tools
