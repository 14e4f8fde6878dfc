#include "bench/study/python_runs.hpp"

#include <fmt/format.h>
#include <unistd.h>

#include <cstdlib>
#include <cstring>
#include <fstream>
#include <iterator>
#include <nlohmann/json.hpp>

#include "bench/e2e/cpu_affinity.hpp"
#include "bench/e2e/reaped_child.hpp"

namespace ose::bench {

namespace {

// A scratch file for a Python process's results, removed with this object.
class ScratchFile {
 public:
  ScratchFile() {
    std::string tmpl = "/tmp/ose-bench-py-XXXXXX";
    const int fd = mkstemp(tmpl.data());
    if (fd >= 0) {
      ::close(fd);
      path_ = tmpl;
    }
  }
  ScratchFile(const ScratchFile&) = delete;
  ScratchFile& operator=(const ScratchFile&) = delete;
  ~ScratchFile() {
    if (!path_.empty()) ::unlink(path_.c_str());
  }
  const std::string& path() const { return path_; }
  std::string contents() const {
    std::ifstream in(path_, std::ios::binary);
    return {std::istreambuf_iterator<char>(in), std::istreambuf_iterator<char>()};
  }

 private:
  std::string path_;
};

// Runs `env.python scripts/script args...` with PYTHONPATH set and waits for it (each script
// gives up by itself when the engine stops answering). Empty, or what went wrong.
std::string run_python(const PythonEnv& env, const std::string& script,
                       const std::vector<std::string>& args) {
  const std::string path = env.scripts + "/" + script;
  const pid_t pid = fork();
  if (pid < 0) return fmt::format("fork: {}", std::strerror(errno));
  if (pid == 0) {
    ::setenv("PYTHONPATH", env.pythonpath.c_str(), 1);
    std::vector<char*> argv{const_cast<char*>(env.python.c_str()), const_cast<char*>(path.c_str())};
    for (const std::string& a : args) argv.push_back(const_cast<char*>(a.c_str()));
    argv.push_back(nullptr);
    ::execv(env.python.c_str(), argv.data());
    fmt::print(stderr, "ose-bench: cannot run {}: {}\n", env.python, std::strerror(errno));
    _exit(127);
  }
  ReapedChild child(pid);
  child.reap(false);  // blocking: no polling wake-ups on the cpu the script is timed on
  if (child.exited_cleanly()) return "";
  return fmt::format("{} {} {}", env.python, path, child.how());
}

// The samples a roundtrip.py batch wrote: native int64 ns.
std::vector<int64_t> read_samples(const ScratchFile& f) {
  const std::string bytes = f.contents();
  std::vector<int64_t> out(bytes.size() / sizeof(int64_t));
  std::memcpy(out.data(), bytes.data(), out.size() * sizeof(int64_t));
  return out;
}

}  // namespace

PythonRoundTripRun python_round_trips(const PythonRoundTripOptions& o,
                                      const std::function<void(const std::string&)>& progress) {
  PythonRoundTripRun out;
  EngineRunOptions e = o.engine;
  e.clients = 2;  // c0 (C++, strategy s0) and c1 (Python, strategy s1)
  EngineRun run(e, "py");
  if (!run.error().empty()) {
    out.error = run.error();
    return out;
  }
  // Both clients on one cpu: they take turns, and each meets the engine across the same cores.
  const int cpu = run.client_cpu(0);
  AffinityGuard affinity;
  if (const int err = pin_to_cpu(cpu); err != 0) {
    out.error = fmt::format("cannot pin the client to cpu {}: {}", cpu, std::strerror(err));
    return out;
  }
  auto client = attach_when_ready(run.name(), "c0");
  if (!client) {
    out.error = client.error();
    return out;
  }
  const uint64_t warmup = std::min<uint64_t>(o.round_trips / 10, 10'000);
  std::vector<std::vector<int64_t>> samples(1 + o.modes.size());
  uint64_t next_cl_id = 1;
  for (int round = 0; round < o.rounds && out.error.empty(); ++round) {
    std::vector<int64_t> cpp =
        round_trip_samples(*client, 0, next_cl_id, warmup, o.round_trips, out.error);
    next_cl_id += warmup + o.round_trips;
    progress(fmt::format("  round {}: C++ p50 {} ns", round + 1, LatencyStats::of(cpp).p50_ns));
    samples[0].insert(samples[0].end(), cpp.begin(), cpp.end());
    for (size_t m = 0; m < o.modes.size() && out.error.empty(); ++m) {
      ScratchFile f;
      out.error =
          run_python(o.env, "roundtrip.py",
                     {"--engine", run.name(), "--client", "c1", "--strategy", "s1", "--round-trips",
                      std::to_string(o.round_trips), "--warmup", std::to_string(warmup), "--mode",
                      o.modes[m], "--cpu", std::to_string(cpu), "--out", f.path()});
      std::vector<int64_t> py = read_samples(f);
      if (out.error.empty() && py.size() != o.round_trips) {
        out.error = fmt::format("roundtrip.py wrote {} samples, not {}", py.size(), o.round_trips);
      }
      progress(fmt::format("  round {}: Python {} p50 {} ns", round + 1, o.modes[m],
                           LatencyStats::of(py).p50_ns));
      samples[1 + m].insert(samples[1 + m].end(), py.begin(), py.end());
    }
  }
  client = Error{"detached"};  // detach before the engine goes
  out.runs.push_back({"C++", LatencyStats::of(std::move(samples[0]))});
  for (size_t m = 0; m < o.modes.size(); ++m) {
    out.runs.push_back({o.modes[m], LatencyStats::of(std::move(samples[1 + m]))});
  }
  return out;
}

PythonSnapshotRun python_snapshot(const PythonSnapshotOptions& o) {
  PythonSnapshotRun out;
  EngineRunOptions e = o.engine;
  e.working_orders = o.orders;
  EngineRun run(e, "pysnap");
  if (!run.error().empty()) {
    out.error = run.error();
    return out;
  }
  {
    auto client = attach_when_ready(run.name(), "c0");
    if (!client) {
      out.error = client.error();
      return out;
    }
    out.order_capacity = client->state().names().caps().orders;
    if (!place_working_orders(*client, o.orders, "s0")) {
      out.error = fmt::format("could not place {} working orders", o.orders);
      return out;
    }
  }
  ScratchFile f;
  out.error = run_python(o.env, "snapshot.py",
                         {"--engine", run.name(), "--repeats", std::to_string(o.repeats), "--cpu",
                          std::to_string(run.client_cpu(0)), "--out", f.path()});
  if (!out.error.empty()) return out;
  const auto j = nlohmann::json::parse(f.contents(), nullptr, false);
  if (j.is_discarded()) {
    out.error = "snapshot.py wrote no JSON";
    return out;
  }
  out.rows = j.value("rows", uint64_t{0});
  out.consistent = j.value("consistent", false);
  out.orders_ms = j.value("orders_ms", std::vector<double>{});
  out.to_pandas_e8_ms = j.value("to_pandas_e8_ms", std::vector<double>{});
  out.to_pandas_decimal_ms = j.value("to_pandas_decimal_ms", std::vector<double>{});
  out.orders_cpu_ms = j.value("orders_cpu_ms", std::vector<double>{});
  out.orders_kept_ms = j.value("orders_kept_ms", std::vector<double>{});
  out.orders_kept_cpu_ms = j.value("orders_kept_cpu_ms", std::vector<double>{});
  out.orders_out_ms = j.value("orders_out_ms", std::vector<double>{});
  out.orders_out_cpu_ms = j.value("orders_out_cpu_ms", std::vector<double>{});
  out.to_pandas_e8_cpu_ms = j.value("to_pandas_e8_cpu_ms", std::vector<double>{});
  out.to_pandas_decimal_cpu_ms = j.value("to_pandas_decimal_cpu_ms", std::vector<double>{});
  return out;
}

}  // namespace ose::bench
