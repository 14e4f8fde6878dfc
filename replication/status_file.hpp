// The replicator's and a follower's status file (/dev/shm/ose.<engine>.replication, read by
// `ose inspect status`): written whole under a temporary name and renamed over the old one, so a
// reader never sees half of it, with the state segment's group and mode (docs/SECURITY.md):
// whoever may read the state may read its replication lag, and nobody else.
#pragma once

#include <cstdint>
#include <string>

#include "shm/segment.hpp"

namespace ose::replication {

// Best effort (monitoring): false when it could not be written. A temporary name held by
// someone else's file is never written through (O_EXCL, O_NOFOLLOW).
bool write_status_file(const std::string& path, const std::string& text,
                       const shm::SegmentOwner& owner, uint32_t mode);

// Removes the file at `path` only if it holds `mark` (the writer's own id): a process that never
// wrote it, or was replaced by another writer, leaves the live writer's file alone.
void remove_status_file_holding(const std::string& path, const std::string& mark);

}  // namespace ose::replication
