#include "tools/engine_replication.hpp"

#include <fmt/format.h>

#include <chrono>
#include <cstdlib>
#include <fstream>
#include <sstream>
#include <thread>

#include "replication/stream_layout.hpp"

namespace ose::tools {

namespace {

std::string read_all(const std::string& path) {
  std::ifstream in(path);
  std::stringstream text;
  text << in.rdbuf();
  return text.str();
}

}  // namespace

Result<std::unique_ptr<EngineReplication>> EngineReplication::start(const std::string& config_path,
                                                                    const std::string& engine,
                                                                    const std::string& url,
                                                                    bool takeover, Log log) {
  std::vector<std::string> args{"replicate", "--config", config_path,
                                "--nats",    url,        "--with-parent"};
  if (takeover) args.emplace_back("--takeover");
  // Its log goes to the engine's stderr, whatever that is (journald's socket under systemd).
  auto child =
      ChildProcess::spawn_self("ose replicate", std::move(args), ChildProcess::kThisStderr);
  if (!child) return Error{child.error()};
  log(fmt::format("replicating to {} (ose replicate, pid {}{})", url, child->pid(),
                  takeover ? ", taking the stream over" : ""));
  return std::unique_ptr<EngineReplication>(
      new EngineReplication(std::move(*child), replication::status_path(engine), std::move(log)));
}

EngineReplication::~EngineReplication() {
  stop();
}

EngineReplication::Claim EngineReplication::wait_claimed(int64_t wait_ms,
                                                         const std::atomic<bool>& stop) {
  const auto until = std::chrono::steady_clock::now() + std::chrono::milliseconds(wait_ms);
  const std::string mine = fmt::format("\"pid\": {},", pid_);
  for (;;) {
    // The replicator writes its status file first right after its claim succeeded.
    if (read_all(status_path_).find(mine) != std::string::npos) return Claim::kClaimed;
    if (!running()) return Claim::kEnded;
    // Relaxed: a stop flag.
    if (stop.load(std::memory_order_relaxed)) return Claim::kStopped;
    if (wait_ms >= 0 && std::chrono::steady_clock::now() >= until) return Claim::kTimedOut;
    std::this_thread::sleep_for(std::chrono::milliseconds(20));
  }
}

bool EngineReplication::wait_acked(uint64_t seq, int64_t wait_ms) {
  const auto until = std::chrono::steady_clock::now() + std::chrono::milliseconds(wait_ms);
  constexpr std::string_view key = "\"acked_seq\": ";
  while (running()) {
    const std::string text = read_all(status_path_);
    if (const size_t at = text.find(key); at != std::string::npos) {
      if (std::strtoull(text.c_str() + at + key.size(), nullptr, 10) >= seq) return true;
    }
    if (std::chrono::steady_clock::now() >= until) return false;
    std::this_thread::sleep_for(std::chrono::milliseconds(20));
  }
  return false;
}

bool EngineReplication::running() {
  if (child_.running()) return true;
  if (!reported_) {
    reported_ = true;
    log_(fmt::format("ose replicate (pid {}) ended: {}", pid_, why()));
  }
  return false;
}

std::string EngineReplication::why() const {
  if (child_.outcome().empty()) return "running";
  if (child_.outcome() == "exit 4") return "fenced out of the stream, or refused (exit 4)";
  return child_.outcome();
}

void EngineReplication::stop() {
  if (child_.running()) child_.stop(5000);
}

}  // namespace ose::tools
