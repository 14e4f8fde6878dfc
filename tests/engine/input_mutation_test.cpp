// A seeded mutation run over the text inputs (issue 21): config/example.toml and the lines of
// config/scenarios/*.jsonl, mutated by byte flips, truncations, NULs, type swaps and huge
// numbers, go through load_config_string, parse_scenario_line and apply() for a bounded time.
// Nothing may throw or crash; under ASan+UBSan (`./ose.sh test`) nothing may be undefined. A
// config that loads must hold only names the tables show as written. The seed is fixed, so a
// failure reproduces (OSE_MUTATION_SEED overrides it, OSE_MUTATION_MS the time per input).
#include <gtest/gtest.h>

#include <chrono>
#include <cstdint>
#include <cstdlib>
#include <fstream>
#include <limits>
#include <nlohmann/json.hpp>
#include <optional>
#include <random>
#include <set>
#include <sstream>
#include <string>
#include <string_view>
#include <vector>

#include "engine/core/apply.hpp"
#include "engine/core/state.hpp"
#include "engine/formats/config.hpp"
#include "engine/formats/scenario.hpp"

namespace ose {
namespace {

std::string read_file(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  std::stringstream ss;
  ss << in.rdbuf();
  return ss.str();
}

std::vector<std::string> lines_of(const std::string& text) {
  std::vector<std::string> out;
  std::istringstream in(text);
  for (std::string line; std::getline(in, line);) out.push_back(line);
  return out;
}

uint64_t env_or(const char* name, uint64_t fallback) {
  const char* v = std::getenv(name);
  return v != nullptr && *v != '\0' ? std::strtoull(v, nullptr, 10) : fallback;
}

// Prints bytes a terminal cannot show as \xNN, so a failing input can be copied into a test.
std::string shown(std::string_view s) {
  std::string out;
  for (char ch : s) {
    const auto u = static_cast<unsigned char>(ch);
    if (u >= 0x20 && u < 0x7F && ch != '\\') {
      out.push_back(ch);
    } else {
      static const char* kHex = "0123456789abcdef";
      out += "\\x";
      out.push_back(kHex[u >> 4]);
      out.push_back(kHex[u & 15]);
    }
  }
  return out;
}

class Mutator {
 public:
  explicit Mutator(uint64_t seed) : rng_(seed) {}

  uint64_t below(uint64_t n) { return n == 0 ? 0 : rng_() % n; }
  template <typename T>
  const T& pick(const std::vector<T>& v) {
    return v[below(v.size())];
  }

  // One to three byte-level or line-level changes; `values` are what a value may become.
  std::string mutate_text(std::string s, const std::vector<std::string>& values, char assign) {
    const uint64_t n = 1 + below(3);
    for (uint64_t k = 0; k < n; ++k) {
      const size_t at = below(s.size() + 1);
      switch (below(8)) {
        case 0:  // flip one bit
          if (!s.empty()) s[at % s.size()] ^= static_cast<char>(1u << below(8));
          break;
        case 1:  // any byte, NUL included
          if (!s.empty()) s[at % s.size()] = static_cast<char>(below(256));
          break;
        case 2:  // truncate
          s.resize(at);
          break;
        case 3:  // insert a NUL or a stray token
          s.insert(at, below(2) == 0 ? std::string(1, '\0') : pick(values));
          break;
        case 4:    // replace the value after an assignment (type swap, huge number, ...)
        case 5: {  // (twice as likely: the most productive change)
          const size_t eq = s.find(assign, at);
          if (eq == std::string::npos) break;
          size_t end = eq + 1;
          while (end < s.size() && s[end] != '\n' && s[end] != ',' && s[end] != '}') ++end;
          s.replace(eq + 1, end - eq - 1, " " + pick(values));
          break;
        }
        case 6: {  // duplicate or drop a line
          const size_t from = s.rfind('\n', at == 0 ? 0 : at - 1);
          const size_t start = from == std::string::npos ? 0 : from + 1;
          const size_t stop = s.find('\n', start);
          const std::string line =
              s.substr(start, stop == std::string::npos ? std::string::npos : stop - start + 1);
          if (below(2) == 0) {
            s.insert(start, line);
          } else {
            s.erase(start, line.size());
          }
          break;
        }
        default:  // a long run of one character
          s.insert(at, std::string(1 + below(300), static_cast<char>(below(2) ? '9' : '[')));
          break;
      }
    }
    return s;
  }

