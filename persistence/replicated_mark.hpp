// The journal seq the engine's replication stream has acknowledged, kept in a small file in the
// journal's own directory (`replicated_seq`) so that journal retention can hold back what the
// stream does not have yet ([engine].keep_unreplicated, docs/SCALE_OUT.md "Journal retention").
// `ose replicate` writes it (atomically, by rename) as acknowledgements come; the journal thread
// reads it when a snapshot lets it prune. A file on the journal's disk rather than the status
// file in /dev/shm: it survives the replicator's crash or clean stop and the host's reboot, and
// what it says only ever trails what the stream holds (safe: retention keeps more, never less).
#pragma once

#include <cstdint>
#include <string>

namespace ose {

std::string replicated_mark_path(const std::string& journal_dir);

// 0 when the file is absent or unreadable: nothing is known to be replicated.
uint64_t read_replicated_mark(const std::string& journal_dir) noexcept;

// False when it cannot be written (the caller reports it).
bool write_replicated_mark(const std::string& journal_dir, uint64_t seq);

}  // namespace ose
