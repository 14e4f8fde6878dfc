// `--listen HOST:PORT` for `ose serve`: parsed, and whether it is a loopback address (the only
// kind `ose serve` binds without a token).
#pragma once

#include <string>

#include "engine/core/result.hpp"

namespace ose::tools {

struct ListenAddress {
  std::string host;  // as httplib binds it: "127.0.0.1", "::1", "0.0.0.0", a name ...
  int port = 0;
  bool loopback = false;  // 127.0.0.0/8, ::1 or "localhost"
};

// "127.0.0.1:9464", "[::1]:9464", "localhost:9464", "0.0.0.0:80"; port 0 = any free port.
Result<ListenAddress> parse_listen_address(const std::string& text);

}  // namespace ose::tools
