#include "tools/serve/prometheus_text.hpp"

#include <fmt/format.h>

namespace ose::tools {

void PrometheusText::family(std::string_view name, std::string_view type, std::string_view help) {
  out_ += fmt::format("# HELP {} {}\n# TYPE {} {}\n", name, help, name, type);
}

void PrometheusText::sample(std::string_view name, Labels labels, std::string_view value) {
  out_ += name;
  if (labels.size() != 0) {
    out_ += '{';
    bool first = true;
    for (const auto& [key, raw] : labels) {
      if (!first) out_ += ',';
      first = false;
      out_ += key;
      out_ += "=\"";
      for (const char c : raw) {
        if (c == '\\' || c == '"') {
          out_ += '\\';
          out_ += c;
        } else if (c == '\n') {
          out_ += "\\n";
        } else {
          out_ += c;
        }
      }
      out_ += '"';
    }
    out_ += '}';
  }
  out_ += ' ';
  out_ += value;
  out_ += '\n';
}

void PrometheusText::sample(std::string_view name, Labels labels, uint64_t value) {
  sample(name, labels, std::string_view(fmt::format("{}", value)));
}

void PrometheusText::sample(std::string_view name, Labels labels, int64_t value) {
  sample(name, labels, std::string_view(fmt::format("{}", value)));
}

}  // namespace ose::tools
