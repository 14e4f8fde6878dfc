// StateReader::copy_tables(): some tables as of one input boundary, without the rest of the
// region. The protocol is copy()'s (record_versions.hpp): the engine holds the header's version
// odd for the whole of each input, so bytes copied between two equal even header versions are
// the state after exactly one input, whichever bytes they are.
#include <cstdint>
#include <cstring>

#include "engine/client/state_reader.hpp"
#include "shm/seqlock.hpp"

#if defined(__x86_64__)
#include <immintrin.h>
#endif

namespace ose {

namespace {

// Calls f(T{}) with T the record type of versioned table t.
template <typename F>
decltype(auto) with_record_type(VersionedTable t, F&& f) {
  switch (t) {
    case VersionedTable::kHeader:
      return f(StateHeader{});
    case VersionedTable::kInstruments:
      return f(InstrumentRecord{});
    case VersionedTable::kAccounts:
      return f(AccountRecord{});
    case VersionedTable::kBalances:
      return f(BalanceRecord{});
    case VersionedTable::kStrategies:
      return f(StrategyRecord{});
    case VersionedTable::kPositions:
    case VersionedTable::kStrategyPositions:
      return f(PositionRecord{});
    case VersionedTable::kMarkets:
      return f(MarketRecord{});
    case VersionedTable::kOrders:
      return f(OrderRecord{});
    case VersionedTable::kVenueOrderIds:
    case VersionedTable::kCount:
      break;
  }
  return f(VenueId{});
}

// A store that bypasses the cache (x86-64: MOVNTI). A table copied for a reader is written once
// and read later, often after more than the cache holds: a cached store would first read each
// destination line in (a third of the traffic of a large copy) and evict useful lines.
inline void stream_word(shm::AliasingWord* dst, uint64_t v) noexcept {
#if defined(__x86_64__)
  _mm_stream_si64(reinterpret_cast<long long*>(dst), static_cast<long long>(v));
#else
  *dst = v;
#endif
}
// Orders the streaming stores before anything this thread stores next, as ordinary stores are
// (they are weakly ordered otherwise).
inline void end_streaming() noexcept {
#if defined(__x86_64__)
  _mm_sfence();
#endif
}

static_assert(offsetof(OrderRecord, id) % 8 == 0 && sizeof(OrderRecord) % 8 == 0);

// The used order slots (id != 0) of src[0, rows) into `out`, in slot order, in one pass: each
// word a relaxed atomic load (the caller validates the whole copy under the global seqlock).
// Returns how many rows it copied.
uint32_t copy_used_orders(const OrderRecord* src, uint32_t rows, std::byte* out) noexcept {
  constexpr size_t kWords = sizeof(OrderRecord) / 8;
  constexpr size_t kIdWord = offsetof(OrderRecord, id) / 8;
  const bool aligned = reinterpret_cast<uintptr_t>(out) % 8 == 0;
  uint32_t kept = 0;
  for (uint32_t i = 0; i < rows; ++i) {
    const auto* s = reinterpret_cast<const shm::AliasingWord*>(&src[i]);
    if (__atomic_load_n(&s[kIdWord], __ATOMIC_RELAXED) == 0) continue;
    std::byte* row = out + size_t{kept++} * sizeof(OrderRecord);
    if (aligned) {
      auto* d = reinterpret_cast<shm::AliasingWord*>(row);
      for (size_t w = 0; w < kWords; ++w)
        stream_word(&d[w], __atomic_load_n(&s[w], __ATOMIC_RELAXED));
    } else {
      shm::AliasingWord words[kWords];
      shm::relaxed_copy_out(words, s, sizeof words);
      std::memcpy(row, words, sizeof words);
    }
  }
  end_streaming();
  return kept;
}

}  // namespace

size_t StateReader::table_record_size(VersionedTable t) noexcept {
  return with_record_type(t, [](const auto& r) { return sizeof r; });
}

uint32_t StateReader::table_rows(VersionedTable t, const StateHeader& h) const noexcept {
  if (t == VersionedTable::kHeader || t >= VersionedTable::kCount) return 0;
  const int i = static_cast<int>(t);
  const uint32_t end = i + 1 < kVersionedTableCount ? layout_.base[i + 1] : layout_.total;
  const uint32_t rows = end - layout_.base[i];
  // Order slots past next_unused_slot were never written: nothing to copy there.
  if (t == VersionedTable::kOrders || t == VersionedTable::kVenueOrderIds) {
    return std::min(rows, h.next_unused_slot);
  }
  return rows;
}

const std::byte* StateReader::table_data(VersionedTable t) const noexcept {
  const State& s = state_;
  switch (t) {
    case VersionedTable::kHeader:
      return reinterpret_cast<const std::byte*>(&s.header());
    case VersionedTable::kInstruments:
      return reinterpret_cast<const std::byte*>(&s.instrument(0));
    case VersionedTable::kAccounts:
      return reinterpret_cast<const std::byte*>(&s.account(0));
    case VersionedTable::kBalances:
      return reinterpret_cast<const std::byte*>(&s.balance(0, 0));
    case VersionedTable::kStrategies:
      return reinterpret_cast<const std::byte*>(&s.strategy(0));
    case VersionedTable::kPositions:
      return reinterpret_cast<const std::byte*>(&s.position(0, 0));
    case VersionedTable::kStrategyPositions:
      return reinterpret_cast<const std::byte*>(&s.strategy_position(0, 0));
    case VersionedTable::kMarkets:
      return reinterpret_cast<const std::byte*>(&s.market(0));
    case VersionedTable::kOrders:
      return reinterpret_cast<const std::byte*>(&s.order_at(0));
    case VersionedTable::kVenueOrderIds:
    case VersionedTable::kCount:
      break;
  }
  return reinterpret_cast<const std::byte*>(&s.venue_order_id(0));
}

bool StateReader::read_rows(VersionedTable t, uint32_t rows, std::byte* out) const noexcept {
  return with_record_type(t, [&](auto row) {
    using T = decltype(row);
    const T* src = reinterpret_cast<const T*>(table_data(t));
    bool ok = true;
    for (uint32_t i = 0; i < rows; ++i) {
      ok = shm::seqlock_read(versions_[layout_.index(t, i)], src[i], row) && ok;
      std::memcpy(out + size_t{i} * sizeof(T), &row, sizeof(T));  // `out` may be unaligned
    }
    return ok;
  });
}

bool StateReader::read_used_orders(uint32_t rows, std::byte* out, uint32_t& kept) const noexcept {
  const OrderRecord* src = &state_.order_at(0);
  bool ok = true;
  kept = 0;
  OrderRecord row;
  for (uint32_t i = 0; i < rows; ++i) {
    ok = shm::seqlock_read(versions_[layout_.index(VersionedTable::kOrders, i)], src[i], row) && ok;
    if (row.id == 0) continue;
    std::memcpy(out + size_t{kept++} * sizeof row, &row, sizeof row);  // `out` may be unaligned
  }
  return ok;
}

Result<StateReader::TablesCopy> StateReader::copy_tables(std::span<TableRequest> requests,
                                                         int attempts) const {
  for (const TableRequest& r : requests) {
    if (r.table == VersionedTable::kHeader || r.table >= VersionedTable::kCount) {
      return Error{"copy_tables: a request names no table of rows"};
    }
    if (r.used_only && r.table != VersionedTable::kOrders) {
      return Error{"copy_tables: used_only is for the order table"};
    }
  }
  // Every request's rows are copied if each `out` holds them; none, and false, if one did not.
  const auto copy_rows = [&](const StateHeader& h, auto&& copy_one) {
    bool fits = true;
    for (TableRequest& r : requests) {
      r.rows = table_rows(r.table, h);
      fits = fits && size_t{r.rows} * table_record_size(r.table) <= r.out.size();
    }
    if (fits) {
      for (TableRequest& r : requests) copy_one(r, size_t{r.rows} * table_record_size(r.table));
    }
    return fits;
  };
  const std::atomic<uint32_t>& global = versions_[layout_.index(VersionedTable::kHeader, 0)];
  TablesCopy out{};
  for (int i = 0; i < attempts; ++i) {
    const uint32_t v1 = even_global_version();
    if ((v1 & 1) != 0) continue;
    shm::relaxed_copy_out(&out.header, &state_.header(), sizeof out.header);
    // The header copy may be torn until the check below: table_rows() bounds what it reads.
    out.fits = copy_rows(out.header, [&](TableRequest& r, size_t bytes) {
      if (r.used_only) {
        r.rows = copy_used_orders(&state_.order_at(0), r.rows, r.out.data());
      } else {
        shm::relaxed_copy_out(r.out.data(), table_data(r.table), bytes);
      }
    });
    // SYNC(seqlock.validate): acquire fence. Pairs with SYNC(seqlock.begin).
    std::atomic_thread_fence(std::memory_order_acquire);
    if (global.load(std::memory_order_relaxed) == v1) {
      out.consistent = true;
      return out;
    }
  }
  // Busy engine: whole rows, possibly from different inputs (as copy()).
  bool ok = read_state_header(out.header);
  out.consistent = false;
  out.fits = copy_rows(out.header, [&](TableRequest& r, size_t) {
    ok = (r.used_only ? read_used_orders(r.rows, r.out.data(), r.rows)
                      : read_rows(r.table, r.rows, r.out.data())) &&
         ok;
  });
  if (!ok) return Error{"the engine held some records mid-write for too long: is it stuck?"};
  return out;
}

}  // namespace ose
