// Opening an engine's journal from the tools: the config names the data_dir (or --data-dir
// overrides it) and gives the genesis state that names and replay need.
#pragma once

#include <optional>
#include <string>

#include "engine/core/result.hpp"
#include "engine/formats/config.hpp"
#include "persistence/store.hpp"

namespace ose::tools {

struct StoreArgs {
  std::string config_path;
  std::string data_dir;  // empty: the config's
};

struct OpenedStore {
  EngineConfig config;
  Store store;
};

// Read-only opens run beside a live engine (LMDB readers never block its writer).
Result<OpenedStore> open_store(const StoreArgs& args, bool read_only);

// True when an engine of this name runs now (its state segment's owner is alive); its pid.
std::optional<int> live_engine_pid(const std::string& engine);

}  // namespace ose::tools
