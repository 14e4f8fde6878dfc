#include "tools/serve/engine_mapping.hpp"

#include "shm/clock.hpp"

namespace ose::tools {

std::shared_ptr<const StateReader> EngineMapping::get() const {
  std::lock_guard lock(mutex_);
  return reader_;
}

std::string EngineMapping::why() const {
  std::lock_guard lock(mutex_);
  return why_;
}

bool EngineMapping::refresh() {
  std::shared_ptr<const StateReader> current = get();
  // Relaxed: a liveness figure read on its own.
  if (current &&
      shm::process_alive(current->segment_header().owner_pid.load(std::memory_order_relaxed))) {
    return false;
  }
  auto fresh = StateReader::attach(engine_);
  std::lock_guard lock(mutex_);
  if (!fresh) {
    why_ = fresh.error();  // keep a dead engine's last state on show: ose_up says it is gone
    return false;
  }
  reader_ = std::make_shared<const StateReader>(std::move(*fresh));
  why_.clear();
  return true;
}

}  // namespace ose::tools
