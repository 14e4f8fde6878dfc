// `ose engine --replicate URL [--takeover]`: `ose replicate` for this engine's config, run as a
// child process beside the engine (docs/SCALE_OUT.md, "Takeover"). The engine starts taking
// clients only once the child has claimed the stream, so a takeover fences the old writer out
// before the new primary applies anything, and an engine whose journal cannot continue the stream
// (an old primary restarted after a takeover) never runs. A child that is fenced out later (a
// takeover elsewhere) stops the engine: it must not keep trading on a history the stream no
// longer continues.
#pragma once

#include <atomic>
#include <cstdint>
#include <functional>
#include <memory>
#include <optional>
#include <string>

#include "engine/core/result.hpp"
#include "tools/child_process.hpp"
#include "tools/store_access.hpp"

namespace ose::tools {

class EngineReplication {
 public:
  using Log = std::function<void(const std::string&)>;

  // Starts `ose replicate --config CONFIG --nats URL [--takeover]`; its log goes to this
  // process's stderr.
  static Result<std::unique_ptr<EngineReplication>> start(const std::string& config_path,
                                                          const std::string& engine,
                                                          const std::string& url, bool takeover,
                                                          Log log);
  ~EngineReplication();  // stops the child (SIGTERM, then SIGKILL)

  enum class Claim : uint8_t { kClaimed, kEnded, kTimedOut, kStopped };
  // Until the child has claimed the stream (its status file names its pid), it ended (`why()`
  // says how), `wait_ms` passed (< 0: no limit) or `stop` is set.
  Claim wait_claimed(int64_t wait_ms, const std::atomic<bool>& stop);
  // True while the child runs; once it has ended, logs how (once).
  bool running();
  // The child ended fenced out or refused (exit 4).
  bool fenced() const noexcept { return child_.outcome() == "exit 4"; }
  std::string why() const;
  // Until the child's status file says the stream acknowledged journal seq `seq`, or `wait_ms`.
  bool wait_acked(uint64_t seq, int64_t wait_ms);
  // SIGTERM and a grace period for what it has in flight.
  void stop();

 private:
  EngineReplication(ChildProcess child, std::string status_path, Log log)
      : pid_(child.pid()),
        child_(std::move(child)),
        status_path_(std::move(status_path)),
        log_(std::move(log)) {}
  pid_t pid_;  // the child's, kept for the log once it is reaped
  ChildProcess child_;
  std::string status_path_;
  Log log_;
  bool reported_ = false;
};

}  // namespace ose::tools
