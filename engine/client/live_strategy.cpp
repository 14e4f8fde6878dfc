#include "engine/client/live_strategy.hpp"

#include <chrono>
#include <thread>
#include <vector>

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

int run_live(Client& client, Strategy& strategy, std::span<const uint16_t> instruments,
             const std::atomic<bool>& stop, std::function<void(const std::string&)> log) {
  LiveContext ctx(client);
  auto say = [&log](const std::string& s) {
    if (log) log(s);
  };
  if (std::string why = strategy.on_start(ctx); !why.empty()) {
    say(why);
    return 1;
  }
  std::vector<int64_t> last_ts(instruments.size(), 0);  // the market ts last passed on
  int rc = 0;
  uint64_t idle = 0;
  // Acquire: pairs with the release store of whoever stops us (a signal handler, say).
  while (!stop.load(std::memory_order_acquire)) {
    bool work = false;
    Response r;
    while (client.poll(r)) {
      work = true;
      strategy.on_response(ctx, r);
    }
    // A dropped response is not replayed: strategies decide from the state, which is current.
    if (client.lagging()) client.clear_lagging();
    for (size_t k = 0; k < instruments.size(); ++k) {
      MarketRecord m{};
      if (client.state().read_market(instruments[k], m) && m.ts != last_ts[k]) {
        last_ts[k] = m.ts;
        strategy.on_market(ctx, instruments[k], m);
        work = true;
      }
    }
    if (ctx.timer_set() && ctx.take_due_timer(shm::wall_clock_ns())) {
      strategy.on_timer(ctx);
      work = true;
    }
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
  strategy.on_stop(ctx);
  return rc;
}

}  // namespace ose
