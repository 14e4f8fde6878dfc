// The engine configuration (DESIGN §8 TOML keys). Loading is a cold path: it validates every
// value and names the file, line and key of the first problem; nothing starts on a bad config.
#pragma once

#include <cstddef>
#include <cstdint>
#include <string>
#include <vector>

#include "engine/core/result.hpp"
#include "engine/core/state_spec.hpp"

namespace ose {

// The whole engine configuration: the State's spec plus how the engine around it runs.
struct EngineConfig : StateSpec {
  std::string name = "ose";
  std::string durability = "async";
  std::string data_dir = "./ose-data";
  uint64_t snapshot_every = 1'000'000;
  // Persistence (DESIGN §7, docs/DURABILITY.md).
  bool journal = true;               // false: no journal, nothing survives a restart
  uint32_t snapshots_keep = 3;       // newest snapshots kept; older journal is pruned
  bool keep_unreplicated = false;    // … but never records the replication stream lacks
  uint32_t journal_batch = 32768;    // most inputs per write transaction
  uint32_t journal_batch_us = 1000;  // most time spent gathering one batch
  uint32_t journal_map_mb = 64;      // initial LMDB map; doubled on MDB_MAP_FULL
  uint32_t journal_retry_ms = 200;   // between attempts while commits fail
  // The async loss window's bound: while the journal writes, the Runner takes no new commands
  // or ticks when this many applied inputs are not yet durable (0: no bound). At least a few
  // batches, so the Runner fills the next batch while the journal commits the last.
  uint32_t journal_max_behind = 131072;
  std::string on_journal_failure = "reject";  // reject (new orders) | stop (the engine)
  // Shared-memory engine (DESIGN §6):
  std::string idle = "sleep";       // spin | yield | sleep: what the Runner does when idle
  uint32_t command_ring = 1024;     // records per client command ring (power of two)
  uint32_t response_ring = 4096;    // records per client response ring (power of two)
  uint32_t broadcast_ring = 65536;  // records in the broadcast event ring (power of two)
  uint32_t batch = 64;              // most inputs taken from one source per pass
  // Ownership (docs/SECURITY.md); names or numeric ids, "" = unset:
  std::string engine_user;     // the user the engine must run as (it refuses to start otherwise)
  std::string state_group;     // group of the state segment ("": the engine's)
  uint32_t state_mode = 0644;  // permissions of the state segment

  std::string source;  // file it came from, for messages
};

// Per instrument, the client that routes its orders: the one its `venue` names, else the only
// client with the venue role; kNoIndex when neither (its orders then stay pending_new).
std::vector<uint16_t> venue_clients(const StateSpec& spec);

// A config file is at most this large; a longer read (e.g. /dev/zero) is refused, not waited on.
inline constexpr size_t kMaxConfigBytes = size_t{16} << 20;

// The text of a config file: a regular file, pipe or device read to at most kMaxConfigBytes;
// a directory or an unreadable path is an error naming the path.
Result<std::string> read_config_text(const std::string& path);
// Loads a file (read_config_text, then load_config_string). A config must name its engine and
// declare at least one instrument and one account: an empty file is refused, not defaulted.
Result<EngineConfig> load_config_file(const std::string& path);
// `origin` names the text in error messages (a file path, or "<inline>").
Result<EngineConfig> load_config_string(std::string_view toml_text, const std::string& origin);

}  // namespace ose
