#include "persistence/replicated_mark.hpp"

#include <cstdio>
#include <cstdlib>

namespace ose {

std::string replicated_mark_path(const std::string& journal_dir) {
  return journal_dir + "/replicated_seq";
}

uint64_t read_replicated_mark(const std::string& journal_dir) noexcept {
  // The journal thread calls this once per snapshot, inside its write transaction: stdio, no
  // exceptions.
  const std::string path = replicated_mark_path(journal_dir);
  FILE* f = std::fopen(path.c_str(), "r");
  if (f == nullptr) return 0;
  char buf[32] = {};
  const size_t n = std::fread(buf, 1, sizeof buf - 1, f);
  std::fclose(f);
  if (n == 0) return 0;
  char* end = nullptr;
  const unsigned long long v = std::strtoull(buf, &end, 10);
  return end == buf ? 0 : static_cast<uint64_t>(v);
}

bool write_replicated_mark(const std::string& journal_dir, uint64_t seq) {
  const std::string path = replicated_mark_path(journal_dir);
  const std::string tmp = path + ".tmp";
  FILE* f = std::fopen(tmp.c_str(), "w");
  if (f == nullptr) return false;
  const bool wrote = std::fprintf(f, "%llu\n", static_cast<unsigned long long>(seq)) > 0;
  if (std::fclose(f) != 0 || !wrote) return false;
  return std::rename(tmp.c_str(), path.c_str()) == 0;
}

}  // namespace ose
