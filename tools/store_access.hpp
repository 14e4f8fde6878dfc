// Opening an engine's journal from the tools: the config names the data_dir (or --data-dir
// overrides it) and gives the genesis state that names and replay need.
#pragma once

#include <optional>
#include <string>

#include "engine/core/result.hpp"
#include "engine/formats/config.hpp"
#include "persistence/recovery.hpp"
#include "persistence/store.hpp"

namespace ose::tools {

struct StoreArgs {
  std::string config_path;
  std::string data_dir;  // empty: the config's
};

// The exit codes every journal tool shares (docs/DURABILITY.md, "Exit codes"). No tool ends by
// a signal on a damaged journal: the environment is checked in a child process first.
inline constexpr int kExitFailed = 1;   // usage, config, no journal, another config's journal
inline constexpr int kExitDamaged = 3;  // the journal is damaged or unreadable
inline constexpr int kExitFenced = 4;   // replication: fenced out of the stream, or refused

struct OpenedStore {
  EngineConfig config;
  Store store;
  VerifyReport check;  // what check_store found (problems empty: sound)
};

// Read-only opens run beside a live engine (LMDB readers never block its writer). The
// environment is walked in a child process first (check_store); one whose structure is damaged
// is not opened here (a read could fault this process): the error says what is wrong and
// `*exit_code` is kExitDamaged (kExitFailed for every other error).
Result<OpenedStore> open_store(const StoreArgs& args, bool read_only, int* exit_code = nullptr);

// The config, with --data-dir applied.
Result<EngineConfig> load_store_config(const StoreArgs& args);

// True when an engine of this name runs now (its state segment's owner is alive); its pid.
std::optional<int> live_engine_pid(const std::string& engine);

}  // namespace ose::tools
