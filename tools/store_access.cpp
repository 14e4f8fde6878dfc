#include "tools/store_access.hpp"

#include "engine/client/state_reader.hpp"
#include "persistence/recovery.hpp"
#include "shm/clock.hpp"

namespace ose::tools {

Result<OpenedStore> open_store(const StoreArgs& args, bool read_only) {
  auto config = load_config_file(args.config_path);
  if (!config) return Error{"bad config: " + config.error()};
  if (!args.data_dir.empty()) config->data_dir = args.data_dir;
  auto store = Store::open(config->data_dir, {uint64_t{config->journal_map_mb} << 20, read_only});
  if (!store) return Error{store.error()};
  auto genesis = genesis_state(*config);
  if (!genesis) return Error{genesis.error()};
  if (auto b = store->bind_genesis(genesis->hash()); !b) return Error{b.error()};
  return OpenedStore{std::move(*config), std::move(*store)};
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
