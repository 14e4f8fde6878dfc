#include "tools/fleet_views.hpp"

#include <fmt/format.h>

#include <functional>
#include <optional>

#include "engine/core/fixed_point.hpp"
#include "engine/formats/json_format.hpp"

namespace ose::tools::fleet {

namespace {

using nlohmann::json;

struct Field {
  const char* name;
  bool count;  // an integer count; otherwise a decimal amount in e8
};

// One row an engine adds to a sum table, before rows with the same key are summed.
struct SumRow {
  std::vector<std::string> key;
  std::vector<int64_t> values;  // aligned with the table's fields
};

// The rows of one engine's state (and its canonical JSON tables) a sum table adds; an Error
// names a value that is not a decimal the engine could have written.
using RowsOf = std::function<Result<std::vector<SumRow>>(const State&, const json&)>;

struct SumSpec {
  const char* name;
  std::vector<const char*> key;
  std::vector<Field> fields;
  RowsOf rows;
};

struct ViewSpec {
  const char* listed;  // the canonical JSON table listed per engine as it is; "" for none
  StateJsonParts parts;
  std::vector<SumSpec> sums;
};

Result<int64_t> decimal_of(const json& row, const char* field) {
  const json& v = row.at(field);
  const auto e8 = v.is_string() ? parse_decimal_e8(v.get<std::string>()) : std::nullopt;
  if (!e8) return Error{fmt::format("{} '{}' is not a decimal", field, v.dump())};
  return *e8;
}

std::string text_of(const json& v) {
  return v.is_string() ? v.get<std::string>() : std::string();
}

// The asset an instrument's PnL is counted in (DESIGN §4: the settle asset; inverse: base).
std::string settle_asset(const State& s, const std::string& symbol) {
  const uint16_t i = s.find_instrument(symbol);
  return i < s.instrument_count() ? asset_name(s, s.instrument(i).settle) : std::string();
}

// Rows of `table` whose `fields` are summed as they are, keyed by `key`.
RowsOf fields_of(const char* table, std::vector<const char*> key, std::vector<Field> fields) {
  return [=](const State&, const json& tables) -> Result<std::vector<SumRow>> {
    std::vector<SumRow> out;
    for (const json& row : tables.at(table)) {
      SumRow r;
      for (const char* k : key) r.key.push_back(text_of(row.at(k)));
      for (const Field& f : fields) {
        auto v = decimal_of(row, f.name);
        if (!v) return Error{v.error()};
        r.values.push_back(*v);
      }
      out.push_back(std::move(r));
    }
    return out;
  };
}

// Realized and unrealized PnL and fees of the positions in `table`, keyed by `owner` (none for
// the account positions) and the settle asset they are counted in: PnL in unlike assets never
// adds up into one figure.
const std::vector<Field> kPnlFields{
    {"realized_pnl", false}, {"unrealized_pnl", false}, {"fees", false}};
RowsOf pnl_of(const char* table, const char* owner) {
  return [=](const State& s, const json& tables) -> Result<std::vector<SumRow>> {
    std::vector<SumRow> out;
    for (const json& row : tables.at(table)) {
      SumRow r;
      if (owner != nullptr) r.key.push_back(text_of(row.at(owner)));
      r.key.push_back(settle_asset(s, text_of(row.at("symbol"))));
      for (const Field& f : kPnlFields) {
        auto v = decimal_of(row, f.name);
        if (!v) return Error{v.error()};
        r.values.push_back(*v);
      }
      out.push_back(std::move(r));
    }
    return out;
  };
}

// Each open order: one order, its side's count and its remaining quantity (qty − filled).
Result<std::vector<SumRow>> open_orders_of(const State&, const json& tables) {
  std::vector<SumRow> out;
  for (const json& row : tables.at("orders")) {
    auto qty = decimal_of(row, "qty");
    if (!qty) return Error{qty.error()};
    auto filled = decimal_of(row, "filled_qty");
    if (!filled) return Error{filled.error()};
    const int64_t rest = *qty - *filled;  // both non-negative: cannot overflow
    const bool buy = row.at("side") == "buy";
    out.push_back({{text_of(row.at("symbol"))},
                   {1, buy ? 1 : 0, buy ? 0 : 1, buy ? rest : 0, buy ? 0 : rest}});
  }
  return out;
}

StateJsonParts only(bool balances, bool orders, bool positions) {
  StateJsonParts p;
  p.balances = balances;
  p.orders = orders;
  p.positions = positions;
  p.strategies = false;
  p.market = false;
  p.open_orders_only = true;
  return p;
}

const ViewSpec& spec_of(const std::string& view) {
  static const ViewSpec positions{"positions",
                                  only(false, false, true),
                                  {{"by_symbol",
                                    {"symbol"},
                                    {{"size", false},
                                     {"open_buy_qty", false},
                                     {"open_sell_qty", false},
                                     {"realized_pnl", false},
                                     {"unrealized_pnl", false},
                                     {"fees", false},
                                     {"margin", false}},
                                    nullptr}}};
  static const ViewSpec balances{
      "balances",
      only(true, false, false),
      {{"by_asset", {"asset"}, {{"free", false}, {"locked", false}, {"total", false}}, nullptr}}};
  static const ViewSpec orders{"orders",
                               only(false, true, false),
                               {{"by_symbol",
                                 {"symbol"},
                                 {{"orders", true},
                                  {"buy_orders", true},
                                  {"sell_orders", true},
                                  {"buy_qty", false},
                                  {"sell_qty", false}},
                                 open_orders_of}}};
  static const ViewSpec pnl{"",
                            only(false, false, true),
                            {{"by_asset", {"asset"}, kPnlFields, pnl_of("positions", nullptr)},
                             {"by_strategy",
                              {"strategy", "asset"},
                              kPnlFields,
                              pnl_of("strategy_positions", "strategy")}}};
  if (view == "balances") return balances;
  if (view == "orders") return orders;
  if (view == "pnl") return pnl;
  return positions;
}

// The sum table's rows source: its own, or its fields straight from the listed table.
RowsOf rows_of(const ViewSpec& v, const SumSpec& s) {
  return s.rows ? s.rows : fields_of(v.listed, s.key, s.fields);
}

Result<bool> add_into(std::map<std::vector<std::string>, std::vector<int64_t>>& sums,
                      const SumSpec& spec, const SumRow& row) {
  auto& t = sums[row.key];
  t.resize(spec.fields.size(), 0);
  for (size_t f = 0; f < spec.fields.size(); ++f) {
    const auto sum = add_e8(t[f], row.values[f]);
    if (!sum) return Error{fmt::format("{} does not add up (overflow)", spec.fields[f].name)};
    t[f] = *sum;
  }
  return true;
}

json value_json(const Field& f, int64_t v) {
  return f.count ? json(v) : json(format_decimal_e8(v));
}
std::string value_text(const Field& f, int64_t v) {
  return f.count ? std::to_string(v) : format_decimal_e8(v);
}

template <typename Sums>
json sums_json(const SumSpec& spec, const Sums& sums) {
  json out = json::array();
  for (const auto& [key, values] : sums) {
    json row;
    for (size_t k = 0; k < spec.key.size(); ++k) row[spec.key[k]] = key[k];
    for (size_t f = 0; f < spec.fields.size(); ++f) {
      row[spec.fields[f].name] = value_json(spec.fields[f], values[f]);
    }
    out.push_back(std::move(row));
  }
  return out;
}

}  // namespace

bool is_view(const std::string& view) {
  return view == "positions" || view == "balances" || view == "orders" || view == "pnl";
}

FleetView::FleetView(std::string view) : view_(std::move(view)) {
  per_engine_.resize(spec_of(view_).sums.size());
  total_.resize(spec_of(view_).sums.size());
}

Result<bool> FleetView::add(const std::string& engine, const State& state) {
  const ViewSpec& v = spec_of(view_);
  const json tables = state_to_json(state, v.parts);
  json e{{"seq", state.header().seq}, {"state_hash", fmt::format("{:016x}", state.hash())}};
  if (*v.listed != '\0') e[v.listed] = tables.at(v.listed);
  for (size_t t = 0; t < v.sums.size(); ++t) {
    const SumSpec& spec = v.sums[t];
    auto rows = rows_of(v, spec)(state, tables);
    if (!rows) return Error{rows.error()};
    Sums& mine = per_engine_[t][engine];
    for (const SumRow& row : *rows) {
      if (auto ok = add_into(mine, spec, row); !ok) return Error{ok.error()};
      if (auto ok = add_into(total_[t], spec, row); !ok) return Error{ok.error()};
    }
    e[spec.name] = sums_json(spec, mine);
  }
  engines_[engine] = std::move(e);
  return true;
}

json FleetView::to_json() const {
  const ViewSpec& v = spec_of(view_);
  json out{{"view", view_}, {"engines", engines_}};
  for (size_t t = 0; t < v.sums.size(); ++t) {
    out[t == 0 ? std::string("total") : fmt::format("total_{}", v.sums[t].name)] =
        sums_json(v.sums[t], total_[t]);
  }
  return out;
}

std::string FleetView::to_text() const {
  const ViewSpec& v = spec_of(view_);
  std::string out;
  for (const auto& [engine, e] : engines_.items()) {
    out += fmt::format("engine {} (seq {}, state hash {})", engine, e["seq"].get<uint64_t>(),
                       e["state_hash"].get<std::string>());
    if (*v.listed != '\0') out += fmt::format(": {} {}", e[v.listed].size(), v.listed);
    out += "\n";
  }
  for (size_t t = 0; t < v.sums.size(); ++t) {
    const SumSpec& spec = v.sums[t];
    out += fmt::format("\n{} {}\n  {:<16}", view_, spec.name, "engine");
    for (const char* k : spec.key) out += fmt::format(" {:<16}", k);
    for (const Field& f : spec.fields) out += fmt::format(" {:>18}", f.name);
    out += "\n";
    const auto row_text = [&](const std::string& who, const auto& key, const auto& values) {
      out += fmt::format("  {:<16}", who);
      for (const std::string& k : key) out += fmt::format(" {:<16}", k);
      for (size_t f = 0; f < spec.fields.size(); ++f) {
        out += fmt::format(" {:>18}", value_text(spec.fields[f], values[f]));
      }
      out += "\n";
    };
    for (const auto& [engine, sums] : per_engine_[t]) {
      for (const auto& [key, values] : sums) row_text(engine, key, values);
    }
    for (const auto& [key, values] : total_[t]) row_text("total", key, values);
  }
  return out;
}

}  // namespace ose::tools::fleet
