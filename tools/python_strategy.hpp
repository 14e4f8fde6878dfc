// Running strategies written in Python from `ose` without linking libpython into it: `ose demo
// --strategy python` starts examples/python/ema_rsi.py as the strategy process, and `ose backtest
// --strategy python:FILE` runs `python3 -m ose.backtest_cli` (python/ose/backtest_cli.py), then
// reads the journal and results row that run leaves, as for the C++ strategy.
#pragma once

#include <string>
#include <vector>

#include "engine/core/result.hpp"

namespace ose::tools {

struct PythonSetup {
  std::string python;      // the interpreter: OSE_PYTHON, else /usr/bin/python3 (Debian's, with
                           // numpy; the first python3 on PATH may be another one)
  std::string pythonpath;  // the directory holding the `ose` package built for it
};

// The interpreter, and the `ose` package: OSE_PYTHONPATH, else the build tree's python/ beside
// tools/ (where the build assembles it), else nothing (an installed package is on the
// interpreter's own path). Also sets PYTHONPATH in this process's environment, so that every
// child started afterwards imports that package.
Result<PythonSetup> python_setup();

// The sample strategy's Python file: OSE_PYTHON_STRATEGY, else the copy the build puts in
// examples/python/ beside tools/.
Result<std::string> python_sample_strategy();

// Runs `program args...` with this process's stdin, stdout and stderr; its exit status
// (128 + signal when killed).
Result<int> run_in_foreground(const std::string& program, std::vector<std::string> args);

}  // namespace ose::tools
