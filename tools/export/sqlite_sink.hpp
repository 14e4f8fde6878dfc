// SqlSink into an SQLite file (libsqlite3): the embedded default, no server.
#pragma once

#include <memory>
#include <string>

#include "tools/export/sql_sink.hpp"

namespace ose::sql_export {

// Opens (creating it if absent) the database file at `path`, in WAL mode.
Result<std::unique_ptr<SqlSink>> open_sqlite(const std::string& path);

}  // namespace ose::sql_export
