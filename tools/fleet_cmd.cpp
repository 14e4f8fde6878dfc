// `ose fleet --nats URL [positions|balances|orders|pnl] [--watch [--interval S]] [--json]`: the
// firm-wide view over every engine that replicates to this NATS server (every OSE_* stream):
// each engine's state rebuilt in memory as a follower does (replication/follower.hpp), listed per
// engine and summed over the fleet (tools/fleet_views.hpp). `--watch` keeps asking the server for
// each stream's last sequence every interval, applies to each engine whose stream grew only the
// messages past where its state stands (rebuilding it from the newest snapshot when that fails),
// builds any new engine, and prints the view again when one changed, until SIGINT or SIGTERM.
#include <fmt/format.h>

#include <chrono>
#include <csignal>
#include <cstdio>
#include <ctime>
#include <map>
#include <set>
#include <thread>

#include "replication/follower.hpp"
#include "tools/commands.hpp"
#include "tools/fleet_views.hpp"
#include "tools/stop_signal.hpp"
#include "tools/store_access.hpp"

namespace ose::tools {

namespace {

struct FleetArgs {
  std::string url;
  std::string view = "positions";
  bool json = false;
  bool watch = false;
  double interval_s = 1.0;
};

// An engine as last brought up to date: to which stream sequence, and its state.
struct Rebuilt {
  uint64_t stream_last = 0;
  replication::InMemoryReplica replica;
};

std::string utc_now() {
  const std::time_t t = std::time(nullptr);
  std::tm tm{};
  gmtime_r(&t, &tm);
  char buf[32];
  std::strftime(buf, sizeof buf, "%Y-%m-%dT%H:%M:%SZ", &tm);
  return buf;
}

class Fleet {
 public:
  Fleet(replication::Link link, const FleetArgs& a) : link_(std::move(link)), a_(a) {}

  // Rebuilds every engine whose stream is new or grew since the last call and forgets those
  // whose stream is gone: true when anything changed. An Error for a server that cannot be asked
  // (`*damaged` unset) or a stream that does not rebuild (`*damaged` set: exit 3).
  Result<bool> refresh(bool* damaged) {
    *damaged = false;
    auto streams = link_.stream_names(std::string(replication::kStreamPrefix));
    if (!streams) return Error{streams.error()};
    // engines_ is updated in place, so an error part way leaves every engine either brought up
    // to date or as it was, never moved from.
    bool changed = false;
    std::set<std::string> present;
    for (const std::string& stream : *streams) {
      const std::string engine = stream.substr(replication::kStreamPrefix.size());
      const auto names = replication::stream_names(engine, nullptr);
      if (!names) continue;
      present.insert(engine);
      auto ends = link_.stream_ends(stream);
      if (!ends) return Error{ends.error()};
      auto old = engines_.find(engine);
      if (old != engines_.end() && old->second.stream_last == ends->last) continue;
      changed = true;
      // The stream grew: apply only what is new. Anything that does not continue where the
      // replica stands (a purge, a snapshot it started at, another engine's claim) rebuilds it.
      if (old != engines_.end() && old->second.stream_last < ends->last &&
          old->second.replica.catch_up(ends->last)) {
        old->second.stream_last = ends->last;
        continue;
      }
      if (old != engines_.end()) engines_.erase(old);  // a failed catch-up leaves it unusable
      auto replica = replication::InMemoryReplica::rebuild(link_, *names);
      if (!replica) {
        *damaged = true;
        return Error{fmt::format("engine {}: {}", engine, replica.error())};
      }
      engines_.emplace(engine, Rebuilt{ends->last, std::move(*replica)});
    }
    changed = changed || std::erase_if(engines_, [&](const auto& e) {
                           return !present.contains(e.first);
                         }) > 0;
    return changed;
  }

  Result<std::string> render() const {
    fleet::FleetView view(a_.view);
    for (const auto& [engine, e] : engines_) {
      if (auto ok = view.add(engine, e.replica.state()); !ok) {
        return Error{fmt::format("engine {}: {}", engine, ok.error())};
      }
    }
    if (!a_.json) return view.to_text();
    nlohmann::json j = view.to_json();
    if (!a_.watch) return j.dump(2) + "\n";
    j["ts"] = utc_now();
    return j.dump() + "\n";  // one document a line: a reader takes the last line
  }

