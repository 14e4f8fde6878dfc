#include "engine/formats/bot_table.hpp"

#include <fmt/format.h>

#include <toml++/toml.h>

#include <algorithm>

#include "engine/formats/toml_decimal.hpp"

namespace ose {

std::string BotTableEntry::toml_value() const {
  switch (kind) {
    case Kind::kString:
      return "\"" + text + "\"";
    case Kind::kInteger:
      return text;
    case Kind::kFloat:
      return text.find('.') == std::string::npos ? text + ".0" : text;
  }
  return text;
}

Result<std::vector<BotTableEntry>> read_bot_table(std::string_view toml_text,
                                                  const std::string& origin) {
  toml::table root;
  try {
    root = toml::parse(toml_text, origin);
  } catch (const toml::parse_error& e) {
    return Error{fmt::format("{}:{}: {}", origin, e.source().begin.line, e.description())};
  }
  std::vector<BotTableEntry> out;
  const toml::node* n = root.get("bot");
  if (n == nullptr) return out;
  const toml::table* t = n->as_table();
  if (t == nullptr) {
    return Error{fmt::format("{}:{}: bot: expected a [bot] table", origin, n->source().begin.line)};
  }
  for (auto&& [key, value] : *t) {
    const int line = static_cast<int>(value.source().begin.line);
    const std::string label = fmt::format("{}:{}: bot.{}", origin, line, key.str());
    if (value.is_table() || value.is_array() || value.is_boolean() || value.is_date() ||
        value.is_time() || value.is_date_time()) {
      return Error{label + ": expected a string or a number (decimals as \"0.02\" or 0.02)"};
    }
    auto text = formats::toml_decimal_text(value);
    if (!text) return Error{fmt::format("{}: {}", label, text.error())};
    const auto kind = value.is_string()    ? BotTableEntry::Kind::kString
                      : value.is_integer() ? BotTableEntry::Kind::kInteger
                                           : BotTableEntry::Kind::kFloat;
    out.push_back({std::string(key.str()), std::move(*text), kind, line});
  }
  // toml++ iterates a table in key order; the strategy reports the first problem, and the first
  // in the file is the one a person expects to hear of.
  std::stable_sort(out.begin(), out.end(),
                   [](const BotTableEntry& a, const BotTableEntry& b) { return a.line < b.line; });
  return out;
}

}  // namespace ose
