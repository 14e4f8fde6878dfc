// Every balance change goes through post(): it updates the balance and appends the ledger
// entry in one place, so the ledger can never disagree with the balances.
#pragma once

#include "engine/core/records.hpp"
#include "engine/core/state.hpp"

namespace ose {

inline void post_balance(State& s, uint64_t seq, int64_t ts, uint16_t account, uint16_t asset,
                         LedgerKind kind, Amount delta_free, Amount delta_locked,
                         uint64_t order_id) noexcept {
  if (delta_free.is_zero() && delta_locked.is_zero()) return;
  BalanceRecord& b = s.edit_balance(account, asset);
  b.free += delta_free;
  b.locked += delta_locked;
  StateHeader& h = s.edit_header();
  LedgerEntry& e = s.edit_ledger(h.ledger_pos);
  h.ledger_pos = ring_next(h.ledger_pos, h.caps.ledger);
  e = LedgerEntry{};
  e.seq = seq;
  e.ts = ts;
  e.order_id = order_id;
  e.delta_free = delta_free;
  e.delta_locked = delta_locked;
  e.free_after = b.free;
  e.locked_after = b.locked;
  e.account = account;
  e.asset = asset;
  e.kind = kind;
  ++h.ledger_written;
}

}  // namespace ose
