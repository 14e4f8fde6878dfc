#include "tools/engine_feed.hpp"

#include <fmt/format.h>

#include <charconv>
#include <filesystem>

#include "engine/core/fixed_point.hpp"
#include "feeds/csv_ticks.hpp"
#include "feeds/synthetic_walk.hpp"

namespace ose::tools {

namespace {

class WalkSource final : public TickSource {
 public:
  explicit WalkSource(WalkOptions o) : walk_(std::move(o)) {}
  bool next(int64_t& ts_ns, TickCmd& tick) override {
    walk_.next(ts_ns, tick);
    return true;
  }

 private:
  SyntheticWalk walk_;
};

Result<std::unique_ptr<TickSource>> synthetic_source(const FeedOptions& o, const State& names,
                                                     std::string& description) {
  WalkOptions w;
  w.seed = o.seed;
  w.interval_ns = static_cast<int64_t>(1e9 / std::max(o.rate, 1e-3));
  for (const std::string& spec : o.synthetic) {
    const auto eq = spec.find('=');
    if (eq == std::string::npos) {
      return Error{fmt::format("--synthetic '{}': expected SYMBOL=MID, e.g. BTCUSDT=60000", spec)};
    }
    const std::string symbol = spec.substr(0, eq);
    const uint16_t ins = names.find_instrument(symbol);
    if (ins == kNoIndex) return Error{fmt::format("--synthetic: unknown symbol '{}'", symbol)};
    const auto mid = parse_decimal_e8(spec.substr(eq + 1));
    if (!mid || *mid <= 0) {
      return Error{fmt::format("--synthetic '{}': the mid must be a positive decimal", spec)};
    }
    const InstrumentRecord& rec = names.instrument(ins);
    WalkInstrument wi;
    wi.instrument = ins;
    wi.start = Price::from_e8(*mid);
    wi.tick_size = rec.tick_size;
    // Quote ten minimum quantities a side; a step of up to 3 ticks unless --volatility sets it
    // as a fraction of the mid.
    wi.quote_qty = Qty::from_e8(std::max<int64_t>(rec.min_qty.e8, 1) * 10);
    wi.spread_ticks = std::max<int64_t>(o.spread_ticks, 1);
    wi.max_step_ticks = 3;
    if (o.volatility > 0) {
      const double ticks = static_cast<double>(*mid) * o.volatility /
                           static_cast<double>(std::max<int64_t>(rec.tick_size.e8, 1));
      wi.max_step_ticks = std::max<int64_t>(1, static_cast<int64_t>(ticks));
    }
    w.instruments.push_back(wi);
    description += fmt::format("{}synthetic {} from {}", description.empty() ? "" : ", ", symbol,
                               spec.substr(eq + 1));
  }
  description += fmt::format(" at {} ticks/s", o.rate);
  if (o.volatility > 0)
    description += fmt::format(", moves up to {} of the mid a tick", o.volatility);
  return std::unique_ptr<TickSource>(new WalkSource(std::move(w)));
}

}  // namespace

Result<std::unique_ptr<EngineFeed>> EngineFeed::open(const FeedOptions& o, Runner& runner) {
  if (!o.synthetic.empty() && !o.replay.empty()) {
    return Error{"choose --synthetic or --replay, not both"};
  }
  std::unique_ptr<EngineFeed> feed(new EngineFeed());
  const State& names = runner.state();
  double speed = 1;
  if (!o.synthetic.empty()) {
    auto source = synthetic_source(o, names, feed->description_);
    if (!source) return Error{source.error()};
    feed->source_ = std::move(*source);
  } else {
    std::vector<CsvFeedFile> files;
    for (const std::string& spec : o.replay) {
      auto f = csv_feed_file(spec, names, "--replay");
      if (!f) return Error{f.error()};
      files.push_back(*f);
      feed->description_ += fmt::format("{}{} as {}", feed->description_.empty() ? "replay " : ", ",
                                        f->path, names.instrument(f->instrument).symbol);
    }
    auto merger = TickMerger::open(files);
    if (!merger) return Error{merger.error()};
    feed->source_ = std::make_unique<CsvTickSource>(std::move(*merger));
    speed = o.speed;
    feed->description_ +=
        speed > 0 ? fmt::format(" at {}× real time", speed) : std::string(" at full speed");
  }
  feed->pump_ = std::make_unique<TickPump>(
      *feed->source_, [&runner](const TickCmd& t) { return runner.submit_tick(t); },
      TickPump::Options{speed, UINT64_MAX});
  return feed;
}

EngineFeed::~EngineFeed() {
  if (pump_) {
    pump_->stop();
    pump_->join();
  }
}

uint64_t EngineFeed::bad_rows() const {
  const auto* csv = dynamic_cast<const CsvTickSource*>(source_.get());
  return csv != nullptr ? csv->merger().bad_rows() : 0;
}

std::vector<std::string> EngineFeed::errors() const {
  std::vector<std::string> out;
  const auto* csv = dynamic_cast<const CsvTickSource*>(source_.get());
  if (csv == nullptr) return out;
  for (size_t i = 0; i < csv->merger().reader_count(); ++i) {
    for (const std::string& e : csv->merger().reader(i).errors()) out.push_back(e);
  }
  return out;
}

}  // namespace ose::tools
