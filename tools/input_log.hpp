// `ose engine --input-log FILE`: every applied input as a scenario line (DESIGN §8), written by
// a background thread, so `ose replay` of the file reproduces the live state exactly. A
// debugging aid until the journal (persistence/) exists; the engine thread only enqueues.
#pragma once

#include <concurrentqueue/concurrentqueue.h>

#include <atomic>
#include <cstdio>
#include <string>
#include <thread>

#include "engine/core/result.hpp"
#include "engine/core/state.hpp"
#include "engine/runtime/input_sink.hpp"

namespace ose::tools {

class InputLog final : public InputSink {
 public:
  // `names` must outlive the log (the engine's State: only its immutable name tables are read).
  static Result<std::unique_ptr<InputLog>> open(const std::string& path, const State& names);
  ~InputLog();  // writes what is queued, then closes

  void on_input(const Input& input) noexcept override;
  uint64_t dropped() const noexcept { return dropped_.load(std::memory_order_relaxed); }

 private:
  InputLog(std::FILE* file, const State& names);
  void write_loop();

  std::FILE* file_;
  const State& names_;
  moodycamel::ConcurrentQueue<Input> queue_;
  std::atomic<bool> stop_{false};
  std::atomic<uint64_t> dropped_{0};
  std::thread writer_;
};

}  // namespace ose::tools
