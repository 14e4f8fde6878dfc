// The steady-state order flow of the persistence benchmarks, and a quick way to write it into a
// journal: shared by bench/persistence_bench.cpp (journal, recovery, snapshots) and
// bench/export_bench.cpp (`ose export` of a large journal), which both need a journal holding a
// long, valid history with fills and ledger entries, written faster than an engine could.
#pragma once

#include <algorithm>
#include <array>
#include <string>
#include <vector>

#include "bench/bench_fixture.hpp"
#include "persistence/journal_format.hpp"
#include "persistence/lmdb.hpp"
#include "persistence/store.hpp"

namespace ose::bench {

// ---- the order flow ---------------------------------------------------------------------------

// A state-free generator of the steady-state order flow of core_bench's mixed fixture: per cycle
// an order enters and is acked, the oldest working one leaves by two maker fills (60%) or by
// cancel + cancel_ack, and a top-of-book tick moves one instrument's mark within ±0.5% of its
// start price. Venue reports and cancels name orders by (client, cl_id), as a venue echoing the
// client order id would, so no State is needed to generate the stream: it can be written into a
// journal faster than it could be applied. Limit prices lie within 2% of the start mid, inside
// the 5% band around any mark the ticks set; nothing matches, so every order rests until the
// flow retires it.
class OrderFlow {
 public:
  static constexpr uint32_t kFillPathPct = 60;

  OrderFlow(uint32_t working, uint64_t seed) : rng_(seed), working_(working) {}

  // The opening: a mark on every instrument, then `working` orders entered and acked.
  size_t opening_size() const noexcept { return kInstruments + 2 * working_.size(); }

  Input next() noexcept {
    if (pos_ == count_) refill();
    return unit_[pos_++];
  }

  void take(size_t n, std::vector<Input>& out) {
    out.reserve(out.size() + n);
    for (size_t k = 0; k < n; ++k) out.push_back(next());
  }

 private:
  using Working = WorkingOrder;

  static Qty book_qty() noexcept { return Qty::from_units(10); }

  void push(uint16_t source, const Command& c) noexcept {
    unit_[count_++] = stamper_.make(source, c);
  }

  void refill() noexcept {
    pos_ = 0;
    count_ = 0;
    if (marks_ < kInstruments) {
      const auto i = static_cast<uint16_t>(marks_++);
      push(kVenueClient, tick(i, Price::from_e8(start_mid_e8(i)), book_qty()));
      return;
    }
    const Working fresh = new_working();
    enter(fresh);
    if (opened_ < working_.size()) {
      working_[opened_++] = fresh;
      return;
    }
    Working& old = working_[head_];
    const OrderRef ref = ref_by_cl_id(old.strategy, old.cl_id);
    if (rng_.percent(kFillPathPct)) {
      const Qty half = Qty::from_e8(old.qty.e8 / 2 / kStepE8 * kStepE8);
      push(kVenueClient, fill(ref, ++trade_id_, half, old.price, true));
      push(kVenueClient, fill(ref, ++trade_id_, old.qty - half, old.price, true));
    } else {
      push(old.strategy, cancel(ref));
      push(kVenueClient, cancel_ack(ref));
    }
    old = fresh;
    head_ = (head_ + 1) % working_.size();
    const auto i = static_cast<uint16_t>(rng_.below(kInstruments));
    const double mid = static_cast<double>(start_mid_e8(i));
    const double last = mid * (1.0 + 0.005 * (2.0 * rng_.unit() - 1.0));
    push(kVenueClient, tick(i, Price::from_e8(round_to(last, kTickE8)), book_qty()));
  }

  Working new_working() noexcept { return random_working_order(rng_, cl_ids_); }

  void enter(const Working& w) noexcept {
    Command c = new_order(w.strategy, w.instrument, w.side, OrderType::kLimit, w.cl_id, w.qty);
    c.new_order.price = w.price;
    push(w.strategy, c);
    push(kVenueClient, ack(ref_by_cl_id(w.strategy, w.cl_id), ++venue_order_id_));
  }

  Rng rng_;
  Stamper stamper_;
  std::vector<Working> working_;  // FIFO ring, oldest at head_ once the opening is done
  size_t opened_ = 0;
  size_t head_ = 0;
  int marks_ = 0;
  std::array<Input, 5> unit_{};
  size_t pos_ = 0;
  size_t count_ = 0;
  std::array<uint64_t, kSpotStrategies + kPerpStrategies> cl_ids_{};
  uint64_t trade_id_ = 0;
  uint64_t venue_order_id_ = 0;
};

// ---- journals ---------------------------------------------------------------------------------

// Writes inputs into the journal DB exactly as the journal thread does (encoded record, big-endian
// seq key, MDB_APPEND), 256k records to a transaction: setup for benchmarks that need a journal
// already holding a history. `format` 2 writes the previous format's whole-Input records instead
// (recovery reads both), for a side-by-side comparison. Returns what failed, empty on success.
inline std::string append_records(Store& store, const Input* in, size_t n, int format = 3) {
  constexpr size_t kPerTxn = size_t{1} << 18;
  for (size_t done = 0; done < n;) {
    MDB_txn* txn = nullptr;
    if (int rc = mdb_txn_begin(store.env().get(), nullptr, 0, &txn); rc != 0) {
      return lmdb::describe("mdb_txn_begin", rc);
    }
    for (const size_t end = std::min(n, done + kPerTxn); done < end; ++done) {
      EncodedRecord rec;
      JournalRecord v2;
      MDB_val v;
      if (format == 2) {
        v2 = encode_journal_record_v2(in[done]);
        v = {sizeof v2, &v2};
      } else {
        rec = encode_journal_record(in[done]);
        v = {rec.size, rec.bytes};
      }
      SeqKey key;
      encode_seq_key(in[done].seq, key);
      MDB_val k{sizeof key, key};
      if (int rc = mdb_put(txn, store.journal_db(), &k, &v, MDB_APPEND); rc != 0) {
        mdb_txn_abort(txn);
        return lmdb::describe("mdb_put", rc);
      }
    }
    if (int rc = mdb_txn_commit(txn); rc != 0) return lmdb::describe("mdb_txn_commit", rc);
  }
  return {};
}

}  // namespace ose::bench
