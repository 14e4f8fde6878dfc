// SqlSink into PostgreSQL (libpq). Upserts are sent in pipeline mode (no round trip per row),
// synchronised every few thousand statements and at every exec()/query(); append()ed rows (new
// for sure: trades, ledger entries, position history) are buffered per table and sent with COPY
// before the next exec()/query(), so before every COMMIT.
#pragma once

#include <memory>
#include <string>

#include "tools/export/sql_sink.hpp"

namespace ose::sql_export {

// `conninfo`: a libpq connection URI or key=value string.
Result<std::unique_ptr<SqlSink>> open_postgres(const std::string& conninfo);

}  // namespace ose::sql_export
