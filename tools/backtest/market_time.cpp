#include "tools/backtest/market_time.hpp"

#include <fmt/format.h>

#include <charconv>
#include <chrono>

namespace ose::backtest {

namespace {

bool digits(std::string_view s, size_t pos, size_t n, int& out) {
  if (pos + n > s.size()) return false;
  const char* b = s.data() + pos;
  auto [p, ec] = std::from_chars(b, b + n, out);
  return ec == std::errc{} && p == b + n;
}

}  // namespace

Result<int64_t> parse_market_time(std::string_view text) {
  const std::string shown(text);
  if (!text.empty() && text.find_first_not_of("0123456789") == std::string_view::npos) {
    int64_t ms = 0;
    auto [p, ec] = std::from_chars(text.data(), text.data() + text.size(), ms);
    if (ec != std::errc{} || p != text.data() + text.size() || ms > INT64_MAX / 1'000'000) {
      return Error{fmt::format("'{}' is out of range as milliseconds since the epoch", shown)};
    }
    return ms * 1'000'000;
  }
  if (!text.empty() && text.back() == 'Z') text.remove_suffix(1);
  int y = 0, mo = 0, d = 0, h = 0, mi = 0, s = 0, ms = 0;
  const auto bad = [&] {
    return Error{fmt::format(
        "'{}' is not a time: write 2024-08-08, 2024-08-08T23:55:00 (UTC) or milliseconds "
        "since the epoch",
        shown)};
  };
  if (!digits(text, 0, 4, y) || text.size() < 10 || text[4] != '-' || !digits(text, 5, 2, mo) ||
      text[7] != '-' || !digits(text, 8, 2, d)) {
    return bad();
  }
  if (text.size() > 10) {
    if ((text[10] != 'T' && text[10] != ' ') || text.size() < 16 || !digits(text, 11, 2, h) ||
        text[13] != ':' || !digits(text, 14, 2, mi)) {
      return bad();
    }
    if (text.size() > 16 && (text[16] != ':' || !digits(text, 17, 2, s))) return bad();
    if (text.size() > 19) {
      if (text[19] != '.' || text.size() != 23 || !digits(text, 20, 3, ms)) return bad();
    } else if (text.size() != 16 && text.size() != 19) {
      return bad();
    }
  }
  using namespace std::chrono;
  const year_month_day ymd{year{y}, month{static_cast<unsigned>(mo)},
                           day{static_cast<unsigned>(d)}};
  if (!ymd.ok() || h > 23 || mi > 59 || s > 59) return bad();
  const auto t = sys_days{ymd} + hours{h} + minutes{mi} + seconds{s} + milliseconds{ms};
  return duration_cast<nanoseconds>(t.time_since_epoch()).count();
}

std::string format_market_time(int64_t ns) {
  using namespace std::chrono;
  const sys_time<nanoseconds> t{nanoseconds{ns}};
  const auto day = floor<days>(t);
  const year_month_day ymd{day};
  const hh_mm_ss<nanoseconds> tod{t - day};
  const auto ms = duration_cast<milliseconds>(tod.subseconds()).count();
  std::string out =
      fmt::format("{:04}-{:02}-{:02}T{:02}:{:02}:{:02}", static_cast<int>(ymd.year()),
                  static_cast<unsigned>(ymd.month()), static_cast<unsigned>(ymd.day()),
                  tod.hours().count(), tod.minutes().count(), tod.seconds().count());
  if (ms != 0) out += fmt::format(".{:03}", ms);
  return out + "Z";
}

}  // namespace ose::backtest
