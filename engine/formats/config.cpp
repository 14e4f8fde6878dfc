#include "engine/formats/config.hpp"

#include "engine/formats/state_mode.hpp"
#include "engine/formats/toml_decimal.hpp"

#include <fmt/format.h>

#include <toml++/toml.h>

#include "engine/core/records.hpp"
#include "engine/core/state.hpp"

#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <cstring>

namespace ose {

namespace {

// Names that become part of shared-memory segment names (the engine's, the clients') are
// narrower than the others: '.' separates the parts of "ose.<engine>.client.<name>" and '/'
// cannot appear in a segment name.
enum class NameKind { kSegment, kTable };

bool name_char(char ch, NameKind kind) {
  if ((ch >= 'a' && ch <= 'z') || (ch >= 'A' && ch <= 'Z') || (ch >= '0' && ch <= '9')) {
    return true;
  }
  if (ch == '-' || ch == '_') return true;
  return kind == NameKind::kTable && (ch == '.' || ch == '/');
}

// Collects the first error with its location; every getter returns a default once failed so
// the loader can be written straight through without checking after each key.
class Reader {
 public:
  explicit Reader(std::string origin) : origin_(std::move(origin)) {}

  bool failed() const { return failed_; }
  const std::string& message() const { return message_; }

  void fail(const toml::source_region& where, std::string_view key, std::string_view what) {
    if (failed_) return;
    failed_ = true;
    message_ = fmt::format("{}:{}: {}: {}", origin_, where.begin.line, key, what);
  }

  // A problem with the file as a whole (nothing to point at): "ORIGIN: WHAT".
  void fail_file(std::string_view what) {
    if (failed_) return;
    failed_ = true;
    message_ = fmt::format("{}: {}", origin_, what);
  }

  // Refuses keys the contract does not know: a typo must not silently fall back to a default.
  void check_keys(const toml::table& t, std::string_view section,
                  std::initializer_list<std::string_view> known) {
    for (auto&& [k, v] : t) {
      bool ok = false;
      for (auto name : known) ok = ok || k.str() == name;
      if (!ok) fail(v.source(), fmt::format("{}.{}", section, k.str()), "unknown key");
    }
  }

  std::string str(const toml::table& t, std::string_view section, std::string_view key,
                  const std::string& fallback, bool required, size_t max_len = 64) {
    const toml::node* n = t.get(key);
    const auto label = fmt::format("{}.{}", section, key);
    if (n == nullptr) {
      if (required) fail(t.source(), label, "missing");
      return fallback;
    }
    auto s = n->value<std::string>();
    if (!s) {
      fail(n->source(), label, "expected a string");
      return fallback;
    }
    if (s->empty() || s->size() > max_len) {
      fail(n->source(), label, fmt::format("must be 1 to {} characters", max_len));
      return fallback;
    }
    return *s;
  }

  // A name (docs/design/0007-input-edges.md): 1 to max_len characters of a fixed ASCII set, so
  // the string the config holds is the string the tables store (a NUL would be cut off there),
  // print and compare, and duplicate checks on it are checks on what the engine shows.
  std::string name(const toml::table& t, std::string_view section, std::string_view key,
                   size_t max_len, NameKind kind, const std::string& fallback = "",
                   bool required = true) {
    std::string s = str(t, section, key, fallback, required, max_len);
    const char* bad = nullptr;
    for (const char& ch : s) {
      if (!name_char(ch, kind)) {
        bad = &ch;
        break;
      }
    }
    if (bad != nullptr) {
      const auto u = static_cast<unsigned char>(*bad);
      const std::string shown =
          u > 0x20 && u < 0x7F ? fmt::format("'{}'", *bad) : fmt::format("byte 0x{:02x}", u);
      require(false, t, section, key,
              fmt::format("use {} only; {} is not one",
                          kind == NameKind::kSegment ? "letters, digits, '-' and '_'"
                                                     : "letters, digits, '-', '_', '.' and '/'",
                          shown));
      return fallback;
    }
    return s;
  }

  int64_t integer(const toml::table& t, std::string_view section, std::string_view key,
                  int64_t fallback, int64_t lo, int64_t hi) {
    const toml::node* n = t.get(key);
    if (n == nullptr) return fallback;
    const auto label = fmt::format("{}.{}", section, key);
    auto v = n->value_exact<int64_t>();
    if (!v) {
      fail(n->source(), label, "expected an integer");
      return fallback;
    }
    if (*v < lo || *v > hi) {
      fail(n->source(), label, fmt::format("must be between {} and {}", lo, hi));
      return fallback;
    }
    return *v;
  }

