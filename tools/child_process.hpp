// A child process for the demo (`ose` itself, or the sample strategy's program): started with
// posix_spawn in its own process group (so the terminal's Ctrl-C reaches only the demo, which stops
// the children in order), its stdout and stderr appended to a log file (or sent to this process's
// stderr: kThisStderr).
#pragma once

#include <sys/types.h>

#include <string>
#include <vector>

#include "engine/core/result.hpp"

namespace ose::tools {

class ChildProcess {
 public:
  // The log_path that gives a child this process's stderr as its stdout and stderr: the same open
  // file description (a terminal, a pipe, a file, journald's socket), shared offset included, so
  // its lines and this process's interleave and neither overwrites the other.
  static constexpr const char* kThisStderr = "";

  // Runs this executable (/proc/self/exe) with `args`.
  static Result<ChildProcess> spawn_self(const std::string& label, std::vector<std::string> args,
                                         const std::string& log_path);
  // Runs `program` (a path) with `args`.
  static Result<ChildProcess> spawn(const std::string& label, const std::string& program,
                                    std::vector<std::string> args, const std::string& log_path);
  // This executable's path.
  static Result<std::string> self_path();

  ChildProcess(ChildProcess&& o) noexcept;
  ChildProcess& operator=(ChildProcess&&) = delete;
  ~ChildProcess();  // kills a child still running (SIGKILL) and reaps it

  const std::string& label() const noexcept { return label_; }
  const std::string& log_path() const noexcept { return log_path_; }
  pid_t pid() const noexcept { return pid_; }

  // True while it runs; reaps it (and records how it ended) once it has exited.
  bool running();
  // SIGTERM, then waits up to `grace_ms`, then SIGKILL. True when it stopped on the SIGTERM.
  bool stop(int grace_ms);
  // How it ended: "exit 0", "exit 2", "killed by signal 9"; empty while running.
  const std::string& outcome() const noexcept { return outcome_; }
  bool exited_cleanly() const noexcept { return outcome_ == "exit 0"; }
  // The last `lines` lines of its log, for error messages.
  std::string log_tail(int lines) const;

 private:
  ChildProcess(std::string label, pid_t pid, std::string log_path)
      : label_(std::move(label)), pid_(pid), log_path_(std::move(log_path)) {}
  void record(int status);

  std::string label_;
  pid_t pid_ = -1;  // -1 once reaped
  std::string log_path_;
  std::string outcome_;
};

}  // namespace ose::tools