 private:
  replication::Link link_;
  const FleetArgs& a_;
  std::map<std::string, Rebuilt> engines_;
};

int print_view(const Fleet& f, const FleetArgs& a) {
  auto text = f.render();
  if (!text) {
    fmt::print(stderr, "ose fleet: {}\n", text.error());
    return kExitFailed;
  }
  if (a.watch && !a.json) fmt::print("--- {} ---\n", utc_now());
  fmt::print("{}", *text);
  std::fflush(stdout);
  return 0;
}

// Sleeps `seconds` in short steps, so a stop signal ends the wait within 50 ms.
void wait_interval(double seconds) {
  const auto until = std::chrono::steady_clock::now() + std::chrono::duration<double>(seconds);
  while (!stop_requested() && std::chrono::steady_clock::now() < until) {
    std::this_thread::sleep_for(std::chrono::milliseconds(50));
  }
}

int run_fleet(const FleetArgs& a) {
  if (a.watch) stop_on_signals({SIGINT, SIGTERM});
  replication::LinkOptions lo;
  lo.url = a.url;
  lo.client_name = "ose-fleet";
  auto link = replication::Link::connect_within(lo, 5000);
  if (!link) {
    fmt::print(stderr, "ose fleet: {}\n", link.error());
    return kExitFailed;
  }
  Fleet f(std::move(*link), a);
  bool damaged = false;
  auto changed = f.refresh(&damaged);
  if (!changed) {
    fmt::print(stderr, "ose fleet: {}\n", changed.error());
    return damaged ? kExitDamaged : kExitFailed;
  }
  if (const int rc = print_view(f, a); rc != 0 || !a.watch) return rc;
  std::string last_error;
  while (!stop_requested()) {
    wait_interval(a.interval_s);
    if (stop_requested()) break;
    changed = f.refresh(&damaged);
    if (!changed && damaged) {
      fmt::print(stderr, "ose fleet: {}\n", changed.error());
      return kExitDamaged;
    }
    if (!changed) {  // the server is away: the link reconnects by itself; say so once
      if (changed.error() != last_error) fmt::print(stderr, "ose fleet: {}\n", changed.error());
      last_error = changed.error();
      continue;
    }
    last_error.clear();
    if (*changed) {
      if (const int rc = print_view(f, a); rc != 0) return rc;
    }
  }
  return 0;
}

}  // namespace

Run add_fleet_command(CLI::App& app) {
  auto a = std::make_shared<FleetArgs>();
  auto* cmd = app.add_subcommand(
      "fleet",
      "The firm-wide view: every engine replicating to a NATS server (each OSE_* stream, rebuilt "
      "in memory), listed per engine and summed exactly");
  cmd->add_option("--nats", a->url, "NATS server URL, e.g. nats://127.0.0.1:4222")->required();
  cmd->add_option("VIEW", a->view,
                  "positions: per instrument (size, open qty, PnL, fees, margin); balances: per "
                  "asset (free, locked, total); orders: open orders (not filled, cancelled, "
                  "rejected or expired) per instrument (count per side, remaining qty = qty - "
                  "filled); pnl: realized and unrealized PnL and fees per settle asset, per "
                  "engine, per strategy and in total")
      ->check(CLI::IsMember({"positions", "balances", "orders", "pnl"}));
  cmd->add_flag("--json", a->json,
                "Per engine and in total, as JSON (with --watch: one document a line)");
  cmd->add_flag("--watch", a->watch,
                "Keep following the streams: print the view again whenever an engine's stream "
                "grows; SIGINT or SIGTERM ends it (exit 0)");
  cmd->add_option("--interval", a->interval_s,
                  "With --watch: seconds between looks at the streams (default 1)")
      ->check(CLI::Range(0.05, 3600.0));
  return [cmd, a]() -> int { return cmd->parsed() ? run_fleet(*a) : -1; };
}

}  // namespace ose::tools
