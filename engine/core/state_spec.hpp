// What the pure State is built from: the configured assets, instruments, accounts, strategies
// and clients, and the capacities of its fixed tables. A plain struct with no parser behind it:
// engine/formats/config.hpp fills it from TOML (EngineConfig derives from it), tests and
// benchmarks may fill it by hand.
#pragma once

#include <cstdint>
#include <string>
#include <utility>
#include <vector>

#include "engine/core/enums.hpp"
#include "engine/core/fixed_point.hpp"

namespace ose {

struct AssetSpec {
  std::string code;
  int32_t precision = 8;
};

struct InstrumentSpec {
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

struct AccountSpec {
  std::string name;
  AccountType type = AccountType::kSpot;
  int32_t leverage = 1;
  bool halted = false;
  std::vector<std::pair<std::string, Amount>> balances;  // initial deposits, sorted by asset code
};

struct StrategySpec {
  std::string name;
  std::string account;
  StrategyState state = StrategyState::kRunning;
  int32_t max_open_orders = 0;
  Qty max_position;
  Amount max_order_notional;
  Amount max_daily_loss;
  int32_t max_daily_trades = 0;
};

struct ClientSpec {
  std::string name;
  ClientRole role = ClientRole::kStrategy;
  std::vector<std::string> accounts;  // the accounts it may act for (docs/design/0006-roles.md)
  uint32_t rate_limit = 0;            // new orders per second, 0 = unlimited
  bool all_accounts = false;          // accounts = ["*"]: every account, `accounts` is empty
  // Read by the shared-memory runtime only (the pure core ignores them):
  bool cancel_on_disconnect = true;   // default: true for strategies, false for venue/admin
  uint32_t heartbeat_timeout_ms = 0;  // 0: liveness by pid only
  uint32_t mode = 0600;               // permissions of its client segment
  uint32_t quarantine_after = 16;     // protocol violations in a row before quarantine
  std::string user{};                 // owner of its client segment: a name or id, "" = engine's
  std::string group{};                // group of its client segment: a name or id, "" = engine's
};

struct StateSpec {
  uint32_t max_orders = 1u << 20;
  uint32_t max_positions = 1u << 16;
  uint32_t max_trades = 0;  // remembered trade ids for dedup; 0 = max_orders
  uint32_t max_ledger = 0;  // ledger ring entries (64 B each); 0 = max_orders

  std::vector<AssetSpec> assets;
  std::vector<InstrumentSpec> instruments;
  std::vector<AccountSpec> accounts;
  std::vector<StrategySpec> strategies;
  std::vector<ClientSpec> clients;
};

}  // namespace ose
