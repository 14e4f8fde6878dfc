#include "bench/study/study_output.hpp"

#include <fmt/format.h>
#include <sys/wait.h>

#include <cerrno>
#include <cstdio>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <sstream>

namespace ose::bench {

namespace {

using nlohmann::json;

json latency_json(const LatencyStats& s) {
  json j = {{"count", s.count},   {"min_ns", s.min_ns},  {"p50_ns", s.p50_ns},
            {"p90_ns", s.p90_ns}, {"p99_ns", s.p99_ns},  {"p999_ns", s.p999_ns},
            {"max_ns", s.max_ns}, {"mean_ns", s.mean_ns}};
  if (!s.error.empty()) j["error"] = s.error;
  return j;
}

json throughput_json(const ThroughputRun& t) {
  json j = {{"inputs_per_s", t.inputs_per_s}, {"inputs", t.inputs}, {"seconds", t.seconds}};
  if (!t.error.empty()) j["error"] = t.error;
  return j;
}

json round_trip_json(const RoundTripRun& r) {
  json j = latency_json(r.stats);
  j["segment_bytes"] = r.segment_bytes;
  j["order_capacity"] = r.order_capacity;
  if (!r.error.empty()) j["error"] = r.error;
  return j;
}

double ratio(double a, double b) {
  return b > 0 ? a / b : 0;
}

// "1.2 µs", "850 ns", "4.1 ms"
std::string ns_text(double ns) {
  if (ns >= 1e6) return fmt::format("{:.2f} ms", ns / 1e6);
  if (ns >= 1e4) return fmt::format("{:.1f} µs", ns / 1e3);
  if (ns >= 1e3) return fmt::format("{:.2f} µs", ns / 1e3);
  return fmt::format("{:.0f} ns", ns);
}

// A Markdown table cell: one line, no column separators; long texts cut.
std::string cell(const std::string& text) {
  std::string out;
  for (char c : text) {
    if (c == '\n') {
      out += " / ";
    } else {
      out += c == '|' ? '/' : c;
    }
  }
  return out.size() > 160 ? out.substr(0, 157) + "..." : out;
}

std::string rate_text(double per_s) {
  if (per_s >= 1e6) return fmt::format("{:.2f} M/s", per_s / 1e6);
  if (per_s >= 1e3) return fmt::format("{:.1f} k/s", per_s / 1e3);
  return fmt::format("{:.0f}/s", per_s);
}

const LatencyStats* floor_named(const StudyResults& r, const std::string& name) {
  for (const NamedLatency& f : r.floors) {
    if (f.name == name) return &f.stats;
  }
  return nullptr;
}

const LatencyStats* ose_round_trip(const StudyResults& r, const std::string& journal) {
  for (const NamedLatency& f : r.round_trips) {
    if (f.name == journal && f.stats.count > 0) return &f.stats;
  }
  return nullptr;
}

const StoreResult* ose_store(const StudyResults& r) {
  for (const StoreResult& s : r.stores) {
    if (s.name == "ose (shared-memory rings)" && s.stats.count > 0) return &s;
  }
  return nullptr;
}

// Runs gnuplot on `script`; empty on success, else what went wrong.
std::string gnuplot(const std::string& script_path) {
  const std::string cmd = fmt::format("gnuplot '{}' 2>&1", script_path);
  std::FILE* pipe = ::popen(cmd.c_str(), "r");
  if (pipe == nullptr) return fmt::format("cannot run gnuplot: {}", std::strerror(errno));
  std::string output;
  char buf[512];
  while (std::fgets(buf, sizeof buf, pipe) != nullptr) output += buf;
  const int status = ::pclose(pipe);
  if (WIFEXITED(status) && WEXITSTATUS(status) == 127) {
    return "gnuplot is not installed (Debian: apt-get install gnuplot-nox)";
  }
  if (status == -1 || !WIFEXITED(status) || WEXITSTATUS(status) != 0) {
    return "gnuplot failed: " + output;
  }
  return "";
}

}  // namespace

json study_json(const StudyResults& r) {
  json j;
  j["machine"] = {{"cpu", r.machine.cpu},           {"cores", r.machine.cores},
                  {"memory", r.machine.memory},     {"kernel", r.machine.kernel},
                  {"compiler", r.machine.compiler}, {"build", r.machine.build},
                  {"when", r.machine.when}};
  j["quick"] = r.quick;
  j["floors"] = json::array();
  for (const NamedLatency& f : r.floors) {
    j["floors"].push_back({{"name", f.name}, {"round_trip", latency_json(f.stats)}});
  }
  j["round_trips"] = json::array();
  for (const NamedLatency& f : r.round_trips) {
    j["round_trips"].push_back({{"journal", f.name}, {"round_trip", latency_json(f.stats)}});
  }
  j["throughput"] = json::array();
  for (const ThroughputPoint& t : r.throughput) {
    j["throughput"].push_back(
        {{"clients", t.clients}, {"journal", t.journal}, {"run", throughput_json(t.run)}});
  }
  j["stores"] = json::array();
  for (const StoreResult& s : r.stores) {
    json e = {{"name", s.name},
              {"events", s.events},
              {"events_per_s", s.events_per_s},
              {"per_event", latency_json(s.stats)}};
    if (!s.skipped.empty()) e["skipped"] = s.skipped;
    if (!s.error.empty()) e["error"] = s.error;
    j["stores"].push_back(e);
  }
  j["open_loop"] = json::array();
  for (const OpenLoopPoint& p : r.open_loop) {
    json e = {{"target_per_s", p.target_per_s},
              {"achieved_per_s", p.achieved_per_s},
              {"latency", latency_json(p.stats)}};
    if (!p.error.empty()) e["error"] = p.error;
    j["open_loop"].push_back(e);
  }
  j["readers"] = json::array();
  for (const ReaderPoint& p : r.readers) {
    j["readers"].push_back({{"readers", p.readers},
                            {"throughput", throughput_json(p.throughput)},
                            {"round_trip", round_trip_json(p.round_trip)}});
  }
  j["scaling"] = json::array();
  for (const ScalingPoint& p : r.scaling) {
    j["scaling"].push_back({{"working_orders", p.working_orders},
                            {"round_trip", round_trip_json(p.round_trip)},
                            {"throughput", throughput_json(p.throughput)},
                            {"bytes_per_order", p.bytes_per_order}});
  }
  // The headline ratios, each from figures of this run.
  json ratios = json::object();
  const LatencyStats* flag = floor_named(r, "two-line flag ping-pong");
  const LatencyStats* rt = ose_round_trip(r, "none");
  if (flag != nullptr && rt != nullptr) {
    ratios["ose_round_trip_over_flag_p50"] = ratio(double(rt->p50_ns), double(flag->p50_ns));
    ratios["ose_round_trip_over_flag_p99"] = ratio(double(rt->p99_ns), double(flag->p99_ns));
  }
  if (const StoreResult* ose = ose_store(r)) {
    for (const StoreResult& s : r.stores) {
      if (&s == ose || s.stats.count == 0) continue;
      ratios["p50_over_ose"][s.name] = ratio(double(s.stats.p50_ns), double(ose->stats.p50_ns));
      ratios["ose_events_per_s_over"][s.name] = ratio(ose->events_per_s, s.events_per_s);
    }
  }
  if (r.readers.size() >= 2 && r.readers[0].throughput.inputs_per_s > 0) {
    for (size_t i = 1; i < r.readers.size(); ++i) {
      ratios["writer_throughput_loss_with_readers"][std::to_string(r.readers[i].readers)] =
          1 - ratio(r.readers[i].throughput.inputs_per_s, r.readers[0].throughput.inputs_per_s);
    }
  }
  j["ratios"] = ratios;
  j["notes"] = r.notes;
  return j;
}

std::string study_markdown(const StudyResults& r) {
  std::ostringstream md;
  md << fmt::format("Generated by `ose-bench all{}` on {}: {}, {} cores, {}; {}; {}; {}.\n\n",
                    r.quick ? " --quick" : "", r.machine.when, r.machine.cpu, r.machine.cores,
                    r.machine.memory, r.machine.kernel, r.machine.compiler, r.machine.build);
  if (r.quick) md << "**A `--quick` run: counts too small for the figures to mean much.**\n\n";

  const LatencyStats* flag = floor_named(r, "two-line flag ping-pong");
  if (!r.floors.empty() || !r.round_trips.empty()) {
    md << "### Round trip: ose against the floors\n\n"
       << "| round trip | p50 | p90 | p99 | p99.9 | max | samples | p50 / flag floor |\n"
       << "| --- | --- | --- | --- | --- | --- | --- | --- |\n";
    auto row = [&](const std::string& name, const LatencyStats& s) {
      md << fmt::format("| {} | {} | {} | {} | {} | {} | {} | {} |\n", name,
                        ns_text(double(s.p50_ns)), ns_text(double(s.p90_ns)),
                        ns_text(double(s.p99_ns)), ns_text(double(s.p999_ns)),
                        ns_text(double(s.max_ns)), s.count,
                        flag != nullptr && flag->p50_ns > 0
                            ? fmt::format("{:.1f}×", ratio(double(s.p50_ns), double(flag->p50_ns)))
                            : std::string("—"));
    };
    for (const NamedLatency& f : r.floors) row(f.name, f.stats);
    for (const NamedLatency& f : r.round_trips) {
      row(f.name == "none" ? "ose new order → response" : "ose, journal " + f.name, f.stats);
    }
    md << "\n";
  }
  if (!r.stores.empty()) {
    const StoreResult* ose = ose_store(r);
    md << "### The same order-event workload through ose and the alternatives\n\n"
       << "Per event (new, ack, partial fill, fill, cancel; each updates order, position and "
          "balance), one at a time.\n\n"
       << "| store | p50 | p99 | p99.9 | events/s | p50 / ose | ose events/s / its |\n"
       << "| --- | --- | --- | --- | --- | --- | --- |\n";
    for (const StoreResult& s : r.stores) {
      if (!s.skipped.empty()) {
        md << fmt::format("| {} | skipped: {} | | | | | |\n", s.name, cell(s.skipped));
        continue;
      }
      if (!s.error.empty()) {
        md << fmt::format("| {} | **FAILED**: {} | | | | | |\n", s.name, cell(s.error));
        continue;
      }
      const bool vs_ose = ose != nullptr && ose->stats.p50_ns > 0 && s.events_per_s > 0;
      md << fmt::format(
          "| {} | {} | {} | {} | {} | {} | {} |\n", s.name, ns_text(double(s.stats.p50_ns)),
          ns_text(double(s.stats.p99_ns)), ns_text(double(s.stats.p999_ns)),
          rate_text(s.events_per_s),
          vs_ose ? fmt::format("{:.0f}×", ratio(double(s.stats.p50_ns), double(ose->stats.p50_ns)))
                 : std::string("—"),
          vs_ose ? fmt::format("{:.0f}×", ratio(ose->events_per_s, s.events_per_s))
                 : std::string("—"));
    }
    md << "\n";
  }
  if (!r.throughput.empty()) {
    md << "### Throughput\n\n| clients | journal | inputs/s | inputs |\n| --- | --- | --- | --- "
          "|\n";
    for (const ThroughputPoint& t : r.throughput) {
      md << fmt::format("| {} | {} | {} | {} |\n", t.clients, t.journal,
                        t.run.error.empty() ? rate_text(t.run.inputs_per_s) : "**FAILED**",
                        t.run.inputs);
    }
    md << "\n";
  }
  if (!r.open_loop.empty()) {
    md << "### Open loop: latency at a fixed arrival rate\n\n"
       << "Latency counts from when each command was due, so a stall shows in every command "
          "it delayed.\n\n"
       << "| asked | answered | p50 | p99 | p99.9 | max |\n| --- | --- | --- | --- | --- | --- |\n";
    for (const OpenLoopPoint& p : r.open_loop) {
      md << fmt::format("| {} | {} | {} | {} | {} | {} |\n", rate_text(p.target_per_s),
                        rate_text(p.achieved_per_s), ns_text(double(p.stats.p50_ns)),
                        ns_text(double(p.stats.p99_ns)), ns_text(double(p.stats.p999_ns)),
                        ns_text(double(p.stats.max_ns)));
    }
    md << "\n";
  }
  if (!r.readers.empty()) {
    md << "### Reader interference\n\n"
       << "| reader processes | writer inputs/s | vs none | round trip p50 | p99 |\n"
       << "| --- | --- | --- | --- | --- |\n";
    const double base = r.readers.front().throughput.inputs_per_s;
    for (const ReaderPoint& p : r.readers) {
      md << fmt::format(
          "| {} | {} | {:+.1f} % | {} | {} |\n", p.readers, rate_text(p.throughput.inputs_per_s),
          100 * (ratio(p.throughput.inputs_per_s, base) - 1),
          ns_text(double(p.round_trip.stats.p50_ns)), ns_text(double(p.round_trip.stats.p99_ns)));
    }
    md << fmt::format(
        "\nOn {} cores the readers also take CPU time from the engine and the "
        "clients.\n\n",
        r.machine.cores);
  }
  if (!r.scaling.empty()) {
    md << "### Scaling with working orders\n\n"
       << "| working orders | round trip p50 | p99 | inputs/s | segment | bytes per order slot |\n"
       << "| --- | --- | --- | --- | --- | --- |\n";
    for (const ScalingPoint& p : r.scaling) {
      md << fmt::format("| {} | {} | {} | {} | {:.0f} MiB | {:.0f} |\n", p.working_orders,
                        ns_text(double(p.round_trip.stats.p50_ns)),
                        ns_text(double(p.round_trip.stats.p99_ns)),
                        rate_text(p.throughput.inputs_per_s),
                        double(p.round_trip.segment_bytes) / (1 << 20), p.bytes_per_order);
    }
    md << "\n";
  }
  if (!r.notes.empty()) {
    md << "Notes:\n\n";
    for (const std::string& n : r.notes) md << "- " << cell(n) << "\n";
    md << "\n";
  }
  return md.str();
}

Result<std::vector<std::string>> write_study_plots(const StudyResults& r, const std::string& dir) {
  namespace fs = std::filesystem;
  std::error_code ec;
  fs::create_directories(dir, ec);
  if (ec) return Error{fmt::format("cannot create {}: {}", dir, ec.message())};
  std::vector<std::string> written;
  auto plot = [&](const std::string& name, const std::string& data,
                  const std::string& body) -> std::string {
    const std::string data_path = (fs::path(dir) / (name + ".dat")).string();
    const std::string script_path = (fs::path(dir) / (name + ".gp")).string();
    const std::string png = (fs::path(dir) / (name + ".png")).string();
    std::ofstream(data_path) << data;
    // noenhanced: names such as message_queue are text, not subscripts.
    std::ofstream(script_path) << "set terminal pngcairo noenhanced size 1200,700 font ',10'\n"
                               << fmt::format("set output '{}'\n", png) << "set grid\n"
                               << fmt::format(fmt::runtime(body), data_path);
    if (std::string why = gnuplot(script_path); !why.empty()) return why;
    written.push_back(png);
    return "";
  };
  std::string why;
  if (r.open_loop.size() >= 2) {
    std::string d;
    for (const OpenLoopPoint& p : r.open_loop) {
      d += fmt::format("{} {} {} {}\n", p.achieved_per_s, double(p.stats.p50_ns) / 1e3,
                       double(p.stats.p99_ns) / 1e3, double(p.stats.p999_ns) / 1e3);
    }
    why = plot("open_loop", d,
               "set title 'ose open loop: latency vs arrival rate'\nset logscale xy\n"
               "set xlabel 'answered per second'\nset ylabel 'latency (µs)'\nset key left top\n"
               "plot '{0}' using 1:2 with linespoints title 'p50', '' using 1:3 with linespoints "
               "title 'p99', '' using 1:4 with linespoints title 'p99.9'\n");
    if (!why.empty()) return Error{why};
  }
  std::string stores;
  for (const StoreResult& s : r.stores) {
    if (s.stats.count == 0) continue;
    stores += fmt::format("\"{}\" {} {}\n", s.name, double(s.stats.p50_ns) / 1e3,
                          double(s.stats.p99_ns) / 1e3);
  }
  if (!stores.empty()) {
    why = plot("stores", stores,
               "set title 'Per-event latency, same workload'\nset logscale y\n"
               "set ylabel 'µs (log)'\nset style data histograms\nset style fill solid 0.8\n"
               "set xtics rotate by -20\nset key left top\nset bmargin 10\nset rmargin 16\n"
               "plot '{0}' using 2:xtic(1) title 'p50', '' using 3 title 'p99'\n");
    if (!why.empty()) return Error{why};
  }
  if (r.scaling.size() >= 2) {
    std::string d;
    for (const ScalingPoint& p : r.scaling) {
      d += fmt::format("{} {} {} {}\n", p.working_orders, double(p.round_trip.stats.p50_ns),
                       double(p.round_trip.stats.p99_ns), p.throughput.inputs_per_s / 1e6);
    }
    why = plot("scaling", d,
               "set title 'ose with working orders'\nset logscale x\nset xlabel 'working orders'\n"
               "set ylabel 'round trip (ns)'\nset y2label 'M inputs/s'\nset y2tics\n"
               "set key left top\nplot '{0}' using 1:2 with linespoints title 'round trip p50', "
               "'' using 1:3 with linespoints title 'round trip p99', '' using 1:4 axes x1y2 "
               "with linespoints title 'throughput'\n");
    if (!why.empty()) return Error{why};
  }
  if (r.readers.size() >= 2) {
    std::string d;
    for (const ReaderPoint& p : r.readers) {
      d += fmt::format("{} {}\n", p.readers, p.throughput.inputs_per_s / 1e6);
    }
    why = plot("readers", d,
               "set title 'Writer throughput with reader processes'\nset style data histograms\n"
               "set style fill solid 0.8\nset xlabel 'reader processes'\nset ylabel 'M inputs/s'\n"
               "set yrange [0:]\nplot '{0}' using 2:xtic(1) notitle\n");
    if (!why.empty()) return Error{why};
  }
  return written;
}

Result<bool> update_study_section(const std::string& path, const std::string& markdown) {
  static constexpr std::string_view kBegin = "<!-- study:begin -->";
  static constexpr std::string_view kEnd = "<!-- study:end -->";
  std::string text;
  {
    std::ifstream in(path, std::ios::binary);
    if (in) {
      std::ostringstream ss;
      ss << in.rdbuf();
      text = ss.str();
    }
  }
  const std::string section = std::string(kBegin) + "\n" + markdown + std::string(kEnd);
  const auto b = text.find(kBegin);
  const auto e = text.find(kEnd);
  if (b != std::string::npos && e != std::string::npos && e > b) {
    text.replace(b, e + kEnd.size() - b, section);
  } else {
    text += "\n## The study (`ose-bench all`)\n\n" + section + "\n";
  }
  std::ofstream out(path, std::ios::binary | std::ios::trunc);
  out << text;
  if (!out) return Error{fmt::format("cannot write {}", path)};
  return true;
}

}  // namespace ose::bench
