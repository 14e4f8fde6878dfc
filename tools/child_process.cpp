#include "tools/child_process.hpp"

#include <fcntl.h>
#include <fmt/format.h>
#include <spawn.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cerrno>
#include <chrono>
#include <csignal>
#include <cstring>
#include <deque>
#include <fstream>
#include <thread>

extern char** environ;

namespace ose::tools {

Result<std::string> ChildProcess::self_path() {
  char self[4096];
  const ssize_t n = ::readlink("/proc/self/exe", self, sizeof self - 1);
  if (n <= 0) return Error{fmt::format("cannot find this executable: {}", std::strerror(errno))};
  return std::string(self, static_cast<size_t>(n));
}

Result<ChildProcess> ChildProcess::spawn_self(const std::string& label,
                                              std::vector<std::string> args,
                                              const std::string& log_path) {
  auto self = self_path();
  if (!self) return Error{self.error()};
  return spawn(label, *self, std::move(args), log_path);
}

Result<ChildProcess> ChildProcess::spawn(const std::string& label, const std::string& program,
                                         std::vector<std::string> args,
                                         const std::string& log_path) {
  args.insert(args.begin(), program);
  std::vector<char*> argv;
  for (std::string& a : args) argv.push_back(a.data());
  argv.push_back(nullptr);

  posix_spawn_file_actions_t files;
  posix_spawnattr_t attr;
  posix_spawn_file_actions_init(&files);
  posix_spawnattr_init(&attr);
  posix_spawn_file_actions_addopen(&files, STDIN_FILENO, "/dev/null", O_RDONLY, 0);
  if (log_path == kThisStderr) {
    // A dup, not an open of /dev/stderr: reopening a socket fails (ENXIO), and reopening a file
    // gives the child its own offset, so the two processes' writes land on each other's.
    posix_spawn_file_actions_adddup2(&files, STDERR_FILENO, STDOUT_FILENO);
  } else {
    posix_spawn_file_actions_addopen(&files, STDOUT_FILENO, log_path.c_str(),
                                     O_WRONLY | O_CREAT | O_APPEND, 0644);
    posix_spawn_file_actions_adddup2(&files, STDOUT_FILENO, STDERR_FILENO);
  }
  // Own process group: the terminal's SIGINT goes to the demo only.
  posix_spawnattr_setflags(&attr, POSIX_SPAWN_SETPGROUP);
  posix_spawnattr_setpgroup(&attr, 0);
  pid_t pid = -1;
  const int rc = ::posix_spawn(&pid, program.c_str(), &files, &attr, argv.data(), environ);
  posix_spawn_file_actions_destroy(&files);
  posix_spawnattr_destroy(&attr);
  if (rc != 0) return Error{fmt::format("cannot start {}: {}", label, std::strerror(rc))};
  return ChildProcess(label, pid, log_path);
}

ChildProcess::ChildProcess(ChildProcess&& o) noexcept
    : label_(std::move(o.label_)),
      pid_(std::exchange(o.pid_, -1)),
      log_path_(std::move(o.log_path_)),
      outcome_(std::move(o.outcome_)) {}

ChildProcess::~ChildProcess() {
  if (pid_ > 0 && running()) {
    ::kill(pid_, SIGKILL);
    int status = 0;
    ::waitpid(pid_, &status, 0);
  }
}

void ChildProcess::record(int status) {
  if (WIFEXITED(status)) {
    outcome_ = fmt::format("exit {}", WEXITSTATUS(status));
  } else if (WIFSIGNALED(status)) {
    outcome_ = fmt::format("killed by signal {}", WTERMSIG(status));
  } else {
    outcome_ = "ended";
  }
  pid_ = -1;
}

bool ChildProcess::running() {
  if (pid_ <= 0) return false;
  int status = 0;
  const pid_t r = ::waitpid(pid_, &status, WNOHANG);
  if (r == 0) return true;
  if (r == pid_) {
    record(status);
  } else {
    outcome_ = "lost";
    pid_ = -1;
  }
  return false;
}

bool ChildProcess::stop(int grace_ms) {
  if (!running()) return exited_cleanly();
  ::kill(pid_, SIGTERM);
  const auto deadline = std::chrono::steady_clock::now() + std::chrono::milliseconds(grace_ms);
  while (running()) {
    if (std::chrono::steady_clock::now() >= deadline) {
      ::kill(pid_, SIGKILL);
      int status = 0;
      ::waitpid(pid_, &status, 0);
      record(status);
      return false;
    }
    std::this_thread::sleep_for(std::chrono::milliseconds(10));
  }
  return true;
}

std::string ChildProcess::log_tail(int lines) const {
  std::ifstream in(log_path_);
  std::deque<std::string> tail;
  for (std::string line; std::getline(in, line);) {
    tail.push_back(line);
    if (tail.size() > static_cast<size_t>(lines)) tail.pop_front();
  }
  std::string out;
  for (const std::string& l : tail) out += "    " + l + "\n";
  return out;
}

}  // namespace ose::tools
