// Who owns the segments the engine creates (docs/SECURITY.md): the config's `[[clients]]`
// `user`/`group` and `[engine]` `state_group`, `engine_user`, resolved against this host's users
// and groups when the engine starts, and checked against what this process may grant, so a
// config it cannot honour is refused with a message before anything is created.
#pragma once

#include <string>
#include <vector>

#include "engine/core/result.hpp"
#include "engine/formats/config.hpp"
#include "shm/segment.hpp"

namespace ose {

struct SegmentOwnership {
  shm::SegmentOwner state;                 // the state segment's (only ever a group)
  std::vector<shm::SegmentOwner> clients;  // one per [[clients]] entry, in order
};

// Resolves the names (a numeric id is taken as it is) and checks each grant: giving a file to
// another user needs root or CAP_CHOWN; giving it to a group needs CAP_CHOWN or membership of
// that group. Refuses, too, an engine not running as `engine_user`.
Result<SegmentOwnership> plan_ownership(const EngineConfig& config);

// The state segment's owner alone (a follower's too, docs/SCALE_OUT.md): `group` resolved and
// checked as plan_ownership() does; `label` names the setting in messages
// ("engine.state_group", or "--state-group" for `ose follow`).
Result<shm::SegmentOwner> plan_state_owner(const std::string& label, const std::string& group);

// Refuses to start when a name this engine needs (its state segment, a client's segment) is
// held by a file whose owner is neither this process's user nor the user that client's
// segment is given to: someone else created it, and may be waiting for clients to attach.
// True when every name is free or held by a file the engine may replace.
Result<bool> check_no_squatters(const EngineConfig& config, const SegmentOwnership& ownership);

}  // namespace ose
