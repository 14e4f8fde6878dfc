// A journal that cannot write: the disk fills up under a running engine (a small tmpfs filled
// to the last byte, or, where mounting is not allowed, a file-size limit that makes every write
// that grows the journal fail). The engine must stay alive, keep the durable seq at what is on
// disk, reject new orders with PERSISTENCE_STOPPED while still applying cancels, and resume when
// space returns — with nothing lost: recovery afterwards lands on the engine's state hash and
// replays the same rejects.
//
// Each scenario runs in a forked child (its own mount namespace and rlimits); the child reports
// through its exit code and stderr.
#include <gtest/gtest.h>
#include <sched.h>
#include <sys/resource.h>
#include <sys/wait.h>
#include <unistd.h>

#include <csignal>
#include <cstdio>
#include <filesystem>
#include <fstream>

#include "engine/client/client.hpp"
#include "persistence/durable_engine.hpp"
#include "shm/clock.hpp"
#include "tests/persistence/persistence_support.hpp"

// Last: <sys/mount.h> defines BLOCK_SIZE, which the moodycamel queue above uses as a name.
#include <sys/mount.h>

namespace ose::test {
namespace {

constexpr int kSkip = 77;

#define CHILD_CHECK(cond, ...)                                        \
  do {                                                                \
    if (!(cond)) {                                                    \
      std::fprintf(stderr, "%s:%d: %s: ", __FILE__, __LINE__, #cond); \
      std::fprintf(stderr, __VA_ARGS__);                              \
      std::fprintf(stderr, "\n");                                     \
      _exit(1);                                                       \
    }                                                                 \
  } while (0)

std::string config_text(const std::string& name, const std::string& data_dir,
                        const char* on_failure = "reject") {
  return one_market_config(name, fmt::format(R"(max_orders = 65536
data_dir = "{}"
on_journal_failure = "{}"
journal_retry_ms = 20
snapshot_every = 1000000
idle = "sleep")",
                                             data_dir, on_failure));
}

// Submits one command and drives the Runner until its last response; returns that response.
Response round_trip(DurableEngine& e, Client& c, uint64_t request) {
  Response r{};
  const int64_t deadline = shm::monotonic_ns() + 5'000'000'000;
  for (;;) {
    e.runner().poll_once();
    while (c.poll(r)) {
      if (r.request == request && (r.flags & kResponseLast) != 0) return r;
    }
    CHILD_CHECK(shm::monotonic_ns() < deadline, "no response to request %llu",
                static_cast<unsigned long long>(request));
  }
}

Response buy(DurableEngine& e, Client& c, uint64_t cl_id) {
  NewOrderCmd n = c.order_template("main", "ema1", "BTCUSDT");
  n.cl_id = cl_id;
  n.side = static_cast<uint8_t>(Side::kBuy);
  n.type = static_cast<uint8_t>(OrderType::kLimit);
  n.tif = static_cast<uint8_t>(Tif::kGtc);
  n.qty = Qty::from_e8(100'000);  // 0.001 BTC
  n.price = Price::from_units(20'000);
  const uint64_t req = c.new_order(n);
  CHILD_CHECK(req != 0, "command ring full");
  return round_trip(e, c, req);
}

JournalState journal_state(DurableEngine& e) {
  return static_cast<JournalState>(e.runner().journal_status().state.load());
}

// Runs in the child. `fill` makes the disk full, `free_space` gives room back.
template <typename Fill, typename Free>
void scenario(const std::string& data_dir, Fill fill, Free free_space) {
  const std::string name = fmt::format("df{}", getpid());
  auto config = load_config_string(config_text(name, data_dir), "<disk full test>");
  CHILD_CHECK(config.ok(), "%s", config.error().c_str());
  const bool verbose = std::getenv("OSE_TEST_ENGINE_LOG") != nullptr;
  auto engine = DurableEngine::open(*config, [verbose](const std::string& m) {
    if (verbose) std::fprintf(stderr, "engine: %s\n", m.c_str());
  });
  CHILD_CHECK(engine.ok(), "%s", engine.error().c_str());
  DurableEngine& e = **engine;
  auto client = Client::attach(name, "ema1");
  CHILD_CHECK(client.ok(), "%s", client.error().c_str());
  Client& c = *client;

  uint64_t cl_id = 1;
  Response first = buy(e, c, cl_id++);
  CHILD_CHECK(first.event.type == EventType::kAccepted, "first order not accepted");
  const uint64_t first_order = first.event.order_id;

  fill();
  // Orders until a commit fails (the file has to grow past what is free).
  const int64_t deadline = shm::monotonic_ns() + 20'000'000'000;
  while (journal_state(e) == JournalState::kWriting) {
    CHILD_CHECK(shm::monotonic_ns() < deadline, "the journal never failed");
    Response r = buy(e, c, cl_id++);
    CHILD_CHECK(
        r.event.type == EventType::kAccepted || r.event.reason == RejectReason::kPersistenceStopped,
        "unexpected response");
  }
  CHILD_CHECK(journal_state(e) == JournalState::kFailing, "state %u",
              static_cast<unsigned>(journal_state(e)));
  // The Runner turns the failure into an input on its next housekeeping pass.
  for (int i = 0; i < 256; ++i) e.runner().poll_once();
  CHILD_CHECK(e.runner().state().header().persistence_stopped == 1, "not stopped");
  const uint64_t durable_while_failing = e.runner().journal_status().durable_seq.load();
  const uint64_t applied_while_failing = e.runner().state().header().seq;
  CHILD_CHECK(durable_while_failing < applied_while_failing, "durable %llu applied %llu",
              static_cast<unsigned long long>(durable_while_failing),
              static_cast<unsigned long long>(applied_while_failing));

  const uint64_t refused_cl_id = cl_id++;
  Response refused = buy(e, c, refused_cl_id);
  CHILD_CHECK(refused.event.type == EventType::kRejected, "a new order was accepted");
  CHILD_CHECK(refused.event.reason == RejectReason::kPersistenceStopped, "reason %u",
              static_cast<unsigned>(refused.event.reason));
  Response cancel = round_trip(e, c, c.cancel_order(first_order));
  CHILD_CHECK(cancel.event.type == EventType::kCancelRequested, "the cancel was not applied");
  CHILD_CHECK(e.runner().journal_status().durable_seq.load() == durable_while_failing,
              "the durable seq moved while the disk is full");

  free_space();
  const int64_t resume_deadline = shm::monotonic_ns() + 20'000'000'000;
  while (e.runner().journal_status().durable_seq.load() < e.runner().state().header().seq ||
         e.runner().state().header().persistence_stopped != 0) {
    CHILD_CHECK(shm::monotonic_ns() < resume_deadline, "the journal never resumed");
    e.runner().poll_once();
    usleep(100);
  }
  Response again = buy(e, c, cl_id++);
  CHILD_CHECK(again.event.type == EventType::kAccepted, "no new orders after the resume");

  std::atomic<bool> stop{true};
  auto durable = e.run(stop);
  CHILD_CHECK(durable.ok(), "%s", durable.error().c_str());
  CHILD_CHECK(*durable == e.runner().state().header().seq, "not everything is durable");
  const uint64_t live_hash = e.runner().state().hash();

  Store store = open_store(data_dir, true);
  RecoverOptions full;
  full.use_snapshots = false;
  auto rec = recover(*config, store, full);
  CHILD_CHECK(rec.ok(), "%s", rec.error().c_str());
  CHILD_CHECK(rec->state_hash == live_hash, "recovered %016llx, live %016llx",
              static_cast<unsigned long long>(rec->state_hash),
              static_cast<unsigned long long>(live_hash));
  // The refused order is in the journal and replays to the same reject.
  const uint32_t slot = rec->state.header().next_unused_slot;
  bool found = false;
  for (uint32_t i = 0; i < slot; ++i) {
    const OrderRecord& o = rec->state.order_at(i);
    if (o.cl_id == refused_cl_id) {
      found = o.reject_reason == RejectReason::kPersistenceStopped;
    }
  }
  CHILD_CHECK(found, "the refused order did not replay as PERSISTENCE_STOPPED");
  _exit(0);
}

// `engine_prefix`: the child's engine is named prefix + its pid.
void expect_child_passes(pid_t pid, const char* engine_prefix) {
  int status = 0;
  const pid_t reaped = waitpid(pid, &status, 0);
  // The child _exits with its engine alive (or dies): what the engine left in /dev/shm, its
  // lock file included, goes here, whatever the verdict.
  remove_dead_engine_files(fmt::format("{}{}", engine_prefix, pid));
  ASSERT_EQ(reaped, pid);
  ASSERT_TRUE(WIFEXITED(status)) << "child died by signal " << WTERMSIG(status);
  if (WEXITSTATUS(status) == kSkip) GTEST_SKIP() << "cannot mount a tmpfs here (not privileged)";
  EXPECT_EQ(WEXITSTATUS(status), 0) << "see the child's message above";
}

TEST(DiskFull, AFullTmpfsStopsNewOrdersAndResumesWhenSpaceReturns) {
  TempDir dir;
  const pid_t pid = fork();
  ASSERT_GE(pid, 0);
  if (pid == 0) {
    // A private mount namespace: the tmpfs disappears with the child, whatever happens.
    if (unshare(CLONE_NEWNS) != 0 || mount(nullptr, "/", nullptr, MS_REC | MS_PRIVATE, nullptr) ||
        mount("tmpfs", dir.path().c_str(), "tmpfs", 0, "size=2m") != 0) {
      _exit(kSkip);
    }
    const std::string data = dir.sub("data");
    const std::string filler = dir.sub("filler");
    scenario(
        data,
        [&] {
          // Everything the tmpfs has left goes into one file.
          std::FILE* f = std::fopen(filler.c_str(), "wb");
          CHILD_CHECK(f != nullptr, "cannot create the filler");
          static char block[4096];
          while (std::fwrite(block, 1, sizeof block, f) == sizeof block) {
          }
          std::fclose(f);
        },
        [&] { std::filesystem::remove(filler); });
  }
  expect_child_passes(pid, "df");
}

TEST(DiskFull, AFileSizeLimitStopsNewOrdersAndResumesWhenLifted) {
  TempDir dir;
  const pid_t pid = fork();
  ASSERT_GE(pid, 0);
  if (pid == 0) {
    std::signal(SIGXFSZ, SIG_IGN);  // writes past the limit fail with EFBIG instead
    const std::string data = dir.sub("data");
    rlimit original{};
    getrlimit(RLIMIT_FSIZE, &original);
    scenario(
        data,
        [&] {
          const auto size = std::filesystem::file_size(data + "/data.mdb");
          rlimit tight = original;
          tight.rlim_cur = size;
          CHILD_CHECK(setrlimit(RLIMIT_FSIZE, &tight) == 0, "setrlimit");
        },
        [&] { CHILD_CHECK(setrlimit(RLIMIT_FSIZE, &original) == 0, "setrlimit"); });
  }
  expect_child_passes(pid, "df");
}

// on_journal_failure = "stop": the engine stops instead of rejecting, and says what it lost.
TEST(DiskFull, StopPolicyStopsTheEngine) {
  TempDir dir;
  const pid_t pid = fork();
  ASSERT_GE(pid, 0);
  if (pid == 0) {
    std::signal(SIGXFSZ, SIG_IGN);
    const std::string data = dir.sub("data");
    const std::string name = fmt::format("ds{}", getpid());
    auto config = load_config_string(config_text(name, data, "stop"), "<disk full test>");
    CHILD_CHECK(config.ok(), "%s", config.error().c_str());
    auto engine = DurableEngine::open(*config, [](const std::string&) {});
    CHILD_CHECK(engine.ok(), "%s", engine.error().c_str());
    DurableEngine& e = **engine;
    auto client = Client::attach(name, "ema1");
    CHILD_CHECK(client.ok(), "%s", client.error().c_str());
    buy(e, *client, 1);
    rlimit tight{};
    getrlimit(RLIMIT_FSIZE, &tight);
    tight.rlim_cur = std::filesystem::file_size(data + "/data.mdb");
    CHILD_CHECK(setrlimit(RLIMIT_FSIZE, &tight) == 0, "setrlimit");
    const int64_t deadline = shm::monotonic_ns() + 20'000'000'000;
    for (uint64_t cl_id = 2; journal_state(e) != JournalState::kHalting; ++cl_id) {
      CHILD_CHECK(shm::monotonic_ns() < deadline, "the journal never failed");
      buy(e, *client, cl_id);
    }
    std::atomic<bool> stop{false};  // run() must return on its own
    auto durable = e.run(stop);
    CHILD_CHECK(e.runner().halted_by_journal(), "the Runner did not stop");
    CHILD_CHECK(!durable.ok(), "a full disk cannot have written everything");
    CHILD_CHECK(durable.error().find("not durable") != std::string::npos, "%s",
                durable.error().c_str());
    _exit(0);
  }
  expect_child_passes(pid, "ds");
}

}  // namespace
}  // namespace ose::test
