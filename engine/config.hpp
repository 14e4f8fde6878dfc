// The engine configuration (DESIGN §8 TOML keys). Loading is a cold path: it validates every
// value and names the file, line and key of the first problem; nothing starts on a bad config.
#pragma once

#include <cstdint>
#include <string>
#include <vector>

#include "engine/enums.hpp"
#include "engine/fixed_point.hpp"
#include "engine/result.hpp"

namespace ose {

struct AssetConfig {
  std::string code;
  int32_t precision = 8;
};

struct InstrumentConfig {
  std::string symbol;
  InstrumentKind kind = InstrumentKind::kSpot;
  std::string base, quote, settle;
  Price tick_size;
  Qty step_size;
  Qty min_qty;
  Qty max_qty;
  Amount min_notional;
  Rate maker_fee;
  Rate taker_fee;
  Rate multiplier = Rate::from_units(1);
  int32_t max_leverage = 1;
  Rate maintenance_margin;
  Rate price_band;
  bool halted = false;  // status = "halted"
  std::string venue;    // client that routes this instrument's orders (shared-memory engine)
};

struct AccountConfig {
  std::string name;
  AccountType type = AccountType::kSpot;
  int32_t leverage = 1;
  bool halted = false;
  std::vector<std::pair<std::string, Amount>> balances;  // initial deposits, sorted by asset code
};

struct StrategyConfig {
  std::string name;
  std::string account;
  StrategyState state = StrategyState::kRunning;
  int32_t max_open_orders = 0;
  Qty max_position;
  Amount max_order_notional;
  Amount max_daily_loss;
  int32_t max_daily_trades = 0;
};

struct ClientConfig {
  std::string name;
  ClientRole role = ClientRole::kStrategy;
  std::vector<std::string> accounts;
  uint32_t rate_limit = 0;  // new orders per second, 0 = unlimited
  // Shared-memory engine only:
  bool cancel_on_disconnect = true;   // default: true for strategies, false for venue/admin
  uint32_t heartbeat_timeout_ms = 0;  // 0: liveness by pid only
  uint32_t mode = 0600;               // permissions of its client segment
  uint32_t quarantine_after = 16;     // protocol violations in a row before quarantine
};

struct EngineConfig {
  std::string name = "ose";
  uint32_t max_orders = 1u << 20;
  uint32_t max_positions = 1u << 16;
  uint32_t max_trades = 0;  // remembered trade ids for dedup; 0 = max_orders
  uint32_t max_ledger = 0;  // ledger ring entries (64 B each); 0 = max_orders
  std::string durability = "async";
  std::string data_dir = "./ose-data";
  uint64_t snapshot_every = 1'000'000;
  // Persistence (DESIGN §7, docs/DURABILITY.md).
  bool journal = true;               // false: no journal, nothing survives a restart
  uint32_t snapshots_keep = 3;       // newest snapshots kept; older journal is pruned
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

  std::vector<AssetConfig> assets;
  std::vector<InstrumentConfig> instruments;
  std::vector<AccountConfig> accounts;
  std::vector<StrategyConfig> strategies;
  std::vector<ClientConfig> clients;

  std::string source;  // file it came from, for messages
};

Result<EngineConfig> load_config_file(const std::string& path);
// `origin` names the text in error messages (a file path, or "<inline>").
Result<EngineConfig> load_config_string(std::string_view toml_text, const std::string& origin);

}  // namespace ose