  nlohmann::json json_value() {
    using nlohmann::json;
    switch (below(22)) {
      case 0:
        return nullptr;
      case 1:
        return below(2) == 0;
      case 2:
        return 0;
      case 3:
        return -1;
      case 4:
        return std::numeric_limits<int64_t>::max();
      case 5:
        return std::numeric_limits<int64_t>::min();
      case 6:
        return std::numeric_limits<uint64_t>::max();
      case 7:
        return 1e308;
      case 8:
        return 1.5;
      case 9:
        return "";
      case 10:
        return "x";
      case 11:
        return std::string("a\0b", 3);
      case 12:
        return "99999999999999999999";
      case 13:
        return "-92233720368.54775808";
      case 14:
        return "0.000000001";
      case 15:
        return "1e5";
      case 16:
        return json::array({1, "a"});
      case 17:
        return json::object({{"op", "timer"}});
      case 18:
        return std::string(1000, '7');
      case 19:
        return "main";
      case 20:
        return "BTCUSDT";
      default:
        return static_cast<int64_t>(rng_() >> below(64));
    }
  }

  // A structural change of one JSON line: a field gets a value of another type, goes, or a
  // field is added; falls back to byte changes for text that is not a JSON object.
  std::string mutate_json_line(const std::string& line, const std::vector<std::string>& values) {
    auto j = nlohmann::json::parse(line, nullptr, false);
    if (!j.is_object() || j.empty() || below(3) == 0) return mutate_text(line, values, ':');
    auto it = j.begin();
    std::advance(it, static_cast<long>(below(j.size())));
    const std::string key = it.key();
    switch (below(4)) {
      case 0:
        j.erase(key);
        break;
      case 1:
        j[below(2) == 0 ? "ts" : "extra"] = json_value();
        break;
      default:
        j[key] = json_value();
        break;
    }
    return j.dump();
  }

