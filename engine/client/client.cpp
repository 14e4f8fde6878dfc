#include "engine/client/client.hpp"

#include <sched.h>

#include <ctime>

#include "shm/clock.hpp"
#include "shm/idle.hpp"

namespace ose {

Result<Client> Client::attach(const std::string& engine, const std::string& client) {
  auto reader = StateReader::attach(engine);
  if (!reader) return Error{reader.error()};
  auto line = ClientLine::attach(engine, client);
  if (!line) return Error{line.error()};
  return Client(std::move(*reader), std::move(*line));
}

uint16_t Client::instrument(std::string_view symbol) const noexcept {
  return reader_.names().find_instrument(symbol);
}
uint16_t Client::account(std::string_view name) const noexcept {
  return reader_.names().find_account(name);
}
uint16_t Client::strategy(std::string_view name) const noexcept {
  return reader_.names().find_strategy(name);
}
uint16_t Client::asset(std::string_view code) const noexcept {
  return reader_.names().find_asset(code);
}

NewOrderCmd Client::order_template(std::string_view account_name, std::string_view strategy_name,
                                   std::string_view symbol) const noexcept {
  Command c = make_command(Op::kNewOrder);  // zeroed bytes: equal commands journal equally
  NewOrderCmd n = c.new_order;
  n.client = index();
  n.account = account(account_name);
  n.strategy = strategy(strategy_name);
  n.instrument = instrument(symbol);
  return n;
}

uint64_t Client::submit(const Command& cmd) noexcept {
  CommandRecord rec{};
  rec.cmd = cmd;
  // One clock read serves both: the heartbeat, and the send stamp the engine's command-latency
  // histogram measures from (command_latency.hpp).
  const int64_t now = shm::monotonic_ns();
  heartbeat_at(now);
  rec.sent_mono_ns = now;
  if (line_.commands().try_push(&rec, sizeof rec) != shm::RingStatus::kOk) return 0;
  return line_.commands().head();  // the record's position + 1: what responses echo
}

uint64_t Client::new_order(const NewOrderCmd& order) noexcept {
  Command c = make_command(Op::kNewOrder);
  c.new_order = order;
  c.new_order.client = index();
  return submit(c);
}

uint64_t Client::cancel(uint64_t cl_id) noexcept {
  Command c = make_command(Op::kCancel);
  c.cancel.client = index();
  c.cancel.cl_id = cl_id;
  return submit(c);
}

uint64_t Client::cancel_order(uint64_t order_id) noexcept {
  Command c = make_command(Op::kCancel);
  c.cancel.client = index();
  c.cancel.order_id = order_id;
  return submit(c);
}

uint64_t Client::amend(uint64_t cl_id, Qty qty, Price price) noexcept {
  Command c = make_command(Op::kAmend);
  c.amend.ref.client = index();
  c.amend.ref.cl_id = cl_id;
  c.amend.qty = qty;
  c.amend.price = price;
  return submit(c);
}

uint64_t Client::cancel_all(uint16_t account_index, uint16_t strategy_index,
                            uint16_t instrument_index) noexcept {
  Command c = make_command(Op::kCancelAll);
  c.cancel_all.account = account_index;
  c.cancel_all.strategy = strategy_index;
  c.cancel_all.instrument = instrument_index;
  return submit(c);
}

bool Client::poll(Response& out) noexcept {
  return line_.responses().poll(&out, sizeof out) == shm::RingStatus::kOk;
}

bool Client::wait(Response& out, WaitMode mode, int64_t timeout_ns) noexcept {
  const int64_t deadline = shm::monotonic_ns() + timeout_ns;
  heartbeat();
  for (uint32_t spins = 0;; ++spins) {
    if (poll(out)) return true;
    // Check the clock only now and then: it is the costliest part of an idle spin.
    if ((spins & 255) == 0 && shm::monotonic_ns() >= deadline) return false;
    switch (mode) {
      case WaitMode::kSpin:
        shm::IdleStrategy::pause();
        break;
      case WaitMode::kYield:
        sched_yield();
        break;
      case WaitMode::kPark: {
        timespec t{0, 50'000};
        nanosleep(&t, nullptr);
        if ((spins & 1023) == 0) heartbeat();
        spins |= 255;  // every park is long enough to look at the clock after it
        break;
      }
    }
  }
}

void Client::heartbeat() noexcept {
  heartbeat_at(shm::monotonic_ns());
}

void Client::heartbeat_at(int64_t mono_ns) noexcept {
  // Relaxed: a liveness figure, read on its own.
  line_.header().client_heartbeat_ns.store(mono_ns, std::memory_order_relaxed);
}

bool Client::lagging() const noexcept {
  return line_.header().lagging.load(std::memory_order_relaxed) != 0;
}

void Client::clear_lagging() noexcept {
  line_.header().lagging.store(0, std::memory_order_relaxed);
}

bool Client::engine_alive(int64_t max_silence_ns) const noexcept {
  // Relaxed: liveness figures.
  const int64_t hb = reader_.segment_header().heartbeat_ns.load(std::memory_order_relaxed);
  return shm::monotonic_ns() - hb <= max_silence_ns &&
         reader_.header().accepting.load(std::memory_order_relaxed) != 0 &&
         shm::process_alive(reader_.segment_header().owner_pid.load(std::memory_order_relaxed));
}

}  // namespace ose
