#include "replication/status_file.hpp"

#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cstdio>
#include <fstream>
#include <sstream>

namespace ose::replication {

bool write_status_file(const std::string& path, const std::string& text,
                       const shm::SegmentOwner& owner, uint32_t mode) {
  const std::string tmp = path + ".tmp";
  ::unlink(tmp.c_str());  // one a killed writer left; /dev/shm's sticky bit keeps others' files
  // 0600 until it has its group: nobody can open it wider in between.
  const int fd = ::open(tmp.c_str(), O_WRONLY | O_CREAT | O_EXCL | O_NOFOLLOW | O_CLOEXEC, 0600);
  if (fd < 0) return false;
  bool ok = true;
  if (owner.set_user || owner.set_group) {
    ok = ::fchown(fd, owner.set_user ? owner.user : static_cast<uid_t>(-1),
                  owner.set_group ? owner.group : static_cast<gid_t>(-1)) == 0;
  }
  ok = ok && ::fchmod(fd, mode) == 0;
  const char* p = text.data();
  size_t left = text.size();
  while (ok && left > 0) {
    const ssize_t n = ::write(fd, p, left);
    ok = n > 0;
    if (ok) {
      p += n;
      left -= static_cast<size_t>(n);
    }
  }
  ::close(fd);
  if (!ok || std::rename(tmp.c_str(), path.c_str()) != 0) {
    ::unlink(tmp.c_str());
    return false;
  }
  return true;
}

void remove_status_file_holding(const std::string& path, const std::string& mark) {
  std::ifstream in(path);
  std::stringstream text;
  text << in.rdbuf();
  if (text.str().find(mark) != std::string::npos) std::remove(path.c_str());
}

}  // namespace ose::replication
