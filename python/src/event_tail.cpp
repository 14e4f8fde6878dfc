// ose.EventTail: the broadcast ring (every event the engine emits) from now on, or from the
// oldest event it still holds. A tail that falls a whole ring behind yields an ose.Overrun
// marker saying how many events it lost, never a silent gap.
#include <time.h>

#include <optional>

#include "python/src/events.hpp"
#include "python/src/module.hpp"
#include "python/src/reader.hpp"
#include "python/src/wait_loop.hpp"
#include "shm/broadcast_ring.hpp"

namespace ose::python {

namespace {

class EventTail {
 public:
  EventTail(const PyReader& r, bool oldest, uint64_t since_seq)
      : reader_(r.reader),
        names_(r.names),
        tail_(&reader_->broadcast(), reader_->broadcast_capacity(),
              oldest || since_seq != 0 ? shm::BroadcastReader::Start::kOldest
                                       : shm::BroadcastReader::Start::kNewest),
        since_seq_(since_seq) {
    // Asked for events from since_seq, but the ring has wrapped and may have dropped them: the
    // first event read decides (see next()).
    // Acquire: pairs with the writer's release of writer_head.
    check_since_ = since_seq != 0 && reader_->broadcast().writer_head.load(
                                         std::memory_order_acquire) > reader_->broadcast_capacity();
  }

  // An Event, an Overrun marker, or None when caught up.
  py::object poll() {
    refuse_if_busy();
    if (pending_) {
      const Event e = *pending_;
      pending_.reset();
      return py::cast(make_event(e, *reader_, names_));
    }
    for (;;) {
      Event e;
      if (!take(e)) return py::none();
      if (lost_ != reported_) {
        const uint64_t lost = lost_ - reported_;
        reported_ = lost_;
        pending_ = e;
        return py::cast(PyOverrun{lost});
      }
      if (check_since_) {
        check_since_ = false;
        // The oldest kept event is already past since_seq: the ones between were overwritten.
        if (e.seq > since_seq_) {
          pending_ = e;
          return py::cast(PyOverrun{0});
        }
      }
      if (e.seq < since_seq_) continue;
      return py::cast(make_event(e, *reader_, names_));
    }
  }

  // Waits (GIL released) for the next Event or Overrun; None when `timeout` seconds pass.
  py::object wait(py::handle timeout) {
    if (pending_) return poll();
    refuse_if_busy();
    for (;;) {
      busy_ = true;  // read and written with the GIL held only
      bool got = false;
      try {
        got = wait_in_slices(timeout, [this](int64_t ns) { return park_until(ns); });
      } catch (...) {
        busy_ = false;
        throw;
      }
      busy_ = false;
      if (!got) return py::none();
      py::object next = poll();
      if (!next.is_none()) return next;
    }
  }

 private:
  // The ring cursor is this object's own state: one thread at a time.
  void refuse_if_busy() const {
    if (busy_) throw std::runtime_error("another thread is waiting on this EventTail");
  }

  bool take(Event& e) { return tail_.poll(&e, sizeof e, lost_) == shm::RingStatus::kOk; }

  // Without the GIL: polls, sleeping ~50 µs between looks, until a record is ready (it is then
  // left in the ring for poll() to take) or `ns` passes.
  bool park_until(int64_t ns) {
    const int64_t deadline = shm::monotonic_ns() + ns;
    for (;;) {
      // Acquire: pairs with the writer's release of writer_head.
      if (reader_->broadcast().writer_head.load(std::memory_order_acquire) > tail_.cursor()) {
        return true;
      }
      if (shm::monotonic_ns() >= deadline) return false;
      timespec t{0, 50'000};
      nanosleep(&t, nullptr);
    }
  }

  std::shared_ptr<const StateReader> reader_;
  std::shared_ptr<const Names> names_;
  shm::BroadcastReader tail_;
  uint64_t lost_ = 0, reported_ = 0;
  uint64_t since_seq_ = 0;
  bool check_since_ = false;
  bool busy_ = false;
  std::optional<Event> pending_;  // read together with an Overrun, handed out after it
};

}  // namespace

py::object make_event_tail(const PyReader& r, bool oldest, uint64_t since_seq) {
  return py::cast(std::make_unique<EventTail>(r, oldest, since_seq));
}

void bind_event_tail(py::module_& m) {
  py::class_<EventTail>(m, "EventTail",
                        "The engine's event stream (the broadcast ring), from Reader.events(). "
                        "Iterating blocks for the next event; poll() and wait(timeout) do not "
                        "block / block for at most timeout seconds. An ose.Overrun item means "
                        "this tail fell behind and lost events.")
      .def("poll", &EventTail::poll, "The next Event or Overrun, or None when caught up.")
      .def("wait", &EventTail::wait, py::arg("timeout") = py::none(),
           "The next Event or Overrun, waiting up to `timeout` seconds (None: forever) with the "
           "GIL released; None on timeout. Ctrl-C raises KeyboardInterrupt.")
      .def("__iter__", [](py::object self) { return self; })
      .def("__next__", [](EventTail& t) { return t.wait(py::none()); });
}

}  // namespace ose::python
