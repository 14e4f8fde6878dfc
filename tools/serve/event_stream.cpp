#include "tools/serve/event_stream.hpp"

#include <fmt/format.h>

#include "engine/formats/json_format.hpp"

namespace ose::tools {

EventStream::EventStream(std::shared_ptr<const StateReader> reader,
                         shm::BroadcastReader::Start start)
    : reader_(std::move(reader)),
      tail_(&reader_->broadcast(), reader_->broadcast_capacity(), start) {}

size_t EventStream::poll(std::string& out, size_t max_events) {
  size_t n = 0;
  while (n < max_events) {
    Event e;
    const shm::RingStatus st = tail_.poll(&e, sizeof e, lost_);
    if (lost_ != reported_) {
      out += fmt::format("event: overrun\ndata: {{\"lost\":{}}}\n\n", lost_ - reported_);
      reported_ = lost_;
    }
    if (st != shm::RingStatus::kOk) break;
    // The ids are read from the live segment, under its seqlocks, as `ose inspect events` does.
    out += "data: ";
    append_event_json(out, reader_->names(), e, reader_->read_event_ids(e));
    out += "\n\n";
    ++n;
  }
  return n;
}

}  // namespace ose::tools
