#include "replication/stream_layout.hpp"

#include <fmt/format.h>

#include <cstring>

#include "persistence/journal_format.hpp"

namespace ose::replication {

std::optional<StreamNames> stream_names(std::string_view engine, std::string* why) {
  const bool ok = !engine.empty() && engine.find_first_not_of(
                                         "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ"
                                         "0123456789-_") == std::string_view::npos;
  if (!ok) {
    if (why != nullptr) {
      *why = fmt::format(
          "engine name '{}' cannot name a JetStream stream and its subjects: use letters, digits, "
          "'-' and '_' only",
          engine);
    }
    return std::nullopt;
  }
  const std::string e(engine);
  return StreamNames{e,
                     std::string(kStreamPrefix) + e,
                     "ose." + e + ".>",
                     "ose." + e + ".claim",
                     "ose." + e + ".journal",
                     "ose." + e + ".snap",
                     "ose." + e + ".manifest",
                     "ose-ctl." + e + ".writer"};
}

std::string status_path(std::string_view engine) {
  return fmt::format("/dev/shm/ose.{}.replication", engine);
}

std::string hex64(uint64_t v) {
  return fmt::format("{:016x}", v);
}

std::string journal_msg_id(const StreamNames& n, uint64_t genesis, uint64_t first_seq) {
  return fmt::format("{}:{:016x}:j:{}", n.engine, genesis, first_seq);
}
std::string chunk_msg_id(const StreamNames& n, uint64_t genesis, uint64_t snap_seq, uint32_t i) {
  return fmt::format("{}:{:016x}:s:{}:{}", n.engine, genesis, snap_seq, i);
}
std::string manifest_msg_id(const StreamNames& n, uint64_t genesis, uint64_t snap_seq) {
  return fmt::format("{}:{:016x}:m:{}", n.engine, genesis, snap_seq);
}
std::string claim_msg_id(const StreamNames& n, std::string_view writer) {
  return fmt::format("{}:claim:{}", n.engine, writer);
}

std::optional<std::string_view> RecordWalker::next() noexcept {
  JournalRecordHeader h;
  if (rest_.size() < sizeof h) return std::nullopt;
  std::memcpy(&h, rest_.data(), sizeof h);
  if (h.size < sizeof h || h.size > rest_.size()) return std::nullopt;
  const std::string_view rec = rest_.substr(0, h.size);
  rest_.remove_prefix(h.size);
  return rec;
}

}  // namespace ose::replication
