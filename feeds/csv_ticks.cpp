#include "feeds/csv_ticks.hpp"

#include <fmt/format.h>

#include <algorithm>
#include <cctype>
#include <cerrno>
#include <charconv>
#include <cstring>
#include <filesystem>
#include <limits>
#include <optional>
#include <system_error>

#include "engine/core/fixed_point.hpp"

namespace ose {

namespace {

constexpr size_t kMaxFields = 16;
constexpr int64_t kNsPerMs = 1'000'000;
// The largest millisecond time whose nanoseconds (plus a bar length) still fit in int64.
constexpr int64_t kMaxMs = std::numeric_limits<int64_t>::max() / kNsPerMs - 1;

// Splits on ','. Returns the number of fields; more than kMaxFields is reported as
// kMaxFields + 1 (the row is bad anyway) with only the first kMaxFields stored.
size_t split(std::string_view line, std::string_view (&out)[kMaxFields]) noexcept {
  size_t n = 0;
  size_t start = 0;
  while (true) {
    const size_t comma = line.find(',', start);
    const std::string_view field = line.substr(
        start, comma == std::string_view::npos ? std::string_view::npos : comma - start);
    if (n == kMaxFields) return kMaxFields + 1;
    out[n++] = field;
    if (comma == std::string_view::npos) return n;
    start = comma + 1;
  }
}

// A non-negative decimal integer, the whole field.
std::optional<int64_t> parse_count(std::string_view text) noexcept {
  int64_t v = 0;
  const char* end = text.data() + text.size();
  auto [ptr, ec] = std::from_chars(text.data(), end, v);
  if (text.empty() || ec != std::errc{} || ptr != end || v < 0) return std::nullopt;
  return v;
}

std::optional<int64_t> parse_ms(std::string_view text) noexcept {
  auto v = parse_count(text);
  if (!v || *v > kMaxMs) return std::nullopt;
  return v;
}

// Quotes a field for a message, cut short if long.
std::string quote_field(std::string_view text) {
  constexpr size_t kMax = 40;
  std::string out = "'";
  out += text.substr(0, kMax);
  if (text.size() > kMax) out += "...";
  out += "'";
  return out;
}

bool is_bool(std::string_view text) noexcept {
  return text == "true" || text == "false";
}

std::string errno_text(int err) {
  return std::strerror(err);
}

}  // namespace

std::string_view to_string(CsvFormat format) noexcept {
  switch (format) {
    case CsvFormat::kAuto:
      return "auto";
    case CsvFormat::kKlines:
      return "klines";
    case CsvFormat::kBookTicker:
      return "bookTicker";
    case CsvFormat::kTrades:
      return "trades";
  }
  return "?";
}

Result<CsvTickReader> CsvTickReader::open(const std::string& path, uint16_t instrument,
                                          CsvFormat format) {
  std::error_code ec;
  if (std::filesystem::is_directory(path, ec)) {
    return Error{"cannot open " + path + ": is a directory"};
  }
  CsvTickReader r;
  r.path_ = path;
  r.instrument_ = instrument;
  errno = 0;
  r.in_.open(path, std::ios::in | std::ios::binary);
  if (!r.in_.is_open()) {
    const int err = errno;
    return Error{"cannot open " + path + ": " + (err != 0 ? errno_text(err) : "open failed")};
  }

  // The first non-blank line: a header, or the first data row (kept for next()).
  bool found = false;
  while (r.read_line()) {
    if (!r.line_.empty()) {
      found = true;
      break;
    }
  }
  if (!found) {
    if (!r.errors_.empty()) return Error{r.errors_.front()};  // read error
    if (format == CsvFormat::kAuto) {
      return Error{path + ": empty file, cannot detect its format"};
    }
    r.format_ = format;
    return r;
  }

  std::string_view f[kMaxFields];
  const size_t n = split(r.line_, f);
  const std::string where = path + ":" + std::to_string(r.line_no_) + ": ";
  CsvFormat detected = CsvFormat::kAuto;
  bool coin_m = false;
  const unsigned char first = static_cast<unsigned char>(r.line_.front());
  const bool header = std::isalpha(first) != 0 || first == '_';
  if (header) {
    if (n == 12 && f[0] == "open_time") {
      detected = CsvFormat::kKlines;
    } else if (n == 8 && f[1] == "best_bid_price") {
      detected = CsvFormat::kBookTicker;
    } else if ((n == 9 || n == 8) && f[0] == "id" && f[1] == "price") {
      detected = CsvFormat::kTrades;
      coin_m = n == 8;
    } else {
      return Error{where + "unrecognised header " + quote_field(r.line_)};
    }
    if (format != CsvFormat::kAuto && format != detected) {
      return Error{where + "the header is a " + std::string(to_string(detected)) + " header, not " +
                   std::string(to_string(format))};
    }
  } else {
    r.have_line_ = true;
    if (format == CsvFormat::kAuto) {
      if (n == 12) {
        detected = CsvFormat::kKlines;
      } else if (n == 9) {
        detected = CsvFormat::kTrades;
      } else if (n == 8 && is_bool(f[5])) {
        detected = CsvFormat::kTrades;
        coin_m = true;
      } else if (n == 8) {
        detected = CsvFormat::kBookTicker;
      } else {
        return Error{where + "cannot detect the format from a row of " + std::to_string(n) +
                     " columns"};
      }
    } else {
      detected = format;
      coin_m = format == CsvFormat::kTrades && n == 8;
    }
  }
  r.format_ = detected;
  r.coin_m_trades_ = coin_m;
  return r;
}

bool CsvTickReader::read_line() {
  if (eof_) return false;
  if (!std::getline(in_, line_)) {
    if (in_.bad() && errors_.size() < kMaxCsvErrors) {
      errors_.push_back(path_ + ": read error after line " + std::to_string(line_no_));
    }
    eof_ = true;
    return false;
  }
  ++line_no_;
  if (!line_.empty() && line_.back() == '\r') line_.pop_back();
  return true;
}

bool CsvTickReader::next(TimedTick& out) {
  while (true) {
    if (pending_pos_ < pending_count_) {
      out = pending_[pending_pos_++];
      ++ticks_;
      return true;
    }
    if (!have_line_ && !read_line()) return false;
    have_line_ = false;
    if (line_.empty()) continue;
    pending_count_ = 0;
    pending_pos_ = 0;
    if (parse_row()) ++good_rows_;
  }
}

bool CsvTickReader::bad(std::string_view what) {
  ++bad_rows_;
  if (errors_.size() < kMaxCsvErrors) {
    std::string msg = path_;
    msg += ':';
    msg += std::to_string(line_no_);
    msg += ": ";
    msg += what;
    errors_.push_back(std::move(msg));
  }
  return false;
}

bool CsvTickReader::parse_row() {
  std::string_view f[kMaxFields];
  const size_t n = split(line_, f);
  const std::span<const std::string_view> fields(f, std::min(n, kMaxFields));
  size_t expected = 0;
  switch (format_) {
    case CsvFormat::kKlines:
      expected = 12;
      break;
    case CsvFormat::kBookTicker:
      expected = 8;
      break;
    case CsvFormat::kTrades:
      expected = coin_m_trades_ ? 8 : 9;
      break;
    case CsvFormat::kAuto:
      return bad("no format");
  }
  if (n != expected) {
    return bad("expected " + std::to_string(expected) + " columns, got " +
               (n > kMaxFields ? "more than " + std::to_string(kMaxFields) : std::to_string(n)));
  }
  switch (format_) {
    case CsvFormat::kKlines:
      return parse_kline(fields);
    case CsvFormat::kBookTicker:
      return parse_book_ticker(fields);
    case CsvFormat::kTrades:
      return parse_trade(fields);
    case CsvFormat::kAuto:
      break;
  }
  return false;
}

namespace {

// Parses a positive price or a non-negative quantity into `out`; on failure fills `why`.
template <typename T>
bool field_value(std::string_view text, std::string_view name, bool positive, T& out,
                 std::string& why) {
  auto v = parse_fixed<T>(text);
  if (!v) {
    why = "bad " + std::string(name) + " " + quote_field(text);
    return false;
  }
  if (positive ? !v->is_positive() : v->is_negative()) {
    why = std::string(name) + (positive ? " not positive " : " negative ") + quote_field(text);
    return false;
  }
  out = *v;
  return true;
}

}  // namespace

bool CsvTickReader::parse_kline(std::span<const std::string_view> f) {
  // open_time,open,high,low,close,volume,close_time,quote_volume,count,taker_buy_volume,
  // taker_buy_quote_volume,ignore
  const auto open_ms = parse_ms(f[0]);
  if (!open_ms) return bad("bad open_time " + quote_field(f[0]));
  const auto close_ms = parse_ms(f[6]);
  if (!close_ms) return bad("bad close_time " + quote_field(f[6]));
  if (*close_ms <= *open_ms) return bad("close_time not after open_time");
  Price open, high, low, close;
  Qty volume;
  std::string why;
  if (!field_value(f[1], "open", true, open, why) || !field_value(f[2], "high", true, high, why) ||
      !field_value(f[3], "low", true, low, why) || !field_value(f[4], "close", true, close, why) ||
      !field_value(f[5], "volume", false, volume, why)) {
    return bad(why);
  }
  if (high < low) return bad("high < low");
  if (open < low || open > high) return bad("open outside [low, high]");
  if (close < low || close > high) return bad("close outside [low, high]");
  if (*open_ms <= last_bar_close_ms_) {
    return bad("time goes backwards: bar opens at " + std::to_string(*open_ms) +
               " ms, the previous bar closed at " + std::to_string(last_bar_close_ms_) + " ms");
  }

  // Path: a bar that closes up most likely dipped first; one that closes down rallied first.
  const bool up = close >= open;
  const Price path[4] = {open, up ? low : high, up ? high : low, close};
  const int64_t step_ns = (*close_ms + 1 - *open_ms) * kNsPerMs / 4;
  const int64_t share = volume.e8 / 4;
  const int64_t base_ns = *open_ms * kNsPerMs;
  for (int k = 0; k < 4; ++k) {
    TimedTick& t = pending_[k];
    t = TimedTick{};
    t.ts_ns = base_ns + k * step_ns;
    t.tick.instrument = instrument_;
    t.tick.fields = kTickLast | kTickVolume;
    t.tick.last = path[k];
    t.tick.volume = Qty::from_e8(k == 3 ? volume.e8 - 3 * share : share);
  }
  pending_count_ = 4;
  last_bar_close_ms_ = *close_ms;
  last_ts_ns_ = base_ns;
  return true;
}

bool CsvTickReader::parse_book_ticker(std::span<const std::string_view> f) {
  // update_id,best_bid_price,best_bid_qty,best_ask_price,best_ask_qty,transaction_time,
  // event_time,local_ts_ns
  Price bid, ask;
  Qty bid_qty, ask_qty;
  std::string why;
  if (!field_value(f[1], "best_bid_price", true, bid, why) ||
      !field_value(f[2], "best_bid_qty", false, bid_qty, why) ||
      !field_value(f[3], "best_ask_price", true, ask, why) ||
      !field_value(f[4], "best_ask_qty", false, ask_qty, why)) {
    return bad(why);
  }
  if (bid >= ask) return bad("crossed book: bid >= ask");
  int64_t ts_ns = 0;
  if (!f[5].empty() || !f[6].empty()) {
    const bool tx = !f[5].empty();
    const auto ms = parse_ms(tx ? f[5] : f[6]);
    if (!ms)
      return bad(std::string(tx ? "bad transaction_time " : "bad event_time ") +
                 quote_field(tx ? f[5] : f[6]));
    ts_ns = *ms * kNsPerMs;
  } else {
    const auto ns = parse_count(f[7]);
    if (!ns)
      return bad("no time: transaction_time and event_time empty, bad local_ts_ns " +
                 quote_field(f[7]));
    ts_ns = *ns;
  }
  TickCmd tick{};
  tick.fields = kTickBid | kTickAsk | kTickBidQty | kTickAskQty;
  tick.bid = bid;
  tick.ask = ask;
  tick.bid_qty = bid_qty;
  tick.ask_qty = ask_qty;
  return emit_one(ts_ns, tick);
}

bool CsvTickReader::parse_trade(std::span<const std::string_view> f) {
  // id,price,qty,quote_qty,time,is_buyer_maker,is_best_match,event_time,local_ts_ns
  // coin-M: id,price,qty,base_qty,time,is_buyer_maker,event_time,local_ts_ns
  Price price;
  Qty qty;
  std::string why;
  if (!field_value(f[1], "price", true, price, why) || !field_value(f[2], "qty", true, qty, why)) {
    return bad(why);
  }
  const auto ms = parse_ms(f[4]);
  if (!ms) return bad("bad time " + quote_field(f[4]));
  const int64_t ts_ns = *ms * kNsPerMs;
  TickCmd tick{};
  tick.fields = kTickLast | kTickVolume;
  tick.last = price;
  tick.volume = qty;
  return emit_one(ts_ns, tick);
}

bool CsvTickReader::emit_one(int64_t ts_ns, const TickCmd& tick) {
  if (ts_ns < last_ts_ns_) {
    return bad("time goes backwards: " + std::to_string(ts_ns) + " ns after " +
               std::to_string(last_ts_ns_) + " ns");
  }
  TimedTick& t = pending_[0];
  t.ts_ns = ts_ns;
  t.tick = tick;
  t.tick.instrument = instrument_;
  pending_count_ = 1;
  last_ts_ns_ = ts_ns;
  return true;
}

// ---- TickMerger ------------------------------------------------------------------------------

namespace {
// std::*_heap keep the largest first; "later" as the order puts the earliest on top.
template <typename Head>
bool later(const Head& a, const Head& b) noexcept {
  if (a.tick.ts_ns != b.tick.ts_ns) return a.tick.ts_ns > b.tick.ts_ns;
  return a.source > b.source;
}
}  // namespace

Result<TickMerger> TickMerger::open(std::span<const CsvFeedFile> files) {
  TickMerger m;
  for (const CsvFeedFile& file : files) {
    auto r = CsvTickReader::open(file.path, file.instrument, file.format);
    if (!r) return Error{r.error()};
    m.add(std::move(r).value());
  }
  return m;
}

void TickMerger::add(CsvTickReader reader) {
  readers_.push_back(std::move(reader));
  const size_t source = readers_.size() - 1;
  TimedTick t;
  if (readers_[source].next(t)) {
    heap_.push_back(Head{t, source});
    std::push_heap(heap_.begin(), heap_.end(), later<Head>);
  }
}

bool TickMerger::next(TimedTick& out) {
  if (heap_.empty()) return false;
  std::pop_heap(heap_.begin(), heap_.end(), later<Head>);
  Head& head = heap_.back();
  out = head.tick;
  if (readers_[head.source].next(head.tick)) {
    std::push_heap(heap_.begin(), heap_.end(), later<Head>);
  } else {
    heap_.pop_back();
  }
  return true;
}

uint64_t TickMerger::bad_rows() const noexcept {
  uint64_t total = 0;
  for (const CsvTickReader& r : readers_) total += r.bad_rows();
  return total;
}

double TickMerger::fraction_read() {
  uint64_t read = 0, total = 0;
  for (CsvTickReader& r : readers_) {
    std::error_code ec;
    const uintmax_t size = std::filesystem::file_size(r.path(), ec);
    if (ec) continue;
    total += size;
    const std::streamoff pos = r.position();
    read += pos < 0 ? size : std::min<uintmax_t>(static_cast<uintmax_t>(pos), size);
  }
  return total == 0 ? 0.0 : static_cast<double>(read) / static_cast<double>(total);
}

bool CsvTickSource::next(int64_t& ts_ns, TickCmd& tick) {
  TimedTick t;
  if (!merger_.next(t)) return false;
  ts_ns = t.ts_ns;
  tick = t.tick;
  return true;
}

Result<CsvFeedFile> csv_feed_file(const std::string& spec, const State& names,
                                  std::string_view option) {
  CsvFeedFile f;
  std::string symbol;
  const auto at = spec.rfind('@');
  if (at != std::string::npos) {
    f.path = spec.substr(0, at);
    symbol = spec.substr(at + 1);
  } else {
    f.path = spec;
    const std::string base = std::filesystem::path(spec).filename().string();
    symbol = base.substr(0, base.find('-'));
  }
  f.instrument = names.find_instrument(symbol);
  if (f.instrument == kNoIndex) {
    return Error{fmt::format("{} {}: no configured instrument '{}' (name one with FILE@SYMBOL)",
                             option, spec, symbol)};
  }
  return f;
}

}  // namespace ose