  // An OS user or group: a name (as /etc/passwd or /etc/group spell it) or a numeric id, kept
  // as text. It is looked up only when the engine starts (engine/runtime/ownership.hpp), so a
  // config naming users this host lacks still replays and checks elsewhere. "" when absent.
  std::string os_principal(const toml::table& t, std::string_view section, std::string_view key) {
    const toml::node* n = t.get(key);
    if (n == nullptr) return "";
    const auto label = fmt::format("{}.{}", section, key);
    if (auto id = n->value_exact<int64_t>()) {
      if (*id < 0 || *id >= 4294967295) {
        fail(n->source(), label, "a numeric id must be between 0 and 4294967294");
        return "";
      }
      return std::to_string(*id);
    }
    auto s = n->value<std::string>();
    const bool ok = s && !s->empty() && s->size() <= 32 && (*s)[0] != '-' &&
                    std::all_of(s->begin(), s->end(), [](char ch) {
                      return name_char(ch, NameKind::kSegment) || ch == '.';
                    });
    if (!ok) {
      fail(n->source(), label,
           "expected a user or group name (1-32 letters, digits, '-', '_', '.') or a numeric id");
      return "";
    }
    return *s;
  }

  bool boolean(const toml::table& t, std::string_view section, std::string_view key,
               bool fallback) {
    const toml::node* n = t.get(key);
    if (n == nullptr) return fallback;
    auto v = n->value_exact<bool>();
    if (!v) {
      fail(n->source(), fmt::format("{}.{}", section, key), "expected true or false");
      return fallback;
    }
    return *v;
  }

  // A decimal by the one rule of formats/toml_decimal.hpp (strings, integers, short floats).
  int64_t decimal(const toml::node* n, std::string_view label, int64_t fallback) {
    if (n == nullptr) return fallback;
    auto v = formats::toml_decimal_e8(*n);
    if (!v) {
      fail(n->source(), label, v.error());
      return fallback;
    }
    return *v;
  }

  int64_t decimal(const toml::table& t, std::string_view section, std::string_view key,
                  int64_t fallback, bool required = false) {
    const toml::node* n = t.get(key);
    const auto label = fmt::format("{}.{}", section, key);
    if (n == nullptr && required) fail(t.source(), label, "missing");
    return decimal(n, label, fallback);
  }

  // Checks a condition on an already read key, pointing at the key (or the table).
  void require(bool ok, const toml::table& t, std::string_view section, std::string_view key,
               std::string_view what) {
    if (ok) return;
    const toml::node* n = t.get(key);
    fail(n != nullptr ? n->source() : t.source(), fmt::format("{}.{}", section, key), what);
  }

