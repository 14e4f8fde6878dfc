#include "tests/fuzz/record_fuzz_target.hpp"

#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <fstream>
#include <optional>
#include <sstream>

#include "engine/core/apply.hpp"
#include "engine/layout/shared_layout.hpp"
#include "engine/formats/config.hpp"
#include "engine/core/state.hpp"
#include "shm/spsc_ring.hpp"

namespace ose::fuzz {

namespace {

constexpr uint64_t kRingCapacity = 16;
std::optional<EngineConfig> g_config;

// Aligned as the ring header requires (its producer and consumer lines are 128-byte apart).
struct alignas(alignof(shm::SpscRingData)) RingBuffer {
  std::byte bytes[sizeof(shm::SpscRingData) + kRingCapacity * sizeof(shm::RingRecord)];
};

}  // namespace

bool init(const std::string& source_dir, std::string& error) {
  std::ifstream in(source_dir + "/config/example.toml");
  std::stringstream text;
  text << in.rdbuf();
  std::string toml = text.str();
  const std::string big = "max_orders = 4096";
  if (const size_t at = toml.find(big); at != std::string::npos) {
    toml.replace(at, big.size(), "max_orders = 64");
  }
  auto config = load_config_string(toml, "example.toml (fuzz)");
  if (!config) {
    error = config.error();
    return false;
  }
  g_config = std::move(*config);
  return true;
}

int run_one(const uint8_t* data, size_t size) {
  auto created = State::create(*g_config);
  if (!created) std::abort();
  State& state = *created;

  // Layout of a fuzz input: [source choice: 1 byte][producer_head: 8][consumer_tail: 8][records].
  // The engine never reads consumer_tail back; it is here so the fuzzer can scribble on it.
  static RingBuffer ring;
  std::memset(&ring, 0, sizeof ring);
  auto* data_ring = shm::SpscRingData::init(ring.bytes, kRingCapacity);
  // The engine's view, made when the segment is created: its own capacity and position, never
  // what the client later writes into the segment.
  shm::SpscConsumer consumer(data_ring, kRingCapacity);
  uint8_t source_choice = 0;
  if (size >= 1) source_choice = data[0];
  if (size >= 17) {
    uint64_t head = 0, tail = 0;
    std::memcpy(&head, data + 1, 8);
    std::memcpy(&tail, data + 9, 8);
    data_ring->producer_head.store(head, std::memory_order_relaxed);
    data_ring->consumer_tail.store(tail, std::memory_order_relaxed);
  }
  const size_t body = size > 17 ? size - 17 : 0;
  const size_t records_bytes = std::min(body, kRingCapacity * sizeof(shm::RingRecord));
  if (records_bytes > 0) {
    std::memcpy(static_cast<void*>(data_ring->records()), data + 17, records_bytes);
  }
  const uint16_t clients = state.client_count();
  const auto pick = static_cast<uint16_t>(source_choice % (clients + 1));
  const uint16_t source = pick == clients ? kEngineSource : pick;
  NullEventSink sink;
  int applied = 0;
  CommandRecord rec;
  for (int n = 0; n < 64; ++n) {
    const shm::RingStatus st = consumer.poll(&rec, sizeof rec);
    if (st != shm::RingStatus::kOk) break;
    Input in;
    in.seq = state.header().seq + 1;
    in.ts = 1'723'161'600'000'000'000 + n * 1'000'000;
    in.source = source;
    in.cmd = rec.cmd;
    apply(state, in, sink);
    ++applied;
  }
  if (std::string problem = state.integrity_problem(); !problem.empty()) {
    std::fprintf(stderr, "fuzz: broken invariant after %d records: %s\n", applied, problem.c_str());
    std::abort();
  }
  return applied;
}

}  // namespace ose::fuzz
