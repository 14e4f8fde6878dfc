// The machine and build a set of figures comes from: recorded with every study, because a ratio
// is only comparable to ratios measured on the same machine state.
#pragma once

#include <string>

namespace ose::bench {

struct MachineInfo {
  std::string cpu;       // /proc/cpuinfo "model name"
  int cores = 0;         // online CPUs
  std::string memory;    // MemTotal
  std::string kernel;    // uname -sr
  std::string compiler;  // the compiler that built this binary
  std::string build;     // CMake build type, flags, sanitizers
  std::string when;      // UTC, ISO 8601
};

MachineInfo describe_machine();

}  // namespace ose::bench