 private:
  std::string origin_;
  bool failed_ = false;
  std::string message_;
};

template <typename T>
bool contains_name(const std::vector<T>& v, const std::string& name, std::string T::*field) {
  for (const auto& x : v) {
    if (x.*field == name) return true;
  }
  return false;
}

// The [[key]] tables, at most `max` of them (the index types' range, or kMaxAccounts for
// accounts): one more is refused at its own line, before any entry is read.
const toml::array* array_of_tables(Reader& r, const toml::table& root, std::string_view key,
                                   size_t max = kNoIndex - 1) {
  const toml::node* n = root.get(key);
  if (n == nullptr) return nullptr;
  const toml::array* a = n->as_array();
  if (a == nullptr || !a->is_array_of_tables()) {
    r.fail(n->source(), key, fmt::format("expected [[{}]] tables", key));
    return nullptr;
  }
  if (a->size() > max) {
    r.fail((*a)[max].source(), key,
           fmt::format("at most {} [[{}]] tables; this is number {} of {}", max, key, max + 1,
                       a->size()));
    return nullptr;
  }
  return a;
}

void read_engine(Reader& r, const toml::table& root, EngineConfig& c) {
  const toml::node* n = root.get("engine");
  if (n == nullptr) return;
  const toml::table* t = n->as_table();
  if (t == nullptr) return r.fail(n->source(), "engine", "expected a table");
  r.check_keys(*t, "engine",
               {"name",
                "max_orders",
                "max_positions",
                "max_trades",
                "max_ledger",
                "durability",
                "data_dir",
                "snapshot_every",
                "idle",
                "command_ring",
                "response_ring",
                "broadcast_ring",
                "batch",
                "engine_user",
                "state_group",
                "state_mode",
                "journal",
                "snapshots_keep",
                "journal_batch",
                "journal_batch_us",
                "journal_map_mb",
                "on_journal_failure",
                "journal_retry_ms",
                "journal_max_behind",
                "keep_unreplicated"});
  // Not required here: check_complete() says it is missing once every other key was read.
  c.name = r.name(*t, "engine", "name", 32, NameKind::kSegment, c.name, false);
  c.max_orders =
      static_cast<uint32_t>(r.integer(*t, "engine", "max_orders", c.max_orders, 1, 1 << 28));
  c.max_positions =
      static_cast<uint32_t>(r.integer(*t, "engine", "max_positions", c.max_positions, 1, 1 << 24));
  c.max_trades =
      static_cast<uint32_t>(r.integer(*t, "engine", "max_trades", c.max_trades, 0, 1 << 28));
  c.max_ledger =
      static_cast<uint32_t>(r.integer(*t, "engine", "max_ledger", c.max_ledger, 0, 1 << 30));
  c.durability = r.str(*t, "engine", "durability", c.durability, false);
  r.require(c.durability == "async" || c.durability == "sync", *t, "engine", "durability",
            "must be \"async\" or \"sync\"");
  c.data_dir = r.str(*t, "engine", "data_dir", c.data_dir, false, 4096);
  c.snapshot_every = static_cast<uint64_t>(r.integer(
      *t, "engine", "snapshot_every", static_cast<int64_t>(c.snapshot_every), 1, INT64_MAX));
  c.journal = r.boolean(*t, "engine", "journal", c.journal);
  c.snapshots_keep =
      static_cast<uint32_t>(r.integer(*t, "engine", "snapshots_keep", c.snapshots_keep, 1, 1000));
  c.keep_unreplicated = r.boolean(*t, "engine", "keep_unreplicated", c.keep_unreplicated);
  c.journal_batch =
      static_cast<uint32_t>(r.integer(*t, "engine", "journal_batch", c.journal_batch, 1, 1 << 20));
  c.journal_batch_us = static_cast<uint32_t>(
      r.integer(*t, "engine", "journal_batch_us", c.journal_batch_us, 0, 1'000'000));
  c.journal_map_mb = static_cast<uint32_t>(
      r.integer(*t, "engine", "journal_map_mb", c.journal_map_mb, 1, 1 << 22));
  c.journal_retry_ms = static_cast<uint32_t>(
      r.integer(*t, "engine", "journal_retry_ms", c.journal_retry_ms, 1, 600'000));
  c.journal_max_behind = static_cast<uint32_t>(
      r.integer(*t, "engine", "journal_max_behind", c.journal_max_behind, 0, 1 << 30));
  c.on_journal_failure = r.str(*t, "engine", "on_journal_failure", c.on_journal_failure, false);
  r.require(c.on_journal_failure == "reject" || c.on_journal_failure == "stop", *t, "engine",
            "on_journal_failure", "must be \"reject\" or \"stop\"");
  c.idle = r.str(*t, "engine", "idle", c.idle, false);
  r.require(c.idle == "spin" || c.idle == "yield" || c.idle == "sleep", *t, "engine", "idle",
            "must be \"spin\", \"yield\" or \"sleep\"");
  const auto ring = [&](std::string_view key, uint32_t fallback) {
    const auto v = static_cast<uint32_t>(r.integer(*t, "engine", key, fallback, 16, 1 << 24));
    r.require((v & (v - 1)) == 0, *t, "engine", key, "must be a power of two");
    return v;
  };
  c.command_ring = ring("command_ring", c.command_ring);
  c.response_ring = ring("response_ring", c.response_ring);
  c.broadcast_ring = ring("broadcast_ring", c.broadcast_ring);
  c.batch = static_cast<uint32_t>(r.integer(*t, "engine", "batch", c.batch, 1, 1 << 20));
  // Least privilege on a shared host (docs/SECURITY.md).
  c.engine_user = r.os_principal(*t, "engine", "engine_user");
  c.state_group = r.os_principal(*t, "engine", "state_group");
  c.state_mode =
      static_cast<uint32_t>(r.integer(*t, "engine", "state_mode", c.state_mode, 0400, 0644));
  r.require(valid_state_mode(c.state_mode), *t, "engine", "state_mode",
            "must give its owner read and write, others at most read, e.g. 0o644 or 0o640");
}

void read_assets(Reader& r, const toml::table& root, EngineConfig& c) {
  const toml::array* a = array_of_tables(r, root, "assets");
  if (a == nullptr) return;
  for (const auto& node : *a) {
    const toml::table& t = *node.as_table();
    r.check_keys(t, "assets", {"code", "precision"});
    AssetSpec ac;
    ac.code = r.name(t, "assets", "code", 11, NameKind::kTable);
    ac.precision = static_cast<int32_t>(r.integer(t, "assets", "precision", 8, 0, 8));
    r.require(!contains_name(c.assets, ac.code, &AssetSpec::code), t, "assets", "code",
              fmt::format("duplicate asset '{}'", ac.code));
    c.assets.push_back(std::move(ac));
  }
}

void read_instruments(Reader& r, const toml::table& root, EngineConfig& c) {
  const toml::array* a = array_of_tables(r, root, "instruments");
  if (a == nullptr) return;
  for (const auto& node : *a) {
    const toml::table& t = *node.as_table();
    const char* s = "instruments";
    r.check_keys(t, s,
                 {"symbol", "kind", "base", "quote", "settle", "tick_size", "step_size", "min_qty",
                  "max_qty", "min_notional", "maker_fee", "taker_fee", "multiplier", "max_leverage",
                  "maintenance_margin", "price_band", "status", "venue"});
    InstrumentSpec ic;
    ic.symbol = r.name(t, s, "symbol", 15, NameKind::kTable);
    r.require(!contains_name(c.instruments, ic.symbol, &InstrumentSpec::symbol), t, s, "symbol",
              fmt::format("duplicate symbol '{}'", ic.symbol));
    const auto kind = r.str(t, s, "kind", "spot", false);
    auto parsed_kind = parse_instrument_kind(kind);
    r.require(parsed_kind.has_value(), t, s, "kind", "must be spot, linear or inverse");
    ic.kind = parsed_kind.value_or(InstrumentKind::kSpot);
    ic.base = r.str(t, s, "base", "", true, 11);
    ic.quote = r.str(t, s, "quote", "", true, 11);
    ic.settle =
        r.str(t, s, "settle", ic.kind == InstrumentKind::kInverse ? ic.base : ic.quote, false, 11);
    for (auto key : {"base", "quote", "settle"}) {
      const std::string& code = key == std::string_view("base")    ? ic.base
                                : key == std::string_view("quote") ? ic.quote
                                                                   : ic.settle;
      r.require(code.empty() || contains_name(c.assets, code, &AssetSpec::code), t, s, key,
                fmt::format("unknown asset '{}' (declare it in [[assets]] first)", code));
    }
    ic.tick_size = Price::from_e8(r.decimal(t, s, "tick_size", 0, true));
    r.require(ic.tick_size.is_positive(), t, s, "tick_size", "must be > 0");
    ic.step_size = Qty::from_e8(r.decimal(t, s, "step_size", 0, true));
    r.require(ic.step_size.is_positive(), t, s, "step_size", "must be > 0");
    ic.min_qty = Qty::from_e8(r.decimal(t, s, "min_qty", ic.step_size.e8));
    r.require(ic.min_qty.is_positive(), t, s, "min_qty", "must be > 0");
    ic.max_qty = Qty::from_e8(r.decimal(t, s, "max_qty", INT64_MAX / 2));
    r.require(ic.max_qty >= ic.min_qty, t, s, "max_qty", "must be ≥ min_qty");
    ic.min_notional = Amount::from_e8(r.decimal(t, s, "min_notional", 0));
    r.require(!ic.min_notional.is_negative(), t, s, "min_notional", "must be ≥ 0");
    ic.maker_fee = Rate::from_e8(r.decimal(t, s, "maker_fee", 0));
    ic.taker_fee = Rate::from_e8(r.decimal(t, s, "taker_fee", 0));
    for (auto key : {"maker_fee", "taker_fee"}) {
      const Rate fee = key == std::string_view("maker_fee") ? ic.maker_fee : ic.taker_fee;
      r.require(fee.e8 > -kScale && fee.e8 < kScale, t, s, key, "must be between -1 and 1");
    }
    ic.multiplier = Rate::from_e8(r.decimal(t, s, "multiplier", kScale));
    r.require(ic.multiplier.is_positive(), t, s, "multiplier", "must be > 0");
    ic.max_leverage = static_cast<int32_t>(r.integer(t, s, "max_leverage", 1, 1, 1000));
    ic.maintenance_margin = Rate::from_e8(r.decimal(t, s, "maintenance_margin", 0));
    r.require(!ic.maintenance_margin.is_negative() && ic.maintenance_margin.e8 < kScale, t, s,
              "maintenance_margin", "must be in [0, 1)");
    ic.price_band = Rate::from_e8(r.decimal(t, s, "price_band", 0));
    r.require(!ic.price_band.is_negative() && ic.price_band.e8 < kScale, t, s, "price_band",
              "must be in [0, 1); 0 disables the band check");
    const auto status = r.str(t, s, "status", "trading", false);
    r.require(status == "trading" || status == "halted", t, s, "status",
              "must be \"trading\" or \"halted\"");
    ic.halted = status == "halted";
    ic.venue = r.str(t, s, "venue", "", false, 15);
    c.instruments.push_back(std::move(ic));
  }
}

void read_accounts(Reader& r, const toml::table& root, EngineConfig& c) {
  const toml::array* a = array_of_tables(r, root, "accounts", kMaxAccounts);
  if (a == nullptr) return;
  for (const auto& node : *a) {
    const toml::table& t = *node.as_table();
    const char* s = "accounts";
    r.check_keys(t, s, {"name", "type", "leverage", "balances", "status"});
    AccountSpec ac;
    ac.name = r.name(t, s, "name", 15, NameKind::kTable);
    r.require(!contains_name(c.accounts, ac.name, &AccountSpec::name), t, s, "name",
              fmt::format("duplicate account '{}'", ac.name));
    r.require(ac.name != "*", t, s, "name", "\"*\" means every account in clients.accounts");
    auto type = parse_account_type(r.str(t, s, "type", "spot", false));
    r.require(type.has_value(), t, s, "type", "must be spot or futures");
    ac.type = type.value_or(AccountType::kSpot);
    ac.leverage = static_cast<int32_t>(r.integer(t, s, "leverage", 1, 1, 1000));
    const auto status = r.str(t, s, "status", "active", false);
    r.require(status == "active" || status == "halted", t, s, "status",
              "must be \"active\" or \"halted\"");
    ac.halted = status == "halted";
    if (const toml::node* b = t.get("balances")) {
      const toml::table* bt = b->as_table();
      if (bt == nullptr) {
        r.fail(b->source(), "accounts.balances", "expected a table like { USDT = \"1000\" }");
      } else {
        for (auto&& [code, value] : *bt) {
          const auto label = fmt::format("accounts.balances.{}", code.str());
          const std::string code_s(code.str());
          if (!contains_name(c.assets, code_s, &AssetSpec::code)) {
            r.fail(value.source(), label, fmt::format("unknown asset '{}'", code_s));
          }
          const Amount amt = Amount::from_e8(r.decimal(&value, label, 0));
          if (amt.is_negative()) r.fail(value.source(), label, "must be ≥ 0");
          ac.balances.emplace_back(code_s, amt);
        }
      }
    }
    c.accounts.push_back(std::move(ac));
  }
}

void read_strategies(Reader& r, const toml::table& root, EngineConfig& c) {
  const toml::array* a = array_of_tables(r, root, "strategies");
  if (a == nullptr) return;
  for (const auto& node : *a) {
    const toml::table& t = *node.as_table();
    const char* s = "strategies";
    r.check_keys(t, s,
                 {"name", "account", "state", "max_open_orders", "max_position",
                  "max_order_notional", "max_daily_loss", "max_daily_trades"});
    StrategySpec sc;
    sc.name = r.name(t, s, "name", 15, NameKind::kTable);
    r.require(!contains_name(c.strategies, sc.name, &StrategySpec::name), t, s, "name",
              fmt::format("duplicate strategy '{}'", sc.name));
    sc.account = r.str(t, s, "account", "", true, 15);
    r.require(contains_name(c.accounts, sc.account, &AccountSpec::name), t, s, "account",
              fmt::format("unknown account '{}'", sc.account));
    auto state = parse_strategy_state(r.str(t, s, "state", "running", false));
    r.require(state.has_value(), t, s, "state", "must be running, paused or stopped");
    sc.state = state.value_or(StrategyState::kRunning);
    sc.max_open_orders =
        static_cast<int32_t>(r.integer(t, s, "max_open_orders", 1000, 0, INT32_MAX));
    sc.max_position = Qty::from_e8(r.decimal(t, s, "max_position", INT64_MAX / 4));
    r.require(!sc.max_position.is_negative(), t, s, "max_position", "must be ≥ 0");
    sc.max_order_notional = Amount::from_e8(r.decimal(t, s, "max_order_notional", INT64_MAX / 4));
    r.require(!sc.max_order_notional.is_negative(), t, s, "max_order_notional", "must be ≥ 0");
    sc.max_daily_loss = Amount::from_e8(r.decimal(t, s, "max_daily_loss", INT64_MAX / 4));
    r.require(!sc.max_daily_loss.is_negative(), t, s, "max_daily_loss", "must be ≥ 0");
    sc.max_daily_trades =
        static_cast<int32_t>(r.integer(t, s, "max_daily_trades", INT32_MAX, 0, INT32_MAX));
    c.strategies.push_back(std::move(sc));
  }
}

void read_clients(Reader& r, const toml::table& root, EngineConfig& c) {
  const toml::array* a = array_of_tables(r, root, "clients");
  if (a == nullptr) return;
  for (const auto& node : *a) {
    const toml::table& t = *node.as_table();
    const char* s = "clients";
    r.check_keys(t, s,
                 {"name", "role", "accounts", "rate_limit", "cancel_on_disconnect",
                  "heartbeat_timeout_ms", "mode", "quarantine_after", "user", "group"});
    ClientSpec cc;
    cc.name = r.name(t, s, "name", 15, NameKind::kSegment);
    r.require(!contains_name(c.clients, cc.name, &ClientSpec::name), t, s, "name",
              fmt::format("duplicate client '{}'", cc.name));
    auto role = parse_client_role(r.str(t, s, "role", "strategy", false));
    r.require(role.has_value(), t, s, "role", "must be strategy, venue or admin");
    cc.role = role.value_or(ClientRole::kStrategy);
    if (const toml::node* n = t.get("accounts")) {
      const toml::array* arr = n->as_array();
      if (arr == nullptr) {
        r.fail(n->source(), "clients.accounts", "expected an array of account names");
      } else {
        for (const auto& e : *arr) {
          auto name = e.value<std::string>();
          if (name == "*") {
            // Every configured account: said explicitly, never implied by an empty list.
            if (arr->size() != 1) {
              r.fail(e.source(), "clients.accounts", "\"*\" (every account) stands alone");
            }
            cc.all_accounts = true;
          } else if (!name || !contains_name(c.accounts, *name, &AccountSpec::name)) {
            r.fail(e.source(), "clients.accounts",
                   fmt::format("unknown account '{}'", name.value_or("?")));
          } else {
            cc.accounts.push_back(*name);
          }
        }
      }
    }
    cc.rate_limit = static_cast<uint32_t>(r.integer(t, s, "rate_limit", 0, 0, 100'000'000));
    cc.cancel_on_disconnect =
        r.boolean(t, s, "cancel_on_disconnect", cc.role == ClientRole::kStrategy);
    cc.heartbeat_timeout_ms =
        static_cast<uint32_t>(r.integer(t, s, "heartbeat_timeout_ms", 0, 0, 86'400'000));
    cc.mode = static_cast<uint32_t>(r.integer(t, s, "mode", 0600, 0400, 0666));
    r.require((cc.mode & 0600) == 0600 && (cc.mode & ~0666u) == 0, t, s, "mode",
              "must give its owner read and write and nobody execute, e.g. 0o600 or 0o660");
    cc.quarantine_after =
        static_cast<uint32_t>(r.integer(t, s, "quarantine_after", 16, 1, 1'000'000));
    cc.user = r.os_principal(t, s, "user");
    cc.group = r.os_principal(t, s, "group");
    c.clients.push_back(std::move(cc));
  }
}

void check_capacities(Reader& r, const toml::table& root, EngineConfig& c) {
  const uint64_t positions_needed =
      static_cast<uint64_t>(c.accounts.size() + c.strategies.size()) * c.instruments.size();
  if (positions_needed > c.max_positions) {
    const toml::node* e = root.get("engine");
    const toml::node* key =
        e != nullptr && e->is_table() ? e->as_table()->get("max_positions") : nullptr;
    r.fail(key != nullptr ? key->source()
           : e != nullptr ? e->source()
                          : root.source(),
           "engine.max_positions",
           fmt::format("{} is below (accounts + strategies) × instruments = {}", c.max_positions,
                       positions_needed));
  }
}

// An instrument's `venue` names a client of role venue; without it, the only venue client
// routes the instrument (none: orders wait for a venue that never comes, which is fine for
// replay and tests, and the engine says so at start).
void check_venues(Reader& r, const toml::table& root, EngineConfig& c) {
  // read_instruments kept one spec per [[instruments]] table, in order: entry i is table i.
  const toml::node* n = root.get("instruments");
  const toml::array* tables = n != nullptr ? n->as_array() : nullptr;
  for (size_t i = 0; i < c.instruments.size(); ++i) {
    const InstrumentSpec& ic = c.instruments[i];
    if (ic.venue.empty()) continue;
    bool ok = false;
    for (const ClientSpec& cc : c.clients) {
      ok = ok || (cc.name == ic.venue && cc.role == ClientRole::kVenue);
    }
    if (ok) continue;
    const std::string what =
        fmt::format("{}: '{}' is not a client with role \"venue\"", ic.symbol, ic.venue);
    const toml::table* t =
        tables != nullptr && i < tables->size() ? (*tables)[i].as_table() : nullptr;
    if (t != nullptr) {
      r.require(false, *t, "instruments", "venue", what);
    } else {
      r.fail(root.source(), "instruments.venue", what);
    }
  }
}

// The key of [engine] (or the table itself) that a message about the engine should point at.
const toml::source_region& engine_source(const toml::table& root, std::string_view key) {
  const toml::node* e = root.get("engine");
  const toml::table* t = e != nullptr ? e->as_table() : nullptr;
  const toml::node* k = t != nullptr ? t->get(key) : nullptr;
  return k != nullptr ? k->source() : e != nullptr ? e->source() : root.source();
}

// A config must say what it runs: an engine name and something to trade with. Checked after
// every other key, so a file with a wrong value reports that value first; an empty file, a
// directory's empty read or /dev/null is refused here instead of running an engine "ose" with
// no markets.
void check_complete(Reader& r, const toml::table& root, const EngineConfig& c) {
  const toml::node* e = root.get("engine");
  if (e == nullptr) {
    return r.fail_file(
        "no [engine] table: a config needs [engine] with a name, at least one [[instruments]] "
        "and at least one [[accounts]]");
  }
  if (const toml::table* t = e->as_table(); t != nullptr && t->get("name") == nullptr) {
    r.fail(e->source(), "engine.name", "missing (it names the engine's shared-memory segments)");
  }
  if (c.instruments.empty()) {
    r.fail_file("no [[instruments]]: a config needs at least one market to trade");
  }
  if (c.accounts.empty()) r.fail_file("no [[accounts]]: a config needs at least one account");
}

// The state's fixed tables are allocated whole at start (memset, so every page is touched):
// a capacity that needs more memory than the machine has is refused here, at the key, instead
// of failing to allocate later or being killed by the OOM killer half way through.
void check_memory(Reader& r, const toml::table& root, const EngineConfig& c) {
  const uint64_t need = State::layout_for(State::capacities_for(c)).end;
  const long pages = ::sysconf(_SC_PHYS_PAGES);
  const long page = ::sysconf(_SC_PAGESIZE);
  if (pages <= 0 || page <= 0) return;  // unknown: State::create reports a failed allocation
  const uint64_t have = static_cast<uint64_t>(pages) * static_cast<uint64_t>(page);
  if (need <= have) return;
  // Point at the capacity that costs the most: orders (with their index) unless a larger
  // max_trades or max_ledger was set.
  const uint64_t trades = c.max_trades != 0 ? c.max_trades : c.max_orders;
  const uint64_t ledger = c.max_ledger != 0 ? c.max_ledger : c.max_orders;
  std::string_view key = "max_orders";
  uint64_t value = c.max_orders;
  if (trades > value && c.max_trades != 0) {
    key = "max_trades";
    value = trades;
  }
  if (ledger > value && c.max_ledger != 0) {
    key = "max_ledger";
    value = ledger;
  }
  r.fail(engine_source(root, key), fmt::format("engine.{}", key),
         fmt::format("{} needs a {} MiB state, more than this machine's {} MiB of memory; lower "
                     "it (max_orders = {}, max_trades = {}, max_ledger = {})",
                     value, need >> 20, have >> 20, c.max_orders, trades, ledger));
}

Result<EngineConfig> load(const toml::table& root, const std::string& origin) {
  Reader r(origin);
  EngineConfig c;
  c.source = origin;
  r.check_keys(root, "config",
               {"engine", "assets", "instruments", "accounts", "strategies", "clients",
                "bot"});  // [bot]: the sample strategy's (ose-ema-rsi); not the engine's
  read_engine(r, root, c);
  read_assets(r, root, c);
  read_instruments(r, root, c);
  read_accounts(r, root, c);
  read_strategies(r, root, c);
  read_clients(r, root, c);
  check_capacities(r, root, c);
  check_venues(r, root, c);
  check_complete(r, root, c);
  if (!r.failed()) check_memory(r, root, c);
  if (r.failed()) return Error{r.message()};
  if (c.max_trades == 0) c.max_trades = c.max_orders;
  if (c.max_ledger == 0) c.max_ledger = c.max_orders;
  return c;
}

}  // namespace

Result<EngineConfig> load_config_string(std::string_view toml_text, const std::string& origin) {
  try {
    toml::table root = toml::parse(toml_text, origin);
    return load(root, origin);
  } catch (const toml::parse_error& e) {
    return Error{fmt::format("{}:{}: {}", origin, e.source().begin.line, e.description())};
  }
}

Result<std::string> read_config_text(const std::string& path) {
  const int fd = ::open(path.c_str(), O_RDONLY | O_CLOEXEC);
  if (fd < 0) return Error{fmt::format("{}: cannot read: {}", path, std::strerror(errno))};
  struct stat st {};
  if (::fstat(fd, &st) != 0 || S_ISDIR(st.st_mode)) {
    const int err = S_ISDIR(st.st_mode) ? EISDIR : errno;
    ::close(fd);
    return Error{fmt::format("{}: cannot read: {}", path, std::strerror(err))};
  }
  // Read through a bound rather than trusting st_size: /dev/zero and pipes have none.
  std::string text;
  char buf[65536];
  for (;;) {
    const ssize_t n = ::read(fd, buf, sizeof buf);
    if (n < 0 && errno == EINTR) continue;
    if (n < 0) {
      const int err = errno;
      ::close(fd);
      return Error{fmt::format("{}: cannot read: {}", path, std::strerror(err))};
    }
    if (n == 0) break;
    if (text.size() + static_cast<size_t>(n) > kMaxConfigBytes) {
      ::close(fd);
      return Error{
          fmt::format("{}: larger than {} MiB: not a config file", path, kMaxConfigBytes >> 20)};
    }
    text.append(buf, static_cast<size_t>(n));
  }
  ::close(fd);
  return text;
}

Result<EngineConfig> load_config_file(const std::string& path) {
  auto text = read_config_text(path);
  if (!text) return Error{text.error()};
  return load_config_string(*text, path);
}

std::vector<uint16_t> venue_clients(const StateSpec& spec) {
  uint16_t only_venue = kNoIndex;
  int venues = 0;
  for (uint16_t i = 0; i < spec.clients.size(); ++i) {
    if (spec.clients[i].role == ClientRole::kVenue) {
      only_venue = i;
      ++venues;
    }
  }
  std::vector<uint16_t> out;
  for (const InstrumentSpec& ic : spec.instruments) {
    uint16_t v = venues == 1 ? only_venue : kNoIndex;
    for (uint16_t i = 0; i < spec.clients.size(); ++i) {
      if (!ic.venue.empty() && spec.clients[i].name == ic.venue) v = i;
    }
    out.push_back(v);
  }
  return out;
}

}  // namespace ose
