// host_io: the POSIX calls behind the directory server's operations, each with the
// behaviour of the Rust std function carton's server calls (private to carton_fs).
// Everything that fails throws OpError (os_error.hpp) with Rust's kind and text.
#pragma once

#include <dirent.h>
#include <sys/stat.h>

#include <cerrno>
#include <cstdint>
#include <memory>
#include <string>
#include <vector>

#include "carton/runtime/unique_fd.hpp"
#include "carton/wire/fs_types.hpp"
#include "local_root.hpp"
#include "os_error.hpp"

namespace carton::fs::host {

using runtime::UniqueFd;
using Location = LocalRoot::Location;

template <class F>
auto retry_eintr(F f) {
  for (;;) {
    auto r = f();
    if (r >= 0 || errno != EINTR) return r;
  }
}

bool valid_utf8(const void* p, std::size_t n);

// openat of loc with O_CLOEXEC | O_NOFOLLOW added.
UniqueFd open_at(const Location& loc, int flags, mode_t mode = 0);
// Opens for reading without hanging on a FIFO, then restores blocking reads.
UniqueFd open_for_reading(const Location& loc, int extra = 0);
// Throws `err` when loc is the served root itself (which may not be removed or renamed).
void refuse_root(const Location& loc, int err);

wire::fs::SystemTimeResult time_of(const struct statx_timestamp& t);
// statx of name in dirfd (flags: AT_EMPTY_PATH, AT_SYMLINK_NOFOLLOW) as carton's Metadata.
wire::fs::Metadata metadata_of(int dirfd, const char* name, int flags);

// Rust's Permissions::set_readonly on Unix: true clears every write bit, false sets them
// all (0o222), which is what carton's set_permissions does.
mode_t with_readonly(mode_t mode, bool ro);
void chmod_readonly(int fd, bool ro);

// Rust's write_all: WriteZero when write(2) makes no progress.
void write_all(int fd, const std::uint8_t* p, std::size_t n);
// Reads to end of file, refusing to grow past `limit` bytes.
std::vector<std::uint8_t> read_all(int fd, std::uint64_t limit);
// Rust's fs::copy data path: copy_file_range, falling back to read/write.
std::uint64_t copy_data(int from, int to);

// Calls f(dir_fd, name) for each entry of the open directory `fd` but "." and "..";
// throws the errno of a failed read. The DIR takes over `fd` and closes it.
template <class F>
void for_each_entry(UniqueFd fd, F&& f) {
  std::unique_ptr<DIR, int (*)(DIR*)> dir(::fdopendir(fd.get()), &::closedir);
  if (!dir) throw_errno(errno);
  fd.release();
  const int dfd = ::dirfd(dir.get());
  for (;;) {
    errno = 0;
    const struct dirent* e = ::readdir(dir.get());
    if (!e) {
      if (errno != 0) throw_errno(errno);
      return;
    }
    std::string name = e->d_name;
    if (name != "." && name != "..") f(dfd, std::move(name));
  }
}

// Deletes the directory `name` in `parent` and everything under it, never following a
// symlink (Rust's remove_dir_all).
void remove_tree(int parent, const std::string& name);

// Rust's OpenOptions -> open(2) flags (library/std/src/sys/unix/fs.rs).
int open_flags(const wire::fs::OpenOptions& o);

}  // namespace carton::fs::host
