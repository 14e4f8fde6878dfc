#include "engine/client/live_strategy.hpp"

#include <chrono>
#include <thread>

#include "shm/clock.hpp"

namespace ose {

int64_t LiveContext::now_ns() const noexcept {
  return shm::wall_clock_ns();
}

// Unique across restarts of a strategy: wall-clock microseconds at the first call, then counting.
uint64_t LiveContext::next_cl_id() noexcept {
  if (cl_id_ == 0) cl_id_ = static_cast<uint64_t>(shm::wall_clock_ns() / 1000);
  return ++cl_id_;
}

bool LiveContext::take_due_timer(int64_t now) noexcept {
  if (!timer_set_ || now < timer_at_ns_) return false;
  timer_set_ = false;
  return true;
}

LiveDriver::LiveDriver(Client& client, Strategy& strategy, std::span<const uint16_t> instruments)
    : client_(client),
      strategy_(strategy),
      ctx_(client),
      instruments_(instruments.begin(), instruments.end()),
      last_ts_(instruments.size(), 0) {}

std::string LiveDriver::start() {
  return strategy_.on_start(ctx_);
}

bool LiveDriver::pass() {
  bool work = false;
  Response r;
  while (client_.poll(r)) {
    work = true;
    strategy_.on_response(ctx_, r);
  }
  // A dropped response is not replayed: strategies decide from the state, which is current.
  if (client_.lagging()) client_.clear_lagging();
  for (size_t k = 0; k < instruments_.size(); ++k) {
    MarketRecord m{};
    if (client_.state().read_market(instruments_[k], m) && m.ts != last_ts_[k]) {
      last_ts_[k] = m.ts;
      strategy_.on_market(ctx_, instruments_[k], m);
      work = true;
    }
  }
  if (ctx_.timer_set() && ctx_.take_due_timer(shm::wall_clock_ns())) {
    strategy_.on_timer(ctx_);
    work = true;
  }
  return work;
}

void LiveDriver::finish() {
  strategy_.on_stop(ctx_);
}

int run_live(Client& client, Strategy& strategy, std::span<const uint16_t> instruments,
             const std::atomic<bool>& stop, std::function<void(const std::string&)> log) {
  auto say = [&log](const std::string& s) {
    if (log) log(s);
  };
  LiveDriver driver(client, strategy, instruments);
  if (std::string why = driver.start(); !why.empty()) {
    say(why);
    return 1;
  }
  int rc = 0;
  uint64_t idle = 0;
  // Acquire: pairs with the release store of whoever stops us (a signal handler, say).
  while (!stop.load(std::memory_order_acquire)) {
    const bool work = driver.pass();
    if (!client.engine_alive(5'000'000'000)) {
      say("the engine is gone; stopping");
      rc = 1;
      break;
    }
    client.heartbeat();
    if (work) {
      idle = 0;
    } else if (++idle > 1000) {
      std::this_thread::sleep_for(std::chrono::microseconds(50));
    }
  }
  driver.finish();
  return rc;
}

}  // namespace ose
