// Benchmarks of the shared-memory primitives' hot paths, in one thread (no cross-core traffic:
// these are the instruction costs; bench/e2e measures the cross-process round trips):
//
//   BM_SpscRing_PushPoll       try_push of a 120-byte record, then poll() of it; the argument is
//                              the batch (records pushed before they are polled).
//   BM_Seqlock_Read            Seqlocked<200-byte record>::try_load, no writer.
//   BM_Seqlock_Write           Seqlocked<200-byte record>::store.
//   BM_Broadcast_Publish       BroadcastWriter::publish of a 120-byte record, no reader; the
//                              argument is the ring's capacity (records).
//   BM_Broadcast_PublishPoll   publish, then one reader's poll() of the same record.
//
// The rings live in zeroed 64-byte-aligned heap memory, set up exactly as in a segment.
#include <benchmark/benchmark.h>

#include <cstdint>
#include <cstdlib>
#include <cstring>
#include <memory>

#include "shm/broadcast_ring.hpp"
#include "shm/seqlock.hpp"
#include "shm/spsc_ring.hpp"

namespace ose::shm {
namespace {

struct FreeDeleter {
  void operator()(void* p) const noexcept { std::free(p); }
};

// Zeroed, 64-byte-aligned memory for a ring.
std::unique_ptr<std::byte, FreeDeleter> zeroed_lines(size_t bytes) {
  const size_t rounded = (bytes + 63) & ~size_t{63};  // aligned_alloc wants a multiple
  auto* p = static_cast<std::byte*>(std::aligned_alloc(64, rounded));
  if (p == nullptr) std::abort();
  std::memset(p, 0, rounded);
  return std::unique_ptr<std::byte, FreeDeleter>(p);
}

struct Payload {
  uint64_t words[kRecordPayload / 8];
};
static_assert(sizeof(Payload) == kRecordPayload);

struct Record200 {
  uint64_t words[25];
};
static_assert(sizeof(Record200) == 200 && kSeqlockable<Record200>);

// ---- SpscRing ----------------------------------------------------------------------------------

void BM_SpscRing_PushPoll(benchmark::State& state) {
  constexpr uint64_t kCapacity = 4096;
  const auto batch = static_cast<uint64_t>(state.range(0));
  auto memory = zeroed_lines(SpscRingData::bytes_for(kCapacity));
  SpscRingData* data = SpscRingData::init(memory.get(), kCapacity);
  SpscProducer producer(data, kCapacity);
  SpscConsumer consumer(data, kCapacity);
  Payload in{};
  Payload out{};
  for (auto _ : state) {
    for (uint64_t i = 0; i < batch; ++i) {
      in.words[0] = producer.head();
      if (producer.try_push(&in, sizeof in) != RingStatus::kOk) {
        state.SkipWithError("push refused");
        break;
      }
    }
    for (uint64_t i = 0; i < batch; ++i) {
      if (consumer.poll(&out, sizeof out) != RingStatus::kOk) {
        state.SkipWithError("poll found nothing");
        break;
      }
      benchmark::DoNotOptimize(out);
    }
  }
  state.SetItemsProcessed(state.iterations() * static_cast<int64_t>(batch));
  state.SetBytesProcessed(state.iterations() * static_cast<int64_t>(batch * sizeof(Payload)));
}
BENCHMARK(BM_SpscRing_PushPoll)->ArgName("batch")->Arg(1)->Arg(32)->Arg(1024);

// ---- Seqlock -----------------------------------------------------------------------------------

void BM_Seqlock_Read(benchmark::State& state) {
  auto locked = std::make_unique<Seqlocked<Record200>>();
  Record200 v{};
  for (uint64_t i = 0; i < 25; ++i) v.words[i] = i;
  locked->store(v);
  Record200 out{};
  for (auto _ : state) {
    benchmark::DoNotOptimize(locked.get());
    const bool ok = locked->try_load(out);
    benchmark::DoNotOptimize(ok);
    benchmark::DoNotOptimize(out);
  }
  state.SetItemsProcessed(state.iterations());
  state.SetBytesProcessed(state.iterations() * static_cast<int64_t>(sizeof(Record200)));
}
BENCHMARK(BM_Seqlock_Read);

void BM_Seqlock_Write(benchmark::State& state) {
  auto locked = std::make_unique<Seqlocked<Record200>>();
  Record200 v{};
  for (auto _ : state) {
    ++v.words[0];
    benchmark::DoNotOptimize(v);
    locked->store(v);
    benchmark::ClobberMemory();
  }
  state.SetItemsProcessed(state.iterations());
  state.SetBytesProcessed(state.iterations() * static_cast<int64_t>(sizeof(Record200)));
}
BENCHMARK(BM_Seqlock_Write);

// ---- BroadcastRing -----------------------------------------------------------------------------

void BM_Broadcast_Publish(benchmark::State& state) {
  const auto capacity = static_cast<uint64_t>(state.range(0));
  auto memory = zeroed_lines(BroadcastRingData::bytes_for(capacity));
  BroadcastRingData* data = BroadcastRingData::init(memory.get(), capacity);
  BroadcastWriter writer(data, capacity);
  Payload in{};
  for (auto _ : state) {
    in.words[0] = writer.head();
    writer.publish(&in, sizeof in);
    benchmark::ClobberMemory();
  }
  state.SetItemsProcessed(state.iterations());
  state.SetBytesProcessed(state.iterations() * static_cast<int64_t>(sizeof(Payload)));
}
// 1024 records (128 KiB) stay in L2; 65536 (8 MiB, the engine's default) do not.
BENCHMARK(BM_Broadcast_Publish)->ArgName("capacity")->Arg(1024)->Arg(65536);

void BM_Broadcast_PublishPoll(benchmark::State& state) {
  const auto capacity = static_cast<uint64_t>(state.range(0));
  auto memory = zeroed_lines(BroadcastRingData::bytes_for(capacity));
  BroadcastRingData* data = BroadcastRingData::init(memory.get(), capacity);
  BroadcastWriter writer(data, capacity);
  BroadcastReader reader(data, capacity, BroadcastReader::Start::kNewest);
  Payload in{};
  Payload out{};
  uint64_t lost = 0;
  for (auto _ : state) {
    in.words[0] = writer.head();
    writer.publish(&in, sizeof in);
    if (reader.poll(&out, sizeof out, lost) != RingStatus::kOk) state.SkipWithError("poll");
    benchmark::DoNotOptimize(out);
  }
  if (lost != 0) state.SkipWithError("the reader lost records");
  state.SetItemsProcessed(state.iterations());
  state.SetBytesProcessed(state.iterations() * static_cast<int64_t>(sizeof(Payload)));
}
BENCHMARK(BM_Broadcast_PublishPoll)->ArgName("capacity")->Arg(1024)->Arg(65536);

}  // namespace
}  // namespace ose::shm

BENCHMARK_MAIN();
