// Binance CSV readers (feeds/csv_ticks.hpp) on the real files in shared/data/binance and on
// small broken files written here. Expected values are read off the files' first and last lines
// (quoted above each check) and worked out by hand.
#include <gtest/gtest.h>

#include <unistd.h>
#include <cstdint>
#include <filesystem>
#include <fstream>
#include <string>
#include <vector>

#include "feeds/csv_ticks.hpp"

namespace ose {
namespace {

const std::string kData = std::string(OSE_SHARED_DATA_DIR) + "/binance/";
constexpr int64_t kMs = 1'000'000;
constexpr int64_t kSec = 1'000'000'000;

Price px(const char* s) {
  return *parse_fixed<Price>(s);
}
Qty qty(const char* s) {
  return *parse_fixed<Qty>(s);
}

// Reads a whole file; checks that timestamps never decrease on the way.
struct Drained {
  std::vector<TimedTick> ticks;
  bool ordered = true;
};
Drained drain(CsvTickReader& r) {
  Drained d;
  TimedTick t;
  while (r.next(t)) {
    if (!d.ticks.empty() && t.ts_ns < d.ticks.back().ts_ns) d.ordered = false;
    d.ticks.push_back(t);
  }
  return d;
}

CsvTickReader open_ok(const std::string& path, uint16_t instrument = 0,
                      CsvFormat format = CsvFormat::kAuto) {
  auto r = CsvTickReader::open(path, instrument, format);
  EXPECT_TRUE(r.ok()) << (r.ok() ? "" : r.error());
  return std::move(r).value();
}

void expect_last_tick(const TimedTick& t, int64_t ts_ns, Price last, Qty volume) {
  EXPECT_EQ(t.ts_ns, ts_ns);
  EXPECT_EQ(t.tick.fields, kTickLast | kTickVolume);
  EXPECT_EQ(t.tick.last, last) << to_string(t.tick.last);
  EXPECT_EQ(t.tick.volume, volume) << to_string(t.tick.volume);
}

void expect_book_tick(const TimedTick& t, int64_t ts_ns, Price bid, Qty bid_qty, Price ask,
                      Qty ask_qty) {
  EXPECT_EQ(t.ts_ns, ts_ns);
  EXPECT_EQ(t.tick.fields, kTickBid | kTickAsk | kTickBidQty | kTickAskQty);
  EXPECT_EQ(t.tick.bid, bid);
  EXPECT_EQ(t.tick.bid_qty, bid_qty);
  EXPECT_EQ(t.tick.ask, ask);
  EXPECT_EQ(t.tick.ask_qty, ask_qty);
}

// A temp file removed at the end of the test.
class TempCsv {
 public:
  explicit TempCsv(const std::string& text) {
    path_ =
        (std::filesystem::temp_directory_path() / ("ose_csv_ticks_" + std::to_string(::getpid()) +
                                                   "_" + std::to_string(counter_++) + ".csv"))
            .string();
    std::ofstream(path_, std::ios::binary) << text;
  }
  ~TempCsv() { std::filesystem::remove(path_); }
  TempCsv(const TempCsv&) = delete;
  TempCsv& operator=(const TempCsv&) = delete;
  const std::string& path() const { return path_; }

