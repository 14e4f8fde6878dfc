#include "bench/study/machine.hpp"

#include <fmt/chrono.h>
#include <fmt/format.h>
#include <sys/utsname.h>

#include <chrono>
#include <fstream>
#include <thread>

namespace ose::bench {

namespace {

// The value of the first "key : value" line of a /proc file, trimmed.
std::string proc_value(const char* path, const std::string& key) {
  std::ifstream in(path);
  for (std::string line; std::getline(in, line);) {
    if (line.rfind(key, 0) != 0) continue;
    const auto colon = line.find(':');
    if (colon == std::string::npos) continue;
    std::string v = line.substr(colon + 1);
    const auto first = v.find_first_not_of(" \t");
    return first == std::string::npos ? std::string() : v.substr(first);
  }
  return "unknown";
}

}  // namespace

MachineInfo describe_machine() {
  MachineInfo m;
  m.cpu = proc_value("/proc/cpuinfo", "model name");
  m.cores = static_cast<int>(std::thread::hardware_concurrency());
  m.memory = proc_value("/proc/meminfo", "MemTotal");
  utsname u{};
  if (::uname(&u) == 0) m.kernel = fmt::format("{} {}", u.sysname, u.release);
#if defined(__clang__)
  m.compiler = fmt::format("clang {}", __clang_version__);
#elif defined(__GNUC__)
  m.compiler = fmt::format("g++ {}", __VERSION__);
#endif
  m.build = fmt::format("{}; flags: {}{}", OSE_STUDY_BUILD_TYPE, OSE_STUDY_CXX_FLAGS,
                        std::string(OSE_STUDY_SANITIZE).empty()
                            ? std::string()
                            : fmt::format("; sanitizers: {}", OSE_STUDY_SANITIZE));
  m.when = fmt::format("{:%Y-%m-%dT%H:%M:%SZ}",
                       std::chrono::floor<std::chrono::seconds>(std::chrono::system_clock::now()));
  return m;
}

}  // namespace ose::bench
