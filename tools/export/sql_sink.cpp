#include "tools/export/sql_sink.hpp"

#include <fmt/format.h>

#if defined(OSE_HAVE_SQLITE)
#include "tools/export/sqlite_sink.hpp"
#endif
#if defined(OSE_HAVE_LIBPQ)
#include "tools/export/postgres_sink.hpp"
#endif

namespace ose::sql_export {

std::string placeholder(Dialect d, size_t k) {
  return fmt::format("{}{}", d == Dialect::kSqlite ? '?' : '$', k + 1);
}

Result<std::unique_ptr<SqlSink>> open_sink(const std::string& target) {
  constexpr std::string_view kSqlite = "sqlite:";
  if (target.starts_with(kSqlite)) {
    const std::string path = target.substr(kSqlite.size());
    if (path.empty()) return Error{"--to sqlite: needs a file name (sqlite:PATH)"};
#if defined(OSE_HAVE_SQLITE)
    return open_sqlite(path);
#else
    return Error{
        "this build of ose has no SQLite support (Debian: apt-get install "
        "libsqlite3-dev, then rebuild)"};
#endif
  }
  if (target.starts_with("postgresql://") || target.starts_with("postgres://")) {
#if defined(OSE_HAVE_LIBPQ)
    return open_postgres(target);
#else
    return Error{
        "this build of ose has no PostgreSQL support (Debian: apt-get install libpq-dev, "
        "then rebuild)"};
#endif
  }
  return Error{fmt::format(
      "--to '{}' is not a target: give sqlite:PATH or a postgresql://USER@HOST:PORT/DB URI",
      target)};
}

}  // namespace ose::sql_export