 private:
  static inline int counter_ = 0;
  std::string path_;
};

// ---- every real file: detected, parsed without a bad row, time-ordered ----------------------

struct RealFile {
  const char* path;
  CsvFormat format;
  uint64_t rows;  // wc -l, minus the header when there is one
};

class RealFiles : public ::testing::TestWithParam<RealFile> {};

TEST_P(RealFiles, ParseWithoutBadRowsInTimeOrder) {
  const RealFile& f = GetParam();
  for (CsvFormat asked : {CsvFormat::kAuto, f.format}) {
    CsvTickReader r = open_ok(kData + f.path, 3, asked);
    EXPECT_EQ(r.format(), f.format);
    const Drained d = drain(r);
    EXPECT_TRUE(d.ordered);
    EXPECT_EQ(r.bad_rows(), 0u) << (r.errors().empty() ? "" : r.errors().front());
    EXPECT_EQ(r.good_rows(), f.rows);
    EXPECT_EQ(d.ticks.size(), f.format == CsvFormat::kKlines ? 4 * f.rows : f.rows);
    EXPECT_EQ(r.ticks(), d.ticks.size());
    for (const TimedTick& t : d.ticks) ASSERT_EQ(t.tick.instrument, 3);
  }
}

INSTANTIATE_TEST_SUITE_P(
    Binance, RealFiles,
    ::testing::Values(RealFile{"klines/ETHUSDT-1m-2022-08-14.csv", CsvFormat::kKlines, 1440},
                      RealFile{"klines/ETHUSDT-1m-2022-08-15.csv", CsvFormat::kKlines, 1440},
                      RealFile{"klines/BTCUSDT-1m-2024-09-21.csv", CsvFormat::kKlines, 1440},
                      RealFile{"klines/BTCUSDT-PERP-1m-2022-09-05.csv", CsvFormat::kKlines, 1440},
                      RealFile{"klines/BTCUSDT-PERP-1m-2022-09-06.csv", CsvFormat::kKlines, 1440},
                      RealFile{"klines/BTCUSD_PERP-1m-2022-10-24.csv", CsvFormat::kKlines, 1440},
                      RealFile{"klines/BTCUSD_PERP-1m-2022-10-25.csv", CsvFormat::kKlines, 1440},
                      RealFile{"bookticker/BTCUSDT-spot-bookTicker-20240808T2354-20240809T0005.csv",
                               CsvFormat::kBookTicker, 73174},
                      RealFile{"bookticker/ETHUSDT-spot-bookTicker-20240808T2354-20240809T0005.csv",
                               CsvFormat::kBookTicker, 58758},
                      RealFile{"bookticker/BTCUSDT-usdm-bookTicker-20240808T2354-20240809T0000.csv",
                               CsvFormat::kBookTicker, 66089},
                      RealFile{
                          "bookticker/BTCUSD_PERP-cm-bookTicker-20240808T2354-20240809T0000.csv",
                          CsvFormat::kBookTicker, 19136},
                      RealFile{"trades/BTCUSDT-spot-trades-20240808T2354-20240809T0005.csv",
                               CsvFormat::kTrades, 19904},
                      RealFile{"trades/ETHUSDT-spot-trades-20240808T2354-20240809T0005.csv",
                               CsvFormat::kTrades, 14515},
                      RealFile{"trades/BTCUSDT-usdm-trades-20240808T2354-20240809T0000.csv",
                               CsvFormat::kTrades, 21313},
                      RealFile{"trades/BTCUSD_PERP-cm-trades-20240808T2354-20240809T0000.csv",
                               CsvFormat::kTrades, 2286}));

// ---- first and last ticks, by hand ----------------------------------------------------------

TEST(CsvKlines, HeaderlessSpotFileGivesFourTicksPerBar) {
  CsvTickReader r = open_ok(kData + "klines/ETHUSDT-1m-2022-08-14.csv", 7);
  const Drained d = drain(r);
  ASSERT_EQ(d.ticks.size(), 4u * 1440);
  EXPECT_EQ(d.ticks.front().tick.instrument, 7);

  // First line:
  // 1660435200000,1983.55000000,1983.90000000,1982.14000000,1982.29000000,205.13100000,
  // 1660435259999,...  close 1982.29 < open 1983.55: down bar, open -> high -> low -> close.
  // Bar length 1660435259999 + 1 - 1660435200000 = 60000 ms: ticks 15 s apart.
  // Volume 205.131 / 4 = 51.28275 each (exact: 20513100000 e8 = 4 x 5128275000).
  const int64_t t0 = 1660435200000 * kMs;
  expect_last_tick(d.ticks[0], t0, px("1983.55"), qty("51.28275"));
  expect_last_tick(d.ticks[1], t0 + 15 * kSec, px("1983.90"), qty("51.28275"));
  expect_last_tick(d.ticks[2], t0 + 30 * kSec, px("1982.14"), qty("51.28275"));
  expect_last_tick(d.ticks[3], t0 + 45 * kSec, px("1982.29"), qty("51.28275"));

  // Last line:
  // 1660521540000,1934.71000000,1936.11000000,1934.71000000,1935.31000000,282.75260000,...
  // close 1935.31 >= open 1934.71: up bar, open -> low -> high -> close. 282.7526 / 4 = 70.68815.
  const int64_t tn = 1660521540000 * kMs;
  const size_t n = d.ticks.size();
  expect_last_tick(d.ticks[n - 4], tn, px("1934.71"), qty("70.68815"));
  expect_last_tick(d.ticks[n - 3], tn + 15 * kSec, px("1934.71"), qty("70.68815"));
  expect_last_tick(d.ticks[n - 2], tn + 30 * kSec, px("1936.11"), qty("70.68815"));
  expect_last_tick(d.ticks[n - 1], tn + 45 * kSec, px("1935.31"), qty("70.68815"));
}

TEST(CsvKlines, FileWithHeaderSkipsIt) {
  CsvTickReader r = open_ok(kData + "klines/BTCUSDT-PERP-1m-2022-09-05.csv");
  const Drained d = drain(r);
  ASSERT_EQ(d.ticks.size(), 4u * 1440);
  // Line 2 (line 1 is the header):
  // 1662336000000,19992.70,20000.00,19988.10,19996.80,482.638,1662336059999,...
  // up bar (19996.80 >= 19992.70): open, low, high, close. 482.638 / 4 = 120.6595.
  const int64_t t0 = 1662336000000 * kMs;
  expect_last_tick(d.ticks[0], t0, px("19992.7"), qty("120.6595"));
  expect_last_tick(d.ticks[1], t0 + 15 * kSec, px("19988.1"), qty("120.6595"));
  expect_last_tick(d.ticks[2], t0 + 30 * kSec, px("20000"), qty("120.6595"));
  expect_last_tick(d.ticks[3], t0 + 45 * kSec, px("19996.8"), qty("120.6595"));
  // Last line:
  // 1662422340000,19777.40,19785.10,19775.60,19784.90,198.722,1662422399999,...
  // up bar: 19777.4, 19775.6, 19785.1, 19784.9. 198.722 / 4 = 49.6805.
  const int64_t tn = 1662422340000 * kMs;
  const size_t n = d.ticks.size();
  expect_last_tick(d.ticks[n - 4], tn, px("19777.4"), qty("49.6805"));
  expect_last_tick(d.ticks[n - 3], tn + 15 * kSec, px("19775.6"), qty("49.6805"));
  expect_last_tick(d.ticks[n - 2], tn + 30 * kSec, px("19785.1"), qty("49.6805"));
  expect_last_tick(d.ticks[n - 1], tn + 45 * kSec, px("19784.9"), qty("49.6805"));
}

TEST(CsvKlines, VolumeRemainderGoesToTheCloseTick) {
  // 7e-8 volume: 1 + 1 + 1 + 4 units. A 1 s bar: ticks 250 ms apart.
  TempCsv f("1000,10,12,9,11,0.00000007,1999,0,1,0,0,0\n");
  CsvTickReader r = open_ok(f.path());
  const Drained d = drain(r);
  ASSERT_EQ(d.ticks.size(), 4u);
  expect_last_tick(d.ticks[0], 1000 * kMs, px("10"), Qty::from_e8(1));
  expect_last_tick(d.ticks[1], 1250 * kMs, px("9"), Qty::from_e8(1));
  expect_last_tick(d.ticks[2], 1500 * kMs, px("12"), Qty::from_e8(1));
  expect_last_tick(d.ticks[3], 1750 * kMs, px("11"), Qty::from_e8(4));
}

TEST(CsvKlines, FlatBarCountsAsUpAndDipsFirst) {
  // close == open: the up path, open -> low -> high -> close.
  TempCsv f("0,10,12,9,10,4,59999,0,1,0,0,0\n");
  CsvTickReader r = open_ok(f.path());
  const Drained d = drain(r);
  ASSERT_EQ(d.ticks.size(), 4u);
  EXPECT_EQ(d.ticks[1].tick.last, px("9"));
  EXPECT_EQ(d.ticks[2].tick.last, px("12"));
}

TEST(CsvBookTicker, SpotFileTakesTimeFromLocalTimestamp) {
  CsvTickReader r =
      open_ok(kData + "bookticker/BTCUSDT-spot-bookTicker-20240808T2354-20240809T0005.csv");
  const Drained d = drain(r);
  ASSERT_EQ(d.ticks.size(), 73174u);
  // 50093239212,61837.63000000,3.78826000,61837.64000000,1.54698000,,,1723161254087891268
  expect_book_tick(d.ticks.front(), 1723161254087891268, px("61837.63"), qty("3.78826"),
                   px("61837.64"), qty("1.54698"));
  // 50093696317,61602.01000000,1.67177000,61602.02000000,2.66795000,,,1723161904524703633
  expect_book_tick(d.ticks.back(), 1723161904524703633, px("61602.01"), qty("1.67177"),
                   px("61602.02"), qty("2.66795"));
}

TEST(CsvBookTicker, CoinMFileTakesTimeFromTransactionTime) {
  CsvTickReader r =
      open_ok(kData + "bookticker/BTCUSD_PERP-cm-bookTicker-20240808T2354-20240809T0000.csv");
  const Drained d = drain(r);
  ASSERT_EQ(d.ticks.size(), 19136u);
  // 1007198632021,61804.7,35,61804.8,1645,1723161257465,1723161257476,1723161256207640365
  expect_book_tick(d.ticks.front(), 1723161257465 * kMs, px("61804.7"), qty("35"), px("61804.8"),
                   qty("1645"));
  // 1007202246601,61668.6,1380,61668.7,871,1723161601073,1723161601081,1723161599812570384
  expect_book_tick(d.ticks.back(), 1723161601073 * kMs, px("61668.6"), qty("1380"), px("61668.7"),
                   qty("871"));
}

TEST(CsvBookTicker, FallsBackToEventTime) {
  TempCsv f(
      "update_id,best_bid_price,best_bid_qty,best_ask_price,best_ask_qty,transaction_time,"
      "event_time,local_ts_ns\n"
      "1,100,1,101,2,,5000,7\n");
  CsvTickReader r = open_ok(f.path());
  const Drained d = drain(r);
  ASSERT_EQ(d.ticks.size(), 1u);
  expect_book_tick(d.ticks[0], 5000 * kMs, px("100"), qty("1"), px("101"), qty("2"));
}

TEST(CsvTrades, SpotFile) {
  CsvTickReader r = open_ok(kData + "trades/BTCUSDT-spot-trades-20240808T2354-20240809T0005.csv");
  EXPECT_FALSE(r.coin_m_trades());
  const Drained d = drain(r);
  ASSERT_EQ(d.ticks.size(), 19904u);
  // 3735683259,61837.63000000,0.02000000,1236.7526,1723161255342,true,true,1723161255343,...
  expect_last_tick(d.ticks.front(), 1723161255342 * kMs, px("61837.63"), qty("0.02"));
  // 3735703162,61602.02000000,0.00536000,330.1868272,1723161905800,false,true,...
  expect_last_tick(d.ticks.back(), 1723161905800 * kMs, px("61602.02"), qty("0.00536"));
}

TEST(CsvTrades, CoinMFileHasItsOwnLayout) {
  CsvTickReader r = open_ok(kData + "trades/BTCUSD_PERP-cm-trades-20240808T2354-20240809T0000.csv");
  EXPECT_TRUE(r.coin_m_trades());
  const Drained d = drain(r);
  ASSERT_EQ(d.ticks.size(), 2286u);
  // 849714402,61804.8,4,0.00647199,1723161257679,false,1723161257687,1723161256419684465
  expect_last_tick(d.ticks.front(), 1723161257679 * kMs, px("61804.8"), qty("4"));
  // 849716687,61668.7,2,0.00324314,1723161600719,false,1723161600725,1723161599457809283
  expect_last_tick(d.ticks.back(), 1723161600719 * kMs, px("61668.7"), qty("2"));
}

TEST(CsvTrades, DetectsBothLayoutsWithoutHeader) {
  TempCsv standard("1,10.5,2,21,1000,true,true,1001,5\n2,10.6,1,10.6,1000,false,true,1001,6\n");
  TempCsv coin_m("1,10.5,2,0.19,1000,true,1001,5\n");
  CsvTickReader a = open_ok(standard.path());
  EXPECT_EQ(a.format(), CsvFormat::kTrades);
  EXPECT_FALSE(a.coin_m_trades());
  EXPECT_EQ(drain(a).ticks.size(), 2u);  // equal times are fine
  CsvTickReader b = open_ok(coin_m.path());
  EXPECT_EQ(b.format(), CsvFormat::kTrades);
  EXPECT_TRUE(b.coin_m_trades());
  EXPECT_EQ(drain(b).ticks.size(), 1u);
}

// ---- broken rows ------------------------------------------------------------------------------

TEST(CsvKlines, BadRowsAreCountedAndSkipped) {
  TempCsv f(
      "open_time,open,high,low,close,volume,close_time,quote_volume,count,taker_buy_volume,"
      "taker_buy_quote_volume,ignore\n"                     // 1
      "60000,10,12,9,11,4,119999,0,1,0,0,0\n"               // 2 good
      "120000,10,12,9,11,4\n"                               // 3 6 columns
      "120000,10,abc,9,11,4,179999,0,1,0,0,0\n"             // 4 bad high
      "120000,10,8,9,9,4,179999,0,1,0,0,0\n"                // 5 high < low
      "120000,10,12,9,11,4,179999,0,1,0,0,0\n"              // 6 good
      "120000,10,12,9,11,4,179999,0,1,0,0,0\n"              // 7 same bar again
      "\n"                                                  // 8 blank: ignored
      "180000,10,12,9,13,4,239999,0,1,0,0,0\n"              // 9 close above high
      "240000,10,12,9,11,1.123456789,299999,0,1,0,0,0\r\n"  // 10 9 decimals
      "300000,10,12,9,11,8,359999,0,1,0,0,0\r\n");          // 11 good, CRLF
  CsvTickReader r = open_ok(f.path());
  EXPECT_EQ(r.format(), CsvFormat::kKlines);
  const Drained d = drain(r);
  EXPECT_EQ(r.good_rows(), 3u);
  ASSERT_EQ(d.ticks.size(), 12u);
  EXPECT_EQ(d.ticks[0].ts_ns, 60000 * kMs);
  EXPECT_EQ(d.ticks[4].ts_ns, 120000 * kMs);
  expect_last_tick(d.ticks[11], 345000 * kMs, px("11"), qty("2"));
  EXPECT_EQ(r.bad_rows(), 6u);
  const std::string& p = f.path();
  ASSERT_EQ(r.errors().size(), 6u);
  EXPECT_EQ(r.errors()[0], p + ":3: expected 12 columns, got 6");
  EXPECT_EQ(r.errors()[1], p + ":4: bad high 'abc'");
  EXPECT_EQ(r.errors()[2], p + ":5: high < low");
  EXPECT_EQ(r.errors()[3].rfind(p + ":7: time goes backwards", 0), 0u) << r.errors()[3];
  EXPECT_EQ(r.errors()[4], p + ":9: close outside [low, high]");
  EXPECT_EQ(r.errors()[5], p + ":10: bad volume '1.123456789'");
}

TEST(CsvBookTicker, BadRowsAreCountedAndSkipped) {
  TempCsv f(
      "update_id,best_bid_price,best_bid_qty,best_ask_price,best_ask_qty,transaction_time,"
      "event_time,local_ts_ns\n"  // 1
      "1,100,1,101,2,,,5000\n"    // 2 good
      "2,102,1,101,2,,,5001\n"    // 3 crossed
      "3,100,1,101,2,,,x\n"       // 4 no usable time
      "4,100,1,101,2,,,4999\n"    // 5 backwards
      "5,0,1,101,2,,,5002\n"      // 6 zero bid
      "6,100,-1,101,2,,,5002\n"   // 7 negative qty
      "7,100,1,101,2,,,5000\n"    // 8 good (equal time is fine)
      "8,101,1,101,2,,,5003\n");  // 9 locked
  CsvTickReader r = open_ok(f.path());
  const Drained d = drain(r);
  EXPECT_EQ(d.ticks.size(), 2u);
  EXPECT_EQ(r.bad_rows(), 6u);
  const std::string& p = f.path();
  ASSERT_EQ(r.errors().size(), 6u);
  EXPECT_EQ(r.errors()[0], p + ":3: crossed book: bid >= ask");
  EXPECT_EQ(r.errors()[1].rfind(p + ":4: no time", 0), 0u) << r.errors()[1];
  EXPECT_EQ(r.errors()[2], p + ":5: time goes backwards: 4999 ns after 5000 ns");
  EXPECT_EQ(r.errors()[3], p + ":6: best_bid_price not positive '0'");
  EXPECT_EQ(r.errors()[4], p + ":7: best_bid_qty negative '-1'");
  EXPECT_EQ(r.errors()[5], p + ":9: crossed book: bid >= ask");
}

TEST(CsvTrades, BadRowsAreCountedAndSkipped) {
  TempCsv f(
      "id,price,qty,base_qty,time,is_buyer_maker,event_time,local_ts_ns\n"  // 1 coin-M header
      "1,10,2,0.2,1000,true,1001,5\n"                                       // 2 good
      "2,10,2,0.2,1000,true,true,1001,5\n"                                  // 3 9 columns
      "3,10,0,0,1000,true,1001,5\n"                                         // 4 zero qty
      "4,10,2,0.2,-5,true,1001,5\n"                                         // 5 negative time
      "5,10,1,0.1,999,true,1001,5\n"                                        // 6 backwards
      "6,11,3,0.3,1002,false,1003,6\n");                                    // 7 good
  CsvTickReader r = open_ok(f.path());
  EXPECT_TRUE(r.coin_m_trades());
  const Drained d = drain(r);
  ASSERT_EQ(d.ticks.size(), 2u);
  expect_last_tick(d.ticks[1], 1002 * kMs, px("11"), qty("3"));
  const std::string& p = f.path();
  ASSERT_EQ(r.errors().size(), 4u);
  EXPECT_EQ(r.errors()[0], p + ":3: expected 8 columns, got 9");
  EXPECT_EQ(r.errors()[1], p + ":4: qty not positive '0'");
  EXPECT_EQ(r.errors()[2], p + ":5: bad time '-5'");
  EXPECT_EQ(r.errors()[3].rfind(p + ":6: time goes backwards", 0), 0u) << r.errors()[3];
}

TEST(CsvTickReader, KeepsOnlyTheFirstTwentyMessages) {
  std::string text = "1,10,2,0.2,1000,true,true,1001,5\n";
  for (int i = 0; i < 30; ++i) text += "garbage\n";
  text += "2,10,2,0.2,1001,true,true,1002,5\n";
  TempCsv f(text);
  CsvTickReader r = open_ok(f.path());
  EXPECT_EQ(drain(r).ticks.size(), 2u);
  EXPECT_EQ(r.bad_rows(), 30u);
  ASSERT_EQ(r.errors().size(), kMaxCsvErrors);
  EXPECT_EQ(r.errors().back(), f.path() + ":21: expected 9 columns, got 1");
}

// ---- open errors --------------------------------------------------------------------------------

TEST(CsvTickReader, MissingFileIsAnError) {
  auto r = CsvTickReader::open(kData + "trades/no-such-file.csv", 0);
  ASSERT_FALSE(r.ok());
  EXPECT_NE(r.error().find("no-such-file.csv"), std::string::npos) << r.error();
  EXPECT_NE(r.error().find("No such file"), std::string::npos) << r.error();
}

TEST(CsvTickReader, DirectoryIsAnError) {
  auto r = CsvTickReader::open(kData + "trades", 0);
  ASSERT_FALSE(r.ok());
  EXPECT_NE(r.error().find("is a directory"), std::string::npos) << r.error();
}

TEST(CsvTickReader, UndetectableFilesAreErrors) {
  TempCsv empty("");
  TempCsv odd("1,2,3\n");
  TempCsv header("a,b,c\n1,2,3\n");
  EXPECT_FALSE(CsvTickReader::open(empty.path(), 0).ok());
  EXPECT_FALSE(CsvTickReader::open(odd.path(), 0).ok());
  EXPECT_FALSE(CsvTickReader::open(header.path(), 0).ok());
  // An explicit format on an empty file is just an empty stream.
  auto r = CsvTickReader::open(empty.path(), 0, CsvFormat::kTrades);
  ASSERT_TRUE(r.ok());
  TimedTick t;
  EXPECT_FALSE(r->next(t));
}

TEST(CsvTickReader, HeaderOfAnotherFormatIsAnError) {
  auto r =
      CsvTickReader::open(kData + "klines/BTCUSDT-PERP-1m-2022-09-05.csv", 0, CsvFormat::kTrades);
  ASSERT_FALSE(r.ok());
  EXPECT_NE(r.error().find("klines header, not trades"), std::string::npos) << r.error();
}

// ---- merge ------------------------------------------------------------------------------------

TEST(TickMerger, MergesTwoRealFilesByTime) {
  const std::string trades = kData + "trades/BTCUSDT-spot-trades-20240808T2354-20240809T0005.csv";
  const std::string book =
      kData + "bookticker/BTCUSDT-spot-bookTicker-20240808T2354-20240809T0005.csv";
  const CsvFeedFile files[] = {{trades, 0, CsvFormat::kAuto}, {book, 1, CsvFormat::kAuto}};
  auto m = TickMerger::open(files);
  ASSERT_TRUE(m.ok()) << m.error();
  std::vector<TimedTick> out;
  TimedTick t;
  uint64_t per_instrument[2] = {0, 0};
  bool ordered = true;
  while (m->next(t)) {
    if (!out.empty() && t.ts_ns < out.back().ts_ns) ordered = false;
    ASSERT_LT(t.tick.instrument, 2);
    ++per_instrument[t.tick.instrument];
    out.push_back(t);
  }
  EXPECT_TRUE(ordered);
  EXPECT_EQ(per_instrument[0], 19904u);
  EXPECT_EQ(per_instrument[1], 73174u);
  EXPECT_EQ(m->bad_rows(), 0u);
  // The book's first row (local 1723161254087891268) comes before the first trade
  // (1723161255342 ms); the last trade (1723161905800 ms) after the book's last row
  // (1723161904524703633).
  EXPECT_EQ(out.front().tick.instrument, 1);
  EXPECT_EQ(out.front().ts_ns, 1723161254087891268);
  EXPECT_EQ(out.back().tick.instrument, 0);
  EXPECT_EQ(out.back().ts_ns, 1723161905800 * kMs);
}

TEST(TickMerger, InterleavesAndBreaksTiesByFileOrder) {
  TempCsv a("1,10,1,10,1000,true,true,0,0\n2,11,1,11,3000,true,true,0,0\n");
  TempCsv b(
      "1,20,1,20,1000,true,true,0,0\n2,21,1,21,2000,true,true,0,0\n"
      "3,22,1,22,4000,true,true,0,0\n");
  TickMerger m;
  m.add(open_ok(a.path(), 5));
  m.add(open_ok(b.path(), 6));
  std::vector<std::pair<int64_t, uint16_t>> got;
  TimedTick t;
  while (m.next(t)) got.emplace_back(t.ts_ns / kMs, t.tick.instrument);
  const std::vector<std::pair<int64_t, uint16_t>> want = {
      {1000, 5}, {1000, 6}, {2000, 6}, {3000, 5}, {4000, 6}};
  EXPECT_EQ(got, want);
}

TEST(TickMerger, OpenFailsOnAMissingFile) {
  const CsvFeedFile files[] = {
      {kData + "trades/BTCUSDT-spot-trades-20240808T2354-20240809T0005.csv", 0, CsvFormat::kTrades},
      {kData + "trades/missing.csv", 1, CsvFormat::kTrades}};
  auto m = TickMerger::open(files);
  ASSERT_FALSE(m.ok());
  EXPECT_NE(m.error().find("missing.csv"), std::string::npos);
}

TEST(CsvTickSource, FeedsTheMergedStream) {
  TempCsv a("1,10,1,10,1000,true,true,0,0\n2,11,1,11,3000,true,true,0,0\n");
  TickMerger m;
  m.add(open_ok(a.path(), 2));
  CsvTickSource source(std::move(m));
  int64_t ts = 0;
  TickCmd tick{};
  ASSERT_TRUE(source.next(ts, tick));
  EXPECT_EQ(ts, 1000 * kMs);
  EXPECT_EQ(tick.last, px("10"));
  ASSERT_TRUE(source.next(ts, tick));
  EXPECT_EQ(ts, 3000 * kMs);
  EXPECT_FALSE(source.next(ts, tick));
}

}  // namespace
}  // namespace ose
