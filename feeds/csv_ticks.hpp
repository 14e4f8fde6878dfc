// Binance CSV replay: readers that turn the three public file formats (klines, bookTicker,
// trades; layouts in shared/data/README.md) into a stream of timed TickCmds, and a merger that
// interleaves several files by time. Cold path: plain C++ with allocation, but bad input never
// throws or stops the process; it is counted and skipped.
//
// What each format becomes (prices and quantities through parse_decimal_e8, never a double):
//   klines      one bar -> 4 ticks {kTickLast | kTickVolume}, at open_time + k·(bar length)/4,
//               k = 0..3 (1m bars: +0, +15, +30, +45 s; bar length = close_time + 1 - open_time).
//               Path: a bar that closes up (close >= open) is assumed to have dipped first,
//               open -> low -> high -> close; a bar that closes down, open -> high -> low ->
//               close. Each tick's volume is a quarter of the bar's volume (in 1e-8 units,
//               truncated); the close tick also takes the remainder, so the four sum exactly.
//   bookTicker  one row -> {kTickBid | kTickAsk | kTickBidQty | kTickAskQty}; time from
//               transaction_time (ms), else event_time (ms), else local_ts_ns (spot files leave
//               the first two empty).
//   trades      one row -> {kTickLast | kTickVolume}, last = price, volume = qty; time from the
//               time column (ms). The coin-M layout (8 columns, base_qty, no is_best_match) is
//               told from the standard one (9 columns) by the header or the first row.
//
// Bad rows: wrong column count, unparsable or out-of-range number, a kline with high < low or
// open/close outside [low, high], a crossed or locked book (bid >= ask), a row whose time goes
// backwards (klines: a bar that starts before the previous one ended). Equal timestamps are
// normal (many trades share a millisecond) and are accepted. Each bad row is skipped, counted,
// and the first kMaxCsvErrors are kept as "file:line: what" (line numbers count the header).
// Blank lines are ignored; a trailing '\r' is stripped.
#pragma once

#include <cstdint>
#include <fstream>
#include <span>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "engine/core/command.hpp"
#include "engine/core/result.hpp"
#include "engine/core/state.hpp"
#include "feeds/tick_pump.hpp"

namespace ose {

struct TimedTick {
  int64_t ts_ns = 0;  // since the Unix epoch, UTC
  TickCmd tick{};
};

enum class CsvFormat : uint8_t {
  kAuto = 0,  // from the header line, else from the first row's column count
  kKlines = 1,
  kBookTicker = 2,
  kTrades = 3,
};
std::string_view to_string(CsvFormat format) noexcept;

inline constexpr size_t kMaxCsvErrors = 20;

class CsvTickReader {
 public:
  // Opens `path` and detects (or checks) its format. Errors: the file is missing, unreadable or a
  // directory; kAuto on an empty file or a first line that fits no format; a header that names a
  // different format from the one asked for.
  static Result<CsvTickReader> open(const std::string& path, uint16_t instrument,
                                    CsvFormat format = CsvFormat::kAuto);

  CsvTickReader(CsvTickReader&&) = default;
  CsvTickReader& operator=(CsvTickReader&&) = default;
  CsvTickReader(const CsvTickReader&) = delete;
  CsvTickReader& operator=(const CsvTickReader&) = delete;

  // The next tick in file order (timestamps never decrease); false at the end of the file or on a
  // read error (then errors() says so). Reads one line at a time.
  bool next(TimedTick& out);

  CsvFormat format() const noexcept { return format_; }
  bool coin_m_trades() const noexcept { return coin_m_trades_; }
  uint16_t instrument() const noexcept { return instrument_; }
  const std::string& path() const noexcept { return path_; }
  // Bytes of the file read so far; -1 once the end was reached.
  std::streamoff position() { return in_.tellg(); }
  uint64_t good_rows() const noexcept { return good_rows_; }  // rows that produced ticks
  uint64_t ticks() const noexcept { return ticks_; }          // ticks returned so far
  uint64_t bad_rows() const noexcept { return bad_rows_; }
  // The first kMaxCsvErrors messages, "path:line: what".
  const std::vector<std::string>& errors() const noexcept { return errors_; }

 private:
  CsvTickReader() = default;
  bool read_line();  // into line_, bumping line_no_; false at end or on error
  // Parses line_; on success queues 1 or 4 ticks in pending_, else records why and returns false.
  bool parse_row();
  bool parse_kline(std::span<const std::string_view> f);
  bool parse_book_ticker(std::span<const std::string_view> f);
  bool parse_trade(std::span<const std::string_view> f);
  // One tick from one row: refused (a bad row) if its time goes backwards.
  bool emit_one(int64_t ts_ns, const TickCmd& tick);
  bool bad(std::string_view what);  // records a bad row at line_no_; returns false

  std::ifstream in_;
  std::string path_;
  std::string line_;
  uint64_t line_no_ = 0;
  bool have_line_ = false;  // line_ holds the first data row, read while detecting the format
  bool eof_ = false;
  CsvFormat format_ = CsvFormat::kAuto;
  bool coin_m_trades_ = false;
  uint16_t instrument_ = 0;
  int64_t last_ts_ns_ = INT64_MIN;         // of the last accepted row (klines: of the bar's open)
  int64_t last_bar_close_ms_ = INT64_MIN;  // klines: close_time of the last accepted bar
  TimedTick pending_[4];
  int pending_count_ = 0;
  int pending_pos_ = 0;
  uint64_t good_rows_ = 0;
  uint64_t ticks_ = 0;
  uint64_t bad_rows_ = 0;
  std::vector<std::string> errors_;
};

// One file of a merged replay.
struct CsvFeedFile {
  std::string path;
  uint16_t instrument = 0;
  CsvFormat format = CsvFormat::kAuto;
};

// Several readers merged into one stream ordered by timestamp (a binary heap holding each
// reader's next tick). Equal timestamps come out in the order the readers were added, so the
// merge is deterministic.
class TickMerger {
 public:
  TickMerger() = default;
  // Opens every file; the first failure is the error (naming the file).
  static Result<TickMerger> open(std::span<const CsvFeedFile> files);

  // Adds a reader; its first tick is read now. Call before the first next().
  void add(CsvTickReader reader);

  bool next(TimedTick& out);

  size_t reader_count() const noexcept { return readers_.size(); }
  const CsvTickReader& reader(size_t i) const { return readers_[i]; }
  uint64_t bad_rows() const noexcept;  // summed over the readers
  // How far the readers are through their files, 0..1 by bytes: for progress lines (it asks the
  // file positions, so not for every tick).
  double fraction_read();

 private:
  struct Head {
    TimedTick tick;
    size_t source;
  };
  std::vector<CsvTickReader> readers_;
  std::vector<Head> heap_;  // min-heap on (ts_ns, source)
};

// FILE@SYMBOL, or FILE whose name starts with a configured symbol ("BTCUSDT-1m-….csv"): the
// file and the instrument its ticks are for. Errors name the `option` the spec came with.
Result<CsvFeedFile> csv_feed_file(const std::string& spec, const State& names,
                                  std::string_view option);

// A TickMerger as a TickSource for the TickPump.
class CsvTickSource final : public TickSource {
 public:
  explicit CsvTickSource(TickMerger merger) : merger_(std::move(merger)) {}
  bool next(int64_t& ts_ns, TickCmd& tick) override;
  const TickMerger& merger() const noexcept { return merger_; }

 private:
  TickMerger merger_;
};

}  // namespace ose
