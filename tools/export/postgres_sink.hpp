// SqlSink into PostgreSQL (libpq). Rows are sent in pipeline mode (no round trip per row),
// synchronised every few thousand statements and at every exec()/query().
#pragma once

#include <memory>
#include <string>

#include "tools/export/sql_sink.hpp"

namespace ose::sql_export {

// `conninfo`: a libpq connection URI or key=value string.
Result<std::unique_ptr<SqlSink>> open_postgres(const std::string& conninfo);

}  // namespace ose::sql_export