 private:
  std::mt19937_64 rng_;
};

bool name_ok(const std::string& name, bool segment) {
  if (name.empty() || name.size() > 32) return false;
  for (char ch : name) {
    const bool alnum =
        (ch >= 'a' && ch <= 'z') || (ch >= 'A' && ch <= 'Z') || (ch >= '0' && ch <= '9');
    if (!(alnum || ch == '-' || ch == '_' || (!segment && (ch == '.' || ch == '/')))) return false;
  }
  return true;
}

// What a config that loads must hold: names the tables store as written, none twice.
::testing::AssertionResult names_hold(const EngineConfig& c) {
  const auto check = [](const std::string& n, bool segment, std::set<std::string>& seen) {
    return name_ok(n, segment) && seen.insert(n).second;
  };
  std::set<std::string> a, i, ac, st, cl;
  bool ok = name_ok(c.name, true);
  for (const auto& x : c.assets) ok = ok && check(x.code, false, a);
  for (const auto& x : c.instruments) ok = ok && check(x.symbol, false, i);
  for (const auto& x : c.accounts) ok = ok && check(x.name, false, ac);
  for (const auto& x : c.strategies) ok = ok && check(x.name, false, st);
  for (const auto& x : c.clients) ok = ok && check(x.name, true, cl);
  ok = ok && !c.instruments.empty() && !c.accounts.empty();
  if (ok) return ::testing::AssertionSuccess();
  return ::testing::AssertionFailure() << "a loaded config breaks the name rules";
}

class NullSink final : public EventSink {
 public:
  void on_event(const Event&) noexcept override { ++events; }
  uint64_t events = 0;
};

// A replay of `lines` into `s`, as `ose replay` does it: bad lines are skipped.
void replay(State& s, const std::vector<std::string>& lines, int64_t& prev_ts, uint64_t& seq) {
  NullSink sink;
  for (const std::string& line : lines) {
    auto parsed = parse_scenario_line(s, line, prev_ts);
    if (!parsed) continue;
    ASSERT_GE(parsed->ts, 0) << shown(line);
    Input in{};
    in.seq = ++seq;
    in.ts = parsed->ts;
    in.source = parsed->source;
    in.cmd = parsed->cmd;
    prev_ts = in.ts;
    apply(s, in, sink);
  }
}

const std::vector<std::string> kTomlValues = {"\"x\"",
                                              "\"\"",
                                              "\"\\u0000\"",
                                              "\"a\\u0000b\"",
                                              "0",
                                              "-1",
                                              "9223372036854775807",
                                              "-9223372036854775808",
                                              "99999999999999999999",
                                              "1e308",
                                              "1e-300",
                                              "inf",
                                              "nan",
                                              "true",
                                              "[]",
                                              "{}",
                                              "[1, \"a\"]",
                                              "\"99999999999999999999.99999999\"",
                                              "\"-0.000000001\"",
                                              "0.1",
                                              "268435456",
                                              "1073741824",
                                              "\"\\u00e9\"",
                                              "{ a = 1 }",
                                              "\"BTCUSDT\"",
                                              "\"main\"",
                                              "0o777"};
const std::vector<std::string> kJsonValues = {"\"x\"",
                                              "\"\"",
                                              "\"\\u0000\"",
                                              "0",
                                              "-1",
                                              "9223372036854775807",
                                              "18446744073709551616",
                                              "-9223372036854775809",
                                              "1e400",
                                              "1.5",
                                              "true",
                                              "null",
                                              "[]",
                                              "{}",
                                              "\"1e5\"",
                                              "\"99999999999999999999\""};

using Clock = std::chrono::steady_clock;

TEST(InputMutation, MutatedConfigsLoadOrAreRefusedNeverCrash) {
  const std::string source = read_file(std::string(OSE_SOURCE_DIR) + "/config/example.toml");
  ASSERT_FALSE(source.empty());
  ASSERT_TRUE(load_config_string(source, "example.toml").ok());
  const std::vector<std::string> scenario =
      lines_of(read_file(std::string(OSE_SOURCE_DIR) + "/config/scenarios/lifecycle.jsonl"));
  const uint64_t seed = env_or("OSE_MUTATION_SEED", 21);
  const auto budget = std::chrono::milliseconds(env_or("OSE_MUTATION_MS", 1500));
  Mutator m(seed);
  uint64_t runs = 0, loaded = 0, replayed = 0;
  const auto start = Clock::now();
  while (Clock::now() - start < budget && runs < 200'000) {
    ++runs;
    const std::string text = m.mutate_text(source, kTomlValues, '=');
    std::optional<Result<EngineConfig>> r;
    try {
      r.emplace(load_config_string(text, "mutated.toml"));
    } catch (const std::exception& e) {
      FAIL() << "seed " << seed << " run " << runs << ": " << e.what() << "\n" << shown(text);
    }
    if (!r->ok()) {
      ASSERT_FALSE(r->error().empty());
      continue;
    }
    ++loaded;
    ASSERT_TRUE(names_hold(r->value())) << "seed " << seed << " run " << runs << "\n"
                                        << shown(text);
    // Replay the lifecycle scenario under configs small enough to allocate in a test.
    if (State::layout_for(State::capacities_for(r->value())).end > (uint64_t{64} << 20)) continue;
    auto s = State::create(r->value());
    ASSERT_TRUE(s) << s.error();
    int64_t prev_ts = 0;
    uint64_t seq = 0;
    replay(*s, scenario, prev_ts, seq);
    if (HasFatalFailure()) FAIL() << "seed " << seed << " run " << runs << "\n" << shown(text);
    ++replayed;
  }
  std::printf("seed %llu: %llu mutated configs, %llu loaded, %llu replayed\n",
              static_cast<unsigned long long>(seed), static_cast<unsigned long long>(runs),
              static_cast<unsigned long long>(loaded), static_cast<unsigned long long>(replayed));
  EXPECT_GT(runs, 100u);
}

TEST(InputMutation, MutatedScenarioLinesParseOrAreRefusedAndReplayNeverCrash) {
  auto config = load_config_file(std::string(OSE_SOURCE_DIR) + "/config/example.toml");
  ASSERT_TRUE(config) << config.error();
  std::vector<std::string> lines;
  for (const char* f : {"demo.jsonl", "lifecycle.jsonl", "malformed.jsonl"}) {
    for (auto& l : lines_of(read_file(std::string(OSE_SOURCE_DIR) + "/config/scenarios/" + f))) {
      if (!l.empty() && l[0] != '#') lines.push_back(l);
    }
  }
  ASSERT_GT(lines.size(), 50u);
  const uint64_t seed = env_or("OSE_MUTATION_SEED", 21);
  const auto budget = std::chrono::milliseconds(env_or("OSE_MUTATION_MS", 1500));
  Mutator m(seed);
  uint64_t runs = 0, parsed = 0;
  const auto start = Clock::now();
  while (Clock::now() - start < budget && runs < 2'000'000) {
    // A fresh state now and then, so a replay does not only see a full order table.
    auto s = State::create(*config);
    ASSERT_TRUE(s) << s.error();
    int64_t prev_ts = 0;
    uint64_t seq = 0;
    for (int k = 0; k < 500; ++k) {
      ++runs;
      std::string line = m.pick(lines);
      if (m.below(4) != 0) line = m.mutate_json_line(line, kJsonValues);
      // Now and then the previous line was at (or near) the end of time.
      if (m.below(50) == 0) {
        prev_ts = std::numeric_limits<int64_t>::max() - static_cast<int64_t>(m.below(3'000'000));
      }
      try {
        const uint64_t before = seq;
        replay(*s, {line}, prev_ts, seq);
        if (seq != before) ++parsed;
      } catch (const std::exception& e) {
        FAIL() << "seed " << seed << " run " << runs << ": " << e.what() << "\n" << shown(line);
      }
      if (HasFatalFailure()) {
        FAIL() << "seed " << seed << " run " << runs << "\n" << shown(line);
      }
    }
  }
  std::printf("seed %llu: %llu mutated scenario lines, %llu parsed and applied\n",
              static_cast<unsigned long long>(seed), static_cast<unsigned long long>(runs),
              static_cast<unsigned long long>(parsed));
  EXPECT_GT(runs, 1000u);
}

}  // namespace
}  // namespace ose
