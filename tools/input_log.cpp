#include "tools/input_log.hpp"

#include <fmt/format.h>

#include <cerrno>
#include <cstring>
#include <ctime>

#include "engine/formats/scenario_writer.hpp"

namespace ose::tools {

Result<std::unique_ptr<InputLog>> InputLog::open(const std::string& path, const State& names) {
  std::FILE* f = std::fopen(path.c_str(), "w");
  if (f == nullptr) {
    return Error{fmt::format("cannot write input log '{}': {}", path, std::strerror(errno))};
  }
  return std::unique_ptr<InputLog>(new InputLog(f, names));
}

InputLog::InputLog(std::FILE* file, const State& names)
    : file_(file), names_(names), queue_(1 << 16), writer_([this] { write_loop(); }) {}

InputLog::~InputLog() {
  // Release: pairs with the writer's acquire load; it drains the queue before it exits.
  stop_.store(true, std::memory_order_release);
  writer_.join();
  std::fclose(file_);
}

void InputLog::on_input(const Input& input) noexcept {
  // enqueue() may allocate a new block when the writer falls behind; this is a debugging aid,
  // not the journal, and a failed enqueue is counted rather than blocking the engine.
  if (!queue_.enqueue(input)) dropped_.fetch_add(1, std::memory_order_relaxed);
}

void InputLog::write_loop() {
  Input batch[256];
  for (;;) {
    const bool stopping = stop_.load(std::memory_order_acquire);
    const size_t n = queue_.try_dequeue_bulk(batch, 256);
    for (size_t i = 0; i < n; ++i) {
      const std::string line = scenario_line_of(names_, batch[i]);
      std::fwrite(line.data(), 1, line.size(), file_);
      std::fputc('\n', file_);
    }
    if (n == 0) {
      if (stopping) break;
      std::fflush(file_);
      timespec t{0, 1'000'000};
      nanosleep(&t, nullptr);
    }
  }
  std::fflush(file_);
}

}  // namespace ose::tools
