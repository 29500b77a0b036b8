// Definitions of host_io.hpp: each follows the Rust std behaviour its comment names.
#include "host_io.hpp"

#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>
#include <limits>

#include "../wire/utf8.hpp"

namespace carton::fs::host {

namespace w = wire::fs;

bool valid_utf8(const void* p, std::size_t n) {
  return wire::detail::utf8_invalid_at(static_cast<const std::uint8_t*>(p), n) == n;
}

UniqueFd open_at(const Location& loc, int flags, mode_t mode) {
  UniqueFd fd(retry_eintr([&] { return ::openat(loc.dir.get(), loc.name.c_str(), flags | O_CLOEXEC | O_NOFOLLOW, mode); }));
  if (!fd) throw_errno(errno);
  return fd;
}

UniqueFd open_for_reading(const Location& loc, int extra) {
  UniqueFd fd = open_at(loc, O_RDONLY | O_NONBLOCK | extra);
  const int fl = ::fcntl(fd.get(), F_GETFL);
  if (fl >= 0) ::fcntl(fd.get(), F_SETFL, fl & ~O_NONBLOCK);
  return fd;
}

void refuse_root(const Location& loc, int err) {
  if (loc.is_root) throw_errno(err);
}

w::SystemTimeResult time_of(const struct statx_timestamp& t) {
  if (t.tv_sec < 0) {
    // serde's message for a SystemTime before the epoch (carton cannot send one).
    return w::SystemTimeErr{{IoErrorKind::Other, "SystemTime must be later than UNIX_EPOCH"}};
  }
  return w::SystemTimeOk{{static_cast<std::uint64_t>(t.tv_sec), t.tv_nsec}};
}

w::Metadata metadata_of(int dirfd, const char* name, int flags) {
  struct statx sx;
  if (::statx(dirfd, name, flags | AT_STATX_SYNC_AS_STAT, STATX_BASIC_STATS | STATX_BTIME, &sx) != 0) {
    throw_errno(errno);
  }
  w::Metadata m;
  m.accessed = time_of(sx.stx_atime);
  // Rust's created(): statx's birth time when the filesystem has one.
  m.created = (sx.stx_mask & STATX_BTIME)
                  ? time_of(sx.stx_btime)
                  : w::SystemTimeResult(w::SystemTimeErr{
                        {IoErrorKind::Unsupported, "creation time is not available for the filesystem"}});
  m.modified = time_of(sx.stx_mtime);
  m.file_type.is_dir = S_ISDIR(sx.stx_mode);
  m.file_type.is_file = S_ISREG(sx.stx_mode);
  m.file_type.is_symlink = S_ISLNK(sx.stx_mode);
  m.len = sx.stx_size;
  m.permissions.ro = (sx.stx_mode & 0222) == 0;  // Rust's readonly(): no write bit at all
  return m;
}

mode_t with_readonly(mode_t mode, bool ro) {
  mode &= 07777;
  return ro ? (mode & ~mode_t(0222)) : (mode | 0222);
}

void chmod_readonly(int fd, bool ro) {
  struct stat st;
  if (::fstat(fd, &st) != 0) throw_errno(errno);
  if (::fchmod(fd, with_readonly(st.st_mode, ro)) != 0) throw_errno(errno);
}

void write_all(int fd, const std::uint8_t* p, std::size_t n) {
  while (n > 0) {
    const ssize_t k = retry_eintr([&] { return ::write(fd, p, n); });
    if (k < 0) throw_errno(errno);
    if (k == 0) throw OpError(IoErrorKind::WriteZero, "failed to write whole buffer");
    p += k;
    n -= static_cast<std::size_t>(k);
  }
}

std::vector<std::uint8_t> read_all(int fd, std::uint64_t limit) {
  struct stat st;
  if (::fstat(fd, &st) != 0) throw_errno(errno);
  auto too_big = [&](std::uint64_t size) {
    return OpError(IoErrorKind::Other, "the file (" + std::to_string(size) +
                                           " bytes) does not fit in one frame (limit " + std::to_string(limit) +
                                           " bytes); read it with OpenFile and ReadBytes");
  };
  if (S_ISREG(st.st_mode) && static_cast<std::uint64_t>(st.st_size) > limit) throw too_big(st.st_size);
  std::vector<std::uint8_t> out;
  std::size_t have = 0;
  out.resize(S_ISREG(st.st_mode) ? static_cast<std::size_t>(st.st_size) + 1 : 8192);
  for (;;) {
    if (have == out.size()) {
      if (out.size() > limit) throw too_big(out.size());
      out.resize(out.size() * 2);
    }
    const ssize_t k = retry_eintr([&] { return ::read(fd, out.data() + have, out.size() - have); });
    if (k < 0) throw_errno(errno);
    if (k == 0) break;
    have += static_cast<std::size_t>(k);
  }
  if (have > limit) throw too_big(have);
  out.resize(have);
  return out;
}

std::uint64_t copy_data(int from, int to) {
  std::uint64_t total = 0;
  bool kernel_copy = true;
  std::vector<std::uint8_t> buf;
  for (;;) {
    if (kernel_copy) {
      const ssize_t k = retry_eintr([&] { return ::copy_file_range(from, nullptr, to, nullptr, std::size_t{1} << 30, 0); });
      if (k > 0) {
        total += static_cast<std::uint64_t>(k);
        continue;
      }
      if (k == 0) return total;
      if (errno != EXDEV && errno != ENOSYS && errno != EINVAL && errno != EOPNOTSUPP && errno != EPERM) {
        throw_errno(errno);
      }
      kernel_copy = false;  // fall back to read/write, as Rust's fs::copy does
      buf.resize(std::size_t{1} << 20);
    }
    const ssize_t k = retry_eintr([&] { return ::read(from, buf.data(), buf.size()); });
    if (k < 0) throw_errno(errno);
    if (k == 0) return total;
    write_all(to, buf.data(), static_cast<std::size_t>(k));
    total += static_cast<std::uint64_t>(k);
  }
}

void remove_tree(int parent, const std::string& name) {
  {
    UniqueFd fd(retry_eintr(
        [&] { return ::openat(parent, name.c_str(), O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC); }));
    if (!fd) throw_errno(errno);
    for_each_entry(std::move(fd), [&](int dfd, const std::string& child) {
      struct stat st;
      if (::fstatat(dfd, child.c_str(), &st, AT_SYMLINK_NOFOLLOW) != 0) throw_errno(errno);
      if (S_ISDIR(st.st_mode)) {
        remove_tree(dfd, child);
      } else if (::unlinkat(dfd, child.c_str(), 0) != 0) {
        throw_errno(errno);
      }
    });
  }
  if (::unlinkat(parent, name.c_str(), AT_REMOVEDIR) != 0) throw_errno(errno);
}

int open_flags(const w::OpenOptions& o) {
  int access;
  if (o.read && !o.write && !o.append) {
    access = O_RDONLY;
  } else if (!o.read && o.write && !o.append) {
    access = O_WRONLY;
  } else if (o.read && o.write && !o.append) {
    access = O_RDWR;
  } else if (!o.read && o.append) {
    access = O_WRONLY | O_APPEND;
  } else if (o.read && o.append) {
    access = O_RDWR | O_APPEND;
  } else {
    throw_errno(EINVAL);
  }
  if (!o.write && !o.append) {
    if (o.truncate || o.create || o.create_new) throw_errno(EINVAL);
  } else if (o.append && o.truncate && !o.create_new) {
    throw_errno(EINVAL);
  }
  int creation = 0;
  if (o.create_new) {
    creation = O_CREAT | O_EXCL;
  } else {
    if (o.create) creation |= O_CREAT;
    if (o.truncate) creation |= O_TRUNC;
  }
  return access | creation;
}

}  // namespace carton::fs::host
