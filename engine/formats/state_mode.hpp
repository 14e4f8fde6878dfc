// What a state segment's mode may be (docs/SECURITY.md): the config's `state_mode` and
// `ose follow --state-mode` both check it here.
#pragma once

#include <cstdint>

namespace ose {

// Its owner (the engine's user) reads and writes it; its group and others at most read it:
// 0o600 ... 0o644. A reader's mapping is read-only, so nobody else may ever write the state.
constexpr bool valid_state_mode(uint32_t mode) {
  return (mode & 0600) == 0600 && (mode & ~0644u) == 0;
}

}  // namespace ose
