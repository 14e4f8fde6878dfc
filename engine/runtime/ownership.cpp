#include "engine/runtime/ownership.hpp"

#include <fmt/format.h>
#include <grp.h>
#include <pwd.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cerrno>
#include <charconv>
#include <cstdint>
#include <cstring>
#include <fstream>
#include <optional>
#include <string_view>
#include <system_error>
#include <vector>

#include "engine/layout/shared_layout.hpp"

namespace ose {

namespace {

std::optional<uint32_t> numeric_id(std::string_view text) {
  uint32_t id = 0;
  const auto [end, ec] = std::from_chars(text.data(), text.data() + text.size(), id);
  if (ec != std::errc{} || end != text.data() + text.size()) return std::nullopt;
  return id;
}

// Cold path at start, single-threaded: getpwnam/getgrnam's static buffers are fine here.
Result<uint32_t> resolve_user(const std::string& what, const std::string& user) {
  if (auto id = numeric_id(user)) return *id;
  const passwd* pw = ::getpwnam(user.c_str());
  if (pw == nullptr)
    return Error{fmt::format("{} = \"{}\": no such user on this host", what, user)};
  return static_cast<uint32_t>(pw->pw_uid);
}

Result<uint32_t> resolve_group(const std::string& what, const std::string& group) {
  if (auto id = numeric_id(group)) return *id;
  const ::group* gr = ::getgrnam(group.c_str());
  if (gr == nullptr) {
    return Error{fmt::format("{} = \"{}\": no such group on this host", what, group)};
  }
  return static_cast<uint32_t>(gr->gr_gid);
}

// CAP_CHOWN (capability 0) in this process's effective set, read from /proc/self/status.
bool has_cap_chown() {
  std::ifstream status("/proc/self/status");
  std::string line;
  while (std::getline(status, line)) {
    if (line.rfind("CapEff:", 0) != 0) continue;
    const uint64_t caps = std::stoull(line.substr(7), nullptr, 16);
    return (caps & 1u) != 0;
  }
  return ::geteuid() == 0;
}

bool in_my_groups(uint32_t gid) {
  if (static_cast<uint32_t>(::getegid()) == gid) return true;
  const int n = ::getgroups(0, nullptr);
  if (n <= 0) return false;
  std::vector<gid_t> groups(static_cast<size_t>(n));
  const int got = ::getgroups(n, groups.data());
  for (int i = 0; i < got; ++i) {
    if (static_cast<uint32_t>(groups[static_cast<size_t>(i)]) == gid) return true;
  }
  return false;
}

std::string me() {
  return fmt::format("this engine runs as uid {} gid {}", ::geteuid(), ::getegid());
}

// Fills `owner` from a config's user and group (named in messages as `where`.user and
// `where`.group, or `group_label` when given), refusing a grant this process cannot make.
Result<bool> plan_one(const std::string& where, const std::string& user, const std::string& group,
                      bool can_chown, shm::SegmentOwner& owner, std::string group_label = "") {
  if (group_label.empty()) group_label = where + ".group";
  if (!user.empty()) {
    auto uid = resolve_user(where + ".user", user);
    if (!uid) return Error{uid.error()};
    if (*uid != static_cast<uint32_t>(::geteuid()) && !can_chown) {
      return Error{fmt::format(
          "{}.user = \"{}\" (uid {}): {} and cannot give files to another user; run it as root "
          "or with CAP_CHOWN, or give the segment to a group the engine's user belongs to "
          "(`group`, mode 0o660) instead (docs/SECURITY.md)",
          where, user, *uid, me())};
    }
    owner.set_user = true;
    owner.user = *uid;
  }
  if (!group.empty()) {
    auto gid = resolve_group(group_label, group);
    if (!gid) return Error{gid.error()};
    if (!can_chown && !in_my_groups(*gid)) {
      return Error{fmt::format(
          "{} = \"{}\" (gid {}): {} and is not in that group, so cannot give files to "
          "it; add the engine's user to it (usermod -aG {} USER, then log in again) or grant "
          "CAP_CHOWN (docs/SECURITY.md)",
          group_label, group, *gid, me(), group)};
    }
    owner.set_group = true;
    owner.group = *gid;
  }
  return true;
}

}  // namespace

Result<shm::SegmentOwner> plan_state_owner(const std::string& label, const std::string& group) {
  shm::SegmentOwner owner;
  if (auto ok = plan_one("", "", group, has_cap_chown(), owner, label); !ok) {
    return Error{ok.error()};
  }
  return owner;
}

Result<SegmentOwnership> plan_ownership(const EngineConfig& config) {
  if (!config.engine_user.empty()) {
    auto uid = resolve_user("engine.engine_user", config.engine_user);
    if (!uid) return Error{uid.error()};
    if (*uid != static_cast<uint32_t>(::geteuid())) {
      return Error{fmt::format(
          "engine.engine_user = \"{}\" (uid {}), but {}: start it as that user (clients check "
          "the segments' owner against it, docs/SECURITY.md)",
          config.engine_user, *uid, me())};
    }
  }
  SegmentOwnership plan;
  const bool can_chown = has_cap_chown();
  auto state = plan_state_owner("engine.state_group", config.state_group);
  if (!state) return Error{state.error()};
  plan.state = *state;
  plan.clients.resize(config.clients.size());
  for (size_t i = 0; i < config.clients.size(); ++i) {
    const ClientSpec& cc = config.clients[i];
    if (auto ok = plan_one(fmt::format("clients '{}'", cc.name), cc.user, cc.group, can_chown,
                           plan.clients[i]);
        !ok) {
      return Error{ok.error()};
    }
  }
  return plan;
}

namespace {

// The name may be replaced by this engine when it is missing, or a file owned by this process's
// user or by `also` (the user a crashed engine of this config gave it to; else that user too).
Result<bool> check_name(const std::string& name, uint32_t also) {
  const std::string path = std::string(shm::kShmDir) + "/" + name;
  struct stat st {};
  if (::lstat(path.c_str(), &st) != 0) {
    if (errno == ENOENT) return true;
    return Error{fmt::format("cannot check {}: {}", path, std::strerror(errno))};
  }
  const auto uid = static_cast<uint32_t>(st.st_uid);
  const bool mine = uid == static_cast<uint32_t>(::geteuid()) || uid == also;
  if (!mine || !S_ISREG(st.st_mode)) {
    return Error{fmt::format(
        "{} is held by a file this engine did not create (owner uid {}, {}): someone may be "
        "squatting the name to catch its clients; find out who made it, remove it, and start "
        "again",
        path, uid, me())};
  }
  return true;
}

}  // namespace

Result<bool> check_no_squatters(const EngineConfig& config, const SegmentOwnership& ownership) {
  const auto self = static_cast<uint32_t>(::geteuid());
  if (auto ok = check_name(state_segment_name(config.name), self); !ok) return ok;
  for (size_t i = 0; i < config.clients.size(); ++i) {
    const shm::SegmentOwner& o = ownership.clients[i];
    const uint32_t given = o.set_user ? o.user : self;
    if (auto ok = check_name(client_segment_name(config.name, config.clients[i].name), given);
        !ok) {
      return ok;
    }
  }
  return true;
}

}  // namespace ose
