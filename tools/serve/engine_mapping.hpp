// The engine `ose serve` watches, mapped read-only (StateReader), and mapped again when it
// restarts: a restarted engine creates a new segment, and the old mapping would go on showing
// the dead engine's last state. Request threads take the current mapping; one watcher thread
// refreshes it.
#pragma once

#include <memory>
#include <mutex>
#include <string>

#include "engine/client/state_reader.hpp"

namespace ose::tools {

class EngineMapping {
 public:
  explicit EngineMapping(std::string engine) : engine_(std::move(engine)) {}

  const std::string& engine() const noexcept { return engine_; }

  // The current mapping, or null (with why() saying why) while the engine has never been seen.
  std::shared_ptr<const StateReader> get() const;
  std::string why() const;

  // Maps the engine if nothing is mapped or the mapped engine's process is gone. Returns true
  // when the mapping changed.
  bool refresh();

 private:
  const std::string engine_;
  mutable std::mutex mutex_;  // cold path: one lock per request
  std::shared_ptr<const StateReader> reader_;
  std::string why_;
};

}  // namespace ose::tools
