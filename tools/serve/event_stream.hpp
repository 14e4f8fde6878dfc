// GET /api/events: one connection's tail of the broadcast ring as Server-Sent Events. Each event
// is a `data:` line holding the event's JSON as `ose inspect events` prints it; when this reader
// falls a lap behind the engine, an `event: overrun` frame says how many events it lost.
#pragma once

#include <chrono>
#include <cstdint>
#include <memory>
#include <string>

#include "engine/client/state_reader.hpp"
#include "shm/broadcast_ring.hpp"

namespace ose::tools {

class EventStream {
 public:
  EventStream(std::shared_ptr<const StateReader> reader, shm::BroadcastReader::Start start);

  // Appends the frames of up to `max_events` new events (and any overrun) to `out`; returns how
  // many events it appended.
  size_t poll(std::string& out, size_t max_events);

  const StateReader* reader() const noexcept { return reader_.get(); }

  // When the server may send this stream's next chunk (it paces each stream).
  std::chrono::steady_clock::time_point not_before{};

 private:
  std::shared_ptr<const StateReader> reader_;
  shm::BroadcastReader tail_;
  uint64_t lost_ = 0, reported_ = 0;
};

}  // namespace ose::tools
