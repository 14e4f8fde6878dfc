// Shared pieces of the persistence tests: temporary LMDB directories, seeded random streams
// (tests/engine/random_streams.hpp), and "the live engine": a State the inputs are applied to
// while the same inputs go through a Journal, as the Runner does.
#pragma once

#include <gtest/gtest.h>
#include <stdlib.h>

#include <filesystem>
#include <string>
#include <thread>
#include <vector>

#include "engine/core/apply.hpp"
#include "engine/layout/shared_layout.hpp"
#include "persistence/journal.hpp"
#include "persistence/journal_format.hpp"
#include "persistence/recovery.hpp"
#include "persistence/store.hpp"
#include "tests/engine/random_streams.hpp"
#include "tests/engine/reference_model.hpp"
#include "tests/support/btcusdt_spot.hpp"

namespace ose::test {

class TempDir {
 public:
  explicit TempDir(const char* base = "/tmp") {
    std::string tmpl = std::string(base) + "/ose-persist-XXXXXX";
    if (mkdtemp(tmpl.data()) == nullptr) throw std::runtime_error("mkdtemp failed");
    path_ = tmpl;
  }
  ~TempDir() {
    std::error_code ec;
    std::filesystem::remove_all(path_, ec);
  }
  const std::string& path() const { return path_; }
  std::string sub(const char* name) const { return path_ + "/" + name; }

 private:
  std::string path_;
};

// Inputs generated once against the reference model, then used as plain inputs.
inline std::vector<Input> make_stream(const EngineConfig& config, uint64_t seed, int n) {
  ref::Model model(config);
  streams::StreamGenerator gen(seed, model);
  std::vector<Input> out;
  for (int i = 0; i < n; ++i) {
    out.push_back(gen.next());
    model.apply(out.back());
  }
  return out;
}

inline const EngineConfig& stream_config() {
  static const EngineConfig c = streams::load_stream_config(64, 32);
  return c;
}

// One spot market, one rich account, one strategy and its client (ema1): the engine tests'
// world. `engine_lines` are extra [engine] keys, one per line.
inline std::string one_market_config(const std::string& name, const std::string& engine_lines) {
  return fmt::format(R"(
[engine]
name = "{}"
max_positions = 16
{}

{}

[[accounts]]
name = "main"
type = "spot"
balances = {{ USDT = "100000000", BTC = "100" }}

[[strategies]]
name = "ema1"
account = "main"
max_open_orders = 100000

[[clients]]
name = "ema1"
accounts = ["main"]
)",
                     name, engine_lines, kBtcUsdtSpot);
}

inline Store open_store(const std::string& dir, bool read_only, uint64_t map_size = 64ull << 20) {
  auto s = Store::open(dir, {map_size, read_only});
  if (!s) throw std::runtime_error(s.error());
  return std::move(*s);
}

inline State genesis(const EngineConfig& config) {
  auto s = genesis_state(config);
  if (!s) throw std::runtime_error(s.error());
  return std::move(*s);
}

struct LiveRun {
  uint64_t live_hash = 0;
  uint64_t last_seq = 0;
  uint64_t snapshots_taken = 0;
};

// The live engine's side of a journal, as the Runner does it: a State with a write log, the
// snapshot cut fed from that log, and a step of the cut after each input. With the default
// slice a cut completes in the step that starts it (snapshots at exact multiples of
// snapshot_every); a smaller slice spreads it over the following inputs.
class LiveEngine {
 public:
  LiveEngine(const EngineConfig& config, uint64_t snapshot_every, uint64_t slice_bytes = UINT64_MAX)
      : state_(genesis(config)), log_(VersionLayout::for_caps(state_.caps())) {
    state_.log_writes(&log_);
    auto cut = SnapshotCut::create(state_, {snapshot_every, slice_bytes});
    if (!cut) throw std::runtime_error(cut.error());
    cut_ = std::move(*cut);
  }

  State& state() { return state_; }
  SnapshotCut& cut() { return *cut_; }
  WriteLog& log() { return log_; }

  // One input as the Runner takes it: apply, then end_input().
  void apply(const Input& in, Journal* journal = nullptr) {
    ose::apply(state_, in, sink_);
    end_input(in, journal);
  }
  // The rest of an input the caller applied (or wrote to the State by other edit_… calls): the
  // cut notes its writes, the journal gets it, the cut takes a step. With a journal, a due cut
  // whose buffer the journal still holds is waited for (the Runner never would), so snapshots
  // land where a test expects them; without one, the test releases finished cuts itself.
  void end_input(const Input& in, Journal* journal) {
    cut_->after_input(state_, log_);
    log_.clear();
    if (journal == nullptr) {
      cut_->step(state_);
      return;
    }
    journal->on_input(in);
    cut_->step(state_);
    while (cut_->waiting()) {
      std::this_thread::yield();
      cut_->step(state_);
    }
  }

 private:
  State state_;
  WriteLog log_;
  std::unique_ptr<SnapshotCut> cut_;
  NullEventSink sink_;
};

// Applies `inputs` to a live State and hands each to a Journal over `dir`, then stops the journal
// (everything durable). The live State is the engine's; its hash is what recovery must give.
inline LiveRun run_live(const EngineConfig& config, const std::string& dir,
                        const std::vector<Input>& inputs, JournalOptions options,
                        uint64_t map_size = 64ull << 20) {
  Store store = open_store(dir, false, map_size);
  if (auto b = store.bind_genesis(genesis(config).hash()); !b) throw std::runtime_error(b.error());
  LiveEngine live(config, options.snapshot_every);
  JournalStatus status{};
  auto journal = Journal::start(std::move(store), live.state().header().seq, &live.cut(), options,
                                &status, [](const std::string&) {});
  if (!journal) throw std::runtime_error(journal.error());
  for (const Input& in : inputs) live.apply(in, journal->get());
  auto durable = (*journal)->stop(live.state().header().seq, live.state().hash());
  if (!durable) throw std::runtime_error(durable.error());
  LiveRun r;
  r.live_hash = live.state().hash();
  r.last_seq = live.state().header().seq;
  r.snapshots_taken = status.snapshots_taken.load();
  return r;
}

// Rewrites one stored value (a test's way to damage the store).
template <typename Edit>
void edit_value(const std::string& dir, bool snapshots, uint64_t seq, Edit edit) {
  Store store = open_store(dir, false);
  auto txn = lmdb::Txn::begin(store.env(), false);
  ASSERT_TRUE(txn.ok());
  unsigned char kb[8];
  encode_seq_key(seq, kb);
  MDB_val k{8, kb}, v{};
  const MDB_dbi db = snapshots ? store.snapshots_db() : store.journal_db();
  ASSERT_EQ(mdb_get(txn->get(), db, &k, &v), 0) << "no value at seq " << seq;
  std::string bytes(static_cast<const char*>(v.mv_data), v.mv_size);
  edit(bytes);
  MDB_val nv{bytes.size(), bytes.data()};
  ASSERT_EQ(mdb_put(txn->get(), db, &k, &nv, 0), 0);
  ASSERT_EQ(txn->commit(), 0);
}

}  // namespace ose::test
