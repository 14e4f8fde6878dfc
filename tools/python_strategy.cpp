#include "tools/python_strategy.hpp"

#include <fmt/format.h>
#include <spawn.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cerrno>
#include <cstdlib>
#include <cstring>
#include <filesystem>

#include "tools/child_process.hpp"

extern char** environ;

namespace ose::tools {

namespace fs = std::filesystem;

namespace {

std::string env_or(const char* name, const std::string& fallback) {
  const char* v = std::getenv(name);
  return v != nullptr && *v != '\0' ? std::string(v) : fallback;
}

Result<fs::path> build_dir() {
  auto self = ChildProcess::self_path();
  if (!self) return Error{self.error()};
  return fs::path(*self).parent_path().parent_path();  // build/tools/ose → build/
}

}  // namespace

Result<PythonSetup> python_setup() {
  PythonSetup s;
  s.python = env_or("OSE_PYTHON", "/usr/bin/python3");
  if (::access(s.python.c_str(), X_OK) != 0) {
    return Error{fmt::format(
        "no Python interpreter at {} (install python3 and python3-numpy, or set OSE_PYTHON)",
        s.python)};
  }
  s.pythonpath = env_or("OSE_PYTHONPATH", "");
  if (s.pythonpath.empty()) {
    auto dir = build_dir();
    if (!dir) return Error{dir.error()};
    std::error_code ec;
    if (fs::exists(*dir / "python" / "ose" / "__init__.py", ec)) {
      s.pythonpath = (*dir / "python").string();
    }
  }
  if (!s.pythonpath.empty()) {
    const std::string old = env_or("PYTHONPATH", "");
    const std::string path = old.empty() ? s.pythonpath : s.pythonpath + ":" + old;
    ::setenv("PYTHONPATH", path.c_str(), 1);
  }
  return s;
}

Result<std::string> python_sample_strategy() {
  const std::string env = env_or("OSE_PYTHON_STRATEGY", "");
  if (!env.empty()) return env;
  auto dir = build_dir();
  if (!dir) return Error{dir.error()};
  const fs::path p = *dir / "examples" / "python" / "ema_rsi.py";
  std::error_code ec;
  if (fs::exists(p, ec)) return p.string();
  return Error{
      fmt::format("cannot find the Python sample strategy at {} (configure the build, which copies "
                  "examples/python/ema_rsi.py there; or set OSE_PYTHON_STRATEGY)",
                  p.string())};
}

Result<int> run_in_foreground(const std::string& program, std::vector<std::string> args) {
  args.insert(args.begin(), program);
  std::vector<char*> argv;
  for (std::string& a : args) argv.push_back(a.data());
  argv.push_back(nullptr);
  pid_t pid = 0;
  const int rc = ::posix_spawn(&pid, program.c_str(), nullptr, nullptr, argv.data(), environ);
  if (rc != 0) return Error{fmt::format("cannot start {}: {}", program, std::strerror(rc))};
  int status = 0;
  while (::waitpid(pid, &status, 0) < 0 && errno == EINTR) {
  }
  return WIFEXITED(status) ? WEXITSTATUS(status) : 128 + WTERMSIG(status);
}

}  // namespace ose::tools
