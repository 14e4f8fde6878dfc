#include "tools/tables.hpp"

#include <fmt/format.h>

#include <algorithm>
#include <ostream>
#include <string>
#include <vector>

#include "engine/formats/json_format.hpp"

namespace ose::tools {

std::string printable_id(std::string_view id) {
  std::string out;
  out.reserve(id.size());
  for (const char ch : id) {
    const auto b = static_cast<unsigned char>(ch);
    if (b < 0x20 || b == 0x7f) {
      out += fmt::format("\\x{:02x}", b);
    } else {
      out += ch;
    }
  }
  return out;
}

namespace {

// Collects rows, then prints them with each column as wide as its widest cell.
class Table {
 public:
  explicit Table(std::vector<std::string> header) : rows_{std::move(header)} {}
  void add(std::vector<std::string> row) { rows_.push_back(std::move(row)); }
  void print(std::ostream& out, const std::string& title) const {
    out << title << "\n";
    if (rows_.size() == 1) {
      out << "  (none)\n\n";
      return;
    }
    std::vector<size_t> width(rows_[0].size(), 0);
    for (const auto& r : rows_) {
      for (size_t i = 0; i < r.size(); ++i) width[i] = std::max(width[i], r[i].size());
    }
    for (const auto& r : rows_) {
      std::string line = " ";
      for (size_t i = 0; i < r.size(); ++i) line += fmt::format(" {:<{}}", r[i], width[i]);
      while (!line.empty() && line.back() == ' ') line.pop_back();
      out << line << "\n";
    }
    out << "\n";
  }

 private:
  std::vector<std::vector<std::string>> rows_;
};

bool pass(uint16_t want, uint16_t have) {
  return want == kNoIndex || want == have;
}

}  // namespace

void print_orders(std::ostream& out, const State& s, const TableFilter& f) {
  Table t({"ID", "CLIENT", "CL_ID", "STRATEGY", "SYMBOL", "SIDE", "TYPE", "STATUS", "QTY", "PRICE",
           "FILLED", "AVG", "REASON", "VENUE_ID"});
  for (uint32_t slot = 0; slot < s.header().next_unused_slot; ++slot) {
    const OrderRecord& o = s.order_at(slot);
    if (o.id == 0 || !pass(f.account, o.account) || !pass(f.strategy, o.strategy) ||
        !pass(f.instrument, o.instrument) || (f.open_only && is_terminal(o.status))) {
      continue;
    }
    t.add({std::to_string(o.id), client_name(s, o.client), std::to_string(o.cl_id),
           strategy_name(s, o.strategy), instrument_name(s, o.instrument),
           std::string(to_string(o.side)), std::string(to_string(o.type)),
           std::string(to_string(o.status)), to_string(o.qty),
           o.price.is_zero() ? std::string("-") : to_string(o.price), to_string(o.filled_qty),
           o.avg_fill_price.is_zero() ? std::string("-") : to_string(o.avg_fill_price),
           o.reject_reason == RejectReason::kNone ? std::string()
                                                  : std::string(to_string(o.reject_reason)),
           printable_id(s.venue_order_id(slot).view())});
  }
  t.print(out, "Orders");
}

void print_positions(std::ostream& out, const State& s, const TableFilter& f) {
  Table t({"ACCOUNT", "SYMBOL", "SIZE", "AVG_ENTRY", "REALIZED", "UNREALIZED", "FEES", "MARGIN",
           "LIQ_PRICE"});
  for (uint16_t a = 0; a < s.account_count(); ++a) {
    for (uint16_t i = 0; i < s.instrument_count(); ++i) {
      const PositionRecord& p = s.position(a, i);
      if (p.touched == 0 || !pass(f.account, a) || !pass(f.instrument, i)) continue;
      t.add({account_name(s, a), instrument_name(s, i), to_string(p.size),
             to_string(p.avg_entry_price), to_string(p.realized_pnl), to_string(p.unrealized_pnl),
             to_string(p.fees), to_string(p.margin), to_string(p.liquidation_price)});
    }
  }
  t.print(out, "Positions");
}

void print_balances(std::ostream& out, const State& s, const TableFilter& f) {
  Table t({"ACCOUNT", "ASSET", "FREE", "LOCKED", "TOTAL"});
  for (uint16_t a = 0; a < s.account_count(); ++a) {
    for (uint16_t k = 0; k < s.asset_count(); ++k) {
      const BalanceRecord& b = s.balance(a, k);
      if ((b.free.is_zero() && b.locked.is_zero()) || !pass(f.account, a)) continue;
      t.add({account_name(s, a), asset_name(s, k), to_string(b.free), to_string(b.locked),
             to_string(b.free + b.locked)});
    }
  }
  t.print(out, "Balances");
}

void print_strategies(std::ostream& out, const State& s, const TableFilter& f) {
  Table t({"STRATEGY", "STATE", "ORDERS", "FILLS", "VOLUME", "FEES", "REALIZED", "NET", "WINS",
           "LOSSES", "MAX_DD"});
  for (uint16_t k = 0; k < s.strategy_count(); ++k) {
    const StrategyRecord& st = s.strategy(k);
    if (!pass(f.strategy, k) || !pass(f.account, st.account)) continue;
    t.add({strategy_name(s, k), std::string(to_string(st.state)), std::to_string(st.orders),
           std::to_string(st.fills), to_string(st.volume), to_string(st.fees),
           to_string(st.realized_pnl), to_string(st.realized_pnl - st.fees),
           std::to_string(st.wins), std::to_string(st.losses), to_string(st.max_drawdown)});
  }
  t.print(out, "Strategies");
}

void print_market(std::ostream& out, const State& s, const TableFilter& f) {
  Table t({"SYMBOL", "BID", "BID_QTY", "ASK", "ASK_QTY", "LAST", "MARK", "VOLUME"});
  const auto shown = [](uint8_t has, const auto& v) { return has != 0 ? to_string(v) : "-"; };
  for (uint16_t i = 0; i < s.instrument_count(); ++i) {
    if (!pass(f.instrument, i)) continue;
    const MarketRecord& m = s.market(i);
    t.add({instrument_name(s, i), shown(m.has_bid, m.bid), shown(m.has_bid, m.bid_qty),
           shown(m.has_ask, m.ask), shown(m.has_ask, m.ask_qty), shown(m.has_last, m.last),
           shown(m.has_mark, m.mark), to_string(m.volume)});
  }
  t.print(out, "Market");
}

}  // namespace ose::tools
