#include "persistence/durable_engine.hpp"

#include <fmt/format.h>
#include <unistd.h>

#include <algorithm>
#include <optional>

#include "engine/runtime/ownership.hpp"
#include "persistence/store_check.hpp"

namespace ose {

// The journal and the input log both see every input.
class DurableEngine::Tee final : public InputSink {
 public:
  Tee(InputSink* a, InputSink* b) noexcept : a_(a), b_(b) {}
  void on_input(const Input& in) noexcept override {
    if (a_ != nullptr) a_->on_input(in);
    if (b_ != nullptr) b_->on_input(in);
  }

 private:
  InputSink* a_;
  InputSink* b_;
};

namespace {

// Why the engine will not start on this journal, and what the operator can do about it.
std::string refusal(const EngineConfig& config, const VerifyReport& rep) {
  std::string repair;
  if (!rep.structure_sound) {
    repair =
        "LMDB's own pages are damaged, which `ose journal truncate` cannot mend: restore a backup "
        "(`ose backup` makes one; copy its data.mdb into an empty data_dir), or move the "
        "directory aside to start from the config's initial state";
  } else {
    uint64_t first_bad = UINT64_MAX;
    for (const ReplayProblem& p : rep.problems) {
      if (p.seq != 0 && !p.snapshot_only) first_bad = std::min(first_bad, p.seq);
    }
    repair = first_bad != UINT64_MAX && first_bad > 1
                 ? fmt::format(
                       "`ose journal truncate --from {} --yes` discards the damaged "
                       "record and everything after it (the engine then starts at seq "
                       "{}), or restore a backup (`ose backup`)",
                       first_bad, first_bad - 1)
                 : "restore a backup (`ose backup` makes one)";
  }
  return fmt::format(
      "the journal in {} is damaged, so the engine does not start on it:\n{}\n`ose journal "
      "verify` lists every problem. To repair: {}",
      config.data_dir, describe_problems(rep), repair);
}

}  // namespace

Result<std::unique_ptr<DurableEngine>> DurableEngine::open(const EngineConfig& config, Log log,
                                                           InputSink* extra_sink,
                                                           bool* journal_damaged) {
  if (journal_damaged != nullptr) *journal_damaged = false;
  // The lock first: recovery opens the journal read-write, which only the one live engine of
  // this name may do.
  auto lock = lock_engine(config.name);
  if (!lock) return Error{lock.error()};
  // Refuse ownership this process cannot grant before the journal is created or recovered;
  // Runner::create checks again right where it creates the segments.
  if (auto ownership = plan_ownership(config); !ownership) return Error{ownership.error()};
  std::unique_ptr<DurableEngine> e(new DurableEngine());
  e->log_ = log;
  std::optional<Store> store;
  std::optional<Recovered> recovered;
  if (config.journal) {
    const uint64_t map_size = uint64_t{config.journal_map_mb} << 20;
    const StoreCheck check = check_store(config.data_dir, {map_size});
    if (!check.denied.empty()) {
      return Error{fmt::format(
          "the engine cannot read its journal in {}: permission denied (EACCES) to uid {}: a "
          "data_dir must belong to the user the engine runs as (install -d -o USER -g USER -m "
          "0750 {}, docs/SECURITY.md)",
          config.data_dir, ::geteuid(), config.data_dir)};
    }
    if (check.present && check.report.blocks_recovery()) {
      if (journal_damaged != nullptr) *journal_damaged = true;
      return Error{refusal(config, check.report)};
    }
    auto opened = Store::open(config.data_dir, {uint64_t{config.journal_map_mb} << 20, false});
    if (!opened) return Error{opened.error()};
    store.emplace(std::move(*opened));
    RecoverOptions options;
    options.log = log;
    auto rec = recover(config, *store, options);
    if (!rec) return Error{"recovery failed: " + rec.error()};
    recovered.emplace(std::move(*rec));
    e->recovered_seq_ = recovered->state.header().seq;
    e->snapshot_seq_ = recovered->snapshot_seq;
    e->replayed_ = recovered->replayed;
    log(fmt::format(
        "recovered seq {} from {} + {} journal records in {:.1f} ms (state hash {:016x})",
        e->recovered_seq_,
        e->snapshot_seq_ == 0 ? std::string("the config's initial state")
                              : fmt::format("the snapshot at seq {}", e->snapshot_seq_),
        e->replayed_, static_cast<double>(recovered->elapsed_ns) / 1e6, recovered->state_hash));
  }
  auto runner =
      Runner::create(config, std::move(*lock), log, recovered ? &recovered->state : nullptr);
  if (!runner) return Error{runner.error()};
  e->runner_ = std::move(*runner);
  if (recovered) {
    if (e->runner_->state().hash() != recovered->state_hash) {
      return Error{"the state segment does not hold the recovered state"};
    }
    const JournalOptions options = JournalOptions::from(config);
    const uint64_t seq = recovered->state.header().seq;
    recovered.reset();  // the engine's State holds it now: free it before the cut's buffer
    // The Runner cuts snapshots from its own State, a slice per pass; the journal commits them.
    auto cut = SnapshotCut::create(e->runner_->state(), {options.snapshot_every});
    if (!cut) return Error{cut.error()};
    e->cut_ = std::move(*cut);
    auto j = Journal::start(std::move(*store), seq, e->cut_.get(), options,
                            &e->runner_->journal_status(), log);
    if (!j) return Error{j.error()};
    e->journal_ = std::move(*j);
    e->runner_->set_snapshot_cut(e->cut_.get());
  }
  if (!config.journal && config.durability == "sync") {
    log("durability = \"sync\" without a journal: responses are not held (nothing is durable)");
  }
  if (e->journal_ || extra_sink != nullptr) {
    e->tee_ = std::make_unique<Tee>(e->journal_.get(), extra_sink);
    e->runner_->set_input_sink(e->tee_.get());
  }
  return e;
}

// The journal (if run() did not stop it) stops in its own destructor, before the Runner goes.
DurableEngine::~DurableEngine() = default;

Result<uint64_t> DurableEngine::run(const std::atomic<bool>& stop) {
  runner_->run(stop);
  const uint64_t applied = runner_->state().header().seq;
  if (!journal_) return applied;
  auto durable = journal_->stop(applied, runner_->state().hash());
  if (!durable) return Error{"journal: " + durable.error()};
  return *durable;
}

}  // namespace ose
