#include "tools/store_access.hpp"

#include <fmt/format.h>

#include "engine/client/state_reader.hpp"
#include "persistence/recovery.hpp"
#include "persistence/store_check.hpp"
#include "shm/clock.hpp"

namespace ose::tools {

Result<EngineConfig> load_store_config(const StoreArgs& args) {
  auto config = load_config_file(args.config_path);
  if (!config) return Error{"bad config: " + config.error()};
  if (!args.data_dir.empty()) config->data_dir = args.data_dir;
  return config;
}

Result<OpenedStore> open_store(const StoreArgs& args, bool read_only, int* exit_code) {
  if (exit_code != nullptr) *exit_code = kExitFailed;
  auto config = load_store_config(args);
  if (!config) return Error{config.error()};
  const uint64_t map_size = uint64_t{config->journal_map_mb} << 20;
  StoreCheck check = check_store(config->data_dir, {map_size});
  if (!check.denied.empty()) return Error{check.denied};
  if (check.present && !check.readable()) {
    if (exit_code != nullptr) *exit_code = kExitDamaged;
    return Error{fmt::format(
        "the journal in {} is damaged and is not read:\n{}\n`ose journal verify` lists the "
        "damage; restore a backup (`ose backup` makes one)",
        config->data_dir, describe_problems(check.report))};
  }
  auto store = Store::open(config->data_dir, {map_size, read_only});
  if (!store) return Error{store.error()};
  auto genesis = genesis_state(*config);
  if (!genesis) return Error{genesis.error()};
  if (auto b = store->bind_genesis(genesis->hash()); !b) return Error{b.error()};
  return OpenedStore{std::move(*config), std::move(*store), std::move(check.report)};
}

std::optional<int> live_engine_pid(const std::string& engine) {
  auto reader = StateReader::attach(engine);
  if (!reader) return std::nullopt;
  // Relaxed: the owner pid is written once before the segment is published.
  const int pid = reader->segment_header().owner_pid.load(std::memory_order_relaxed);
  if (!shm::process_alive(pid)) return std::nullopt;
  return pid;
}

}  // namespace ose::tools
