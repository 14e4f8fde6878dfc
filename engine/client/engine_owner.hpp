// Which uid a client trusts as the engine's. Anyone may create a file in /dev/shm under any
// free name, so a segment's name and header prove nothing; its owner uid is the one thing a
// look-alike cannot forge. A client attaches only to segments owned by the engine's user:
//   OSE_ENGINE_USER set (a user name or numeric uid): that user;
//   unset: this process's own effective uid or root (everything under one user, as before, or
//   an engine run by root; a look-alike made by any other user is refused).
// docs/SECURITY.md.
#pragma once

#include <cstdint>
#include <vector>

#include "engine/core/result.hpp"

namespace ose {

// The uids trusted to own the engine's segments; an error when OSE_ENGINE_USER names no user.
Result<std::vector<uint32_t>> trusted_engine_owners();

}  // namespace ose
