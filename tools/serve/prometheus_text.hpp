// A writer of Prometheus' text exposition format (version 0.0.4): each family's HELP and TYPE
// once, then its samples; label values escaped as the format says (\\, \", \n).
#pragma once

#include <cstdint>
#include <initializer_list>
#include <string>
#include <string_view>
#include <utility>

namespace ose::tools {

using Labels = std::initializer_list<std::pair<std::string_view, std::string_view>>;

class PrometheusText {
 public:
  // Starts a family: `type` is counter, gauge or histogram.
  void family(std::string_view name, std::string_view type, std::string_view help);
  // One sample; `value` already in the format's number syntax (an integer, a decimal).
  void sample(std::string_view name, Labels labels, std::string_view value);
  void sample(std::string_view name, Labels labels, uint64_t value);
  void sample(std::string_view name, Labels labels, int64_t value);

  const std::string& text() const noexcept { return out_; }

 private:
  std::string out_;
};

}  // namespace ose::tools
