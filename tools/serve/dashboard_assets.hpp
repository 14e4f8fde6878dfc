// The dashboard's files (tools/serve/dashboard/), embedded at build time so that `ose serve`
// needs no files beside it and the browser no network beyond it (no CDN).
#pragma once

#include <string_view>

namespace ose::tools {
extern const std::string_view kDashboardHtml;  // dashboard/index.html, served at /
extern const std::string_view kDashboardJs;    // dashboard/app.js
extern const std::string_view kDashboardCss;   // dashboard/style.css
}  // namespace ose::tools
