// Checking an LMDB environment that may be damaged without being taken down by it.
//
// LMDB keeps no page checksums and maps the file: a truncated data.mdb faults (SIGBUS) on the
// first read past its end, and a page in the wrong place trips LMDB's asserts (abort) or sends
// a pointer astray (SIGSEGV). So before any read of an untrusted environment:
//   1. read_lmdb_meta() reads the two meta pages with pread (never through the map) and checks
//      the file against them: magic, version, page size, and that the file holds every page
//      the newest meta page says is in use ((last_pgno + 1) × page size bytes);
//   2. check_store() walks the whole environment (verify_store: every database, every record
//      and snapshot checksum, cross-checked against the databases' own counts and the meta
//      page's page total) in a forked child process. A child that dies by a signal, or exits
//      without finishing, becomes "damaged at <where it was>" for the caller.
// Only an environment whose structure the child walked to the end is read in-process after.
// docs/design/0005-damaged-journal.md records why.
#pragma once

#include <cstdint>
#include <string>

#include "engine/core/result.hpp"
#include "persistence/recovery.hpp"

namespace ose {

struct LmdbMeta {
  uint32_t page_size = 0;
  uint64_t map_size = 0;
  uint64_t last_pgno = 0;  // of the newest meta page (the higher txnid)
  uint64_t txnid = 0;
  uint64_t file_bytes = 0;
};

// `path` is a data.mdb. The error says what is wrong in words a person can act on.
Result<LmdbMeta> read_lmdb_meta(const std::string& path);

struct StoreCheck {
  bool present = false;  // false: no environment there (a fresh data_dir); nothing was checked
  VerifyReport report;   // the walk's findings; problems empty ⇔ sound
  // Set when this process may not read the journal (EACCES): not damage, and nothing was
  // checked. The message says so, for callers to report instead of a damaged journal (a
  // journal private to the engine's user, docs/SECURITY.md, must not send anyone to a backup).
  std::string denied;
  bool sound() const noexcept { return present && report.problems.empty(); }
  // The structure was walked to its end without a fault: in-process readers are safe.
  bool readable() const noexcept { return present && report.structure_sound; }
};

struct CheckOptions {
  uint64_t map_size = 64ull << 20;
  int timeout_s = 600;  // a walk still running then is stopped and reported
};

// Never faults the caller. Forks: call it before the process starts threads that hold locks
// the child might need (the engine calls it before its Runner and journal threads exist).
StoreCheck check_store(const std::string& dir, const CheckOptions& options = {});

// The first problems, one per line, for a message ("seq 250: checksum mismatch").
std::string describe_problems(const VerifyReport& report, size_t max_lines = 5);

}  // namespace ose
