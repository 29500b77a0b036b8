#include "carton/fs/directory_server.hpp"

#include <dirent.h>
#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <condition_variable>
#include <cstring>
#include <deque>
#include <limits>
#include <mutex>
#include <stdexcept>
#include <thread>
#include <type_traits>
#include <unordered_map>
#include <utility>

#include "../wire/utf8.hpp"
#include "carton/fs/file_system.hpp"  // detail::IndexIn
#include "carton/wire/fs_codec.hpp"
#include "fs_log.hpp"
#include "local_root.hpp"
#include "os_error.hpp"

namespace carton::fs {

namespace w = wire::fs;
using runtime::UniqueFd;
using Follow = LocalRoot::Follow;
using Location = LocalRoot::Location;

namespace {

template <class T>
constexpr std::size_t kIndex = detail::IndexIn<T, w::Request>::value;

// Room for the frame around a whole-file answer: stream, rpc_id, tag, length.
constexpr std::uint64_t kFrameOverhead = 64;

// "WriteDataRequest" -> "write_data": the method name carton's panic message uses.
std::string method_name(const char* type) {
  std::string s(type);
  if (s.size() > 7 && s.compare(s.size() - 7, 7, "Request") == 0) s.resize(s.size() - 7);
  std::string out;
  for (char c : s) {
    if (c >= 'A' && c <= 'Z') {
      if (!out.empty()) out += '_';
      out += static_cast<char>(c - 'A' + 'a');
    } else {
      out += c;
    }
  }
  return out;
}

bool valid_utf8(const void* p, std::size_t n) {
  return wire::detail::utf8_invalid_at(static_cast<const std::uint8_t*>(p), n) == n;
}

template <class F>
auto retry_eintr(F f) {
  for (;;) {
    auto r = f();
    if (r >= 0 || errno != EINTR) return r;
  }
}

UniqueFd open_at(const Location& loc, int flags, mode_t mode = 0) {
  UniqueFd fd(retry_eintr([&] { return ::openat(loc.dir.get(), loc.name.c_str(), flags | O_CLOEXEC | O_NOFOLLOW, mode); }));
  if (!fd) throw_errno(errno);
  return fd;
}

// Opens for reading without hanging on a FIFO, then restores blocking reads.
UniqueFd open_for_reading(const Location& loc, int extra = 0) {
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

// Rust's Permissions::set_readonly on Unix: true clears every write bit, false sets them
// all (0o222), which is what carton's set_permissions does.
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

// Reads to end of file, refusing to grow past `limit` bytes.
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

// Rust's OpenOptions -> open(2) flags (library/std/src/sys/unix/fs.rs).
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

}  // namespace

struct DirectoryServer::Impl {
  Impl(std::shared_ptr<Multiplexer> mux_, wire::StreamId stream_, const std::string& root_, Access access_,
       DirectoryServerOptions options_)
      : mux(std::move(mux_)), stream(stream_), access(access_), options(options_), root(root_) {
    const std::uint64_t frame = mux->options().limits.max_frame_bytes;
    whole_file_limit = frame > kFrameOverhead ? frame - kFrameOverhead : 0;
  }

  const std::shared_ptr<Multiplexer> mux;
  const wire::StreamId stream;
  const Access access;
  const DirectoryServerOptions options;
  const LocalRoot root;
  std::uint64_t whole_file_limit;

  // Guarded by ops_mu (the worker, or a direct handle() call).
  std::mutex ops_mu;
  std::unordered_map<std::uint64_t, UniqueFd> files;
  std::uint64_t next_handle = 0;

  // The worker's queue.
  std::mutex mu;
  std::condition_variable cv;
  std::deque<std::pair<std::uint64_t, w::Request>> queue;
  bool stopping = false;
  std::thread worker;

  void run();
  w::Response handle(const w::Request& request);

  int file(w::FileHandle h) {
    auto it = files.find(h.value);
    if (it == files.end()) throw_errno(EBADF);  // carton panics; an answer is kinder
    return it->second.get();
  }
  w::FileHandle add(UniqueFd fd) {
    const std::uint64_t h = next_handle++;  // counted only on success, from 0
    files.emplace(h, std::move(fd));
    return w::FileHandle{h};
  }

  // One overload per operation.
  w::ReadBytesResponse op(const w::ReadBytesRequest& r) {
    const int fd = file(r.handle);
    const std::size_t n = static_cast<std::size_t>(std::min<std::uint64_t>(r.max_num_bytes, options.max_read_bytes));
    if (n == 0) return {};
    std::shared_ptr<std::uint8_t[]> buf(new std::uint8_t[n]);
    const ssize_t k = retry_eintr([&] { return ::read(fd, buf.get(), n); });
    if (k < 0) throw_errno(errno);
    std::uint8_t* p = buf.get();
    return {wire::Bytes(std::shared_ptr<const void>(std::move(buf), p), p, static_cast<std::size_t>(k))};
  }
  w::FileMetadataResponse op(const w::FileMetadataRequest& r) {
    return {metadata_of(file(r.handle), "", AT_EMPTY_PATH)};
  }
  w::FileTryCloneResponse op(const w::FileTryCloneRequest& r) {
    UniqueFd dup(::fcntl(file(r.handle), F_DUPFD_CLOEXEC, 0));
    if (!dup) throw_errno(errno);
    return {add(std::move(dup))};
  }
  w::OpenFileResponse op(const w::OpenFileRequest& r) {
    return {add(open_for_reading(root.resolve(r.path, Follow::kYes)))};
  }
  w::CanonicalizeResponse op(const w::CanonicalizeRequest& r) {
    Location loc = root.resolve(r.path, Follow::kYes);
    struct stat st;
    if (!loc.is_root && ::fstatat(loc.dir.get(), loc.name.c_str(), &st, AT_SYMLINK_NOFOLLOW) != 0) throw_errno(errno);
    return {loc.relative()};
  }
  w::MetadataResponse op(const w::MetadataRequest& r) {
    Location loc = root.resolve(r.path, Follow::kYes);
    return {metadata_of(loc.dir.get(), loc.name.c_str(), AT_SYMLINK_NOFOLLOW)};
  }
  w::ReadResponse op(const w::ReadRequest& r) {
    UniqueFd fd = open_for_reading(root.resolve(r.path, Follow::kYes));
    return {wire::Bytes::adopt(read_all(fd.get(), whole_file_limit))};
  }
  w::ReadDirWrapperResponse op(const w::ReadDirWrapperRequest& r) {
    const std::string prefix = join_path(root.clean(r.path));  // entry paths as requested
    UniqueFd fd = open_for_reading(root.resolve(r.path, Follow::kYes), O_DIRECTORY);
    w::ReadDirWrapperResponse out;
    for_each_entry(std::move(fd), [&](int, std::string name) {
      if (!valid_utf8(name.data(), name.size())) {
        // carton panics on such a name; a String on the wire must be UTF-8.
        throw OpError(IoErrorKind::InvalidData, "a directory entry's name is not valid UTF-8");
      }
      std::string path = prefix.empty() ? name : prefix + "/" + name;
      out.res.push_back(w::DirEntry{std::move(name), std::move(path)});
    });
    return out;
  }
  w::ReadLinkResponse op(const w::ReadLinkRequest& r) {
    Location loc = root.resolve(r.path, Follow::kNo);
    if (loc.is_root) throw_errno(EINVAL);
    std::string buf(256, '\0');
    for (;;) {
      const ssize_t n = ::readlinkat(loc.dir.get(), loc.name.c_str(), buf.data(), buf.size());
      if (n < 0) throw_errno(errno);
      if (static_cast<std::size_t>(n) < buf.size()) {
        buf.resize(static_cast<std::size_t>(n));
        break;
      }
      buf.resize(buf.size() * 2);
    }
    return {root.target_relative_to_root(buf, loc.parent, r.path)};
  }
  w::ReadToStringResponse op(const w::ReadToStringRequest& r) {
    UniqueFd fd = open_for_reading(root.resolve(r.path, Follow::kYes));
    std::vector<std::uint8_t> data = read_all(fd.get(), whole_file_limit);
    if (!valid_utf8(data.data(), data.size())) {
      throw OpError(IoErrorKind::InvalidData, "stream did not contain valid UTF-8");  // Rust's text
    }
    return {std::string(data.begin(), data.end())};
  }
  w::SymlinkMetadataResponse op(const w::SymlinkMetadataRequest& r) {
    Location loc = root.resolve(r.path, Follow::kNo);
    return {metadata_of(loc.dir.get(), loc.name.c_str(), AT_SYMLINK_NOFOLLOW)};
  }
  w::WriteDataResponse op(const w::WriteDataRequest& r) {
    const int fd = file(r.handle);
    const ssize_t k = retry_eintr([&] { return ::write(fd, r.buf.data(), r.buf.size()); });
    if (k < 0) throw_errno(errno);
    return {static_cast<std::uint64_t>(k)};
  }
  w::WriteFlushResponse op(const w::WriteFlushRequest& r) {
    file(r.handle);  // writes are unbuffered here
    return {};
  }
  w::WriteShutdownResponse op(const w::WriteShutdownRequest& r) {
    file(r.handle);  // a file's shutdown is a flush
    return {};
  }
  w::FileSyncAllResponse op(const w::FileSyncAllRequest& r) {
    if (retry_eintr([&] { return ::fsync(file(r.handle)); }) != 0) throw_errno(errno);
    return {};
  }
  w::FileSyncDataResponse op(const w::FileSyncDataRequest& r) {
    if (retry_eintr([&] { return ::fdatasync(file(r.handle)); }) != 0) throw_errno(errno);
    return {};
  }
  w::FileSetLenResponse op(const w::FileSetLenRequest& r) {
    if (r.size > static_cast<std::uint64_t>(std::numeric_limits<off_t>::max())) throw_errno(EINVAL);
    if (retry_eintr([&] { return ::ftruncate(file(r.handle), static_cast<off_t>(r.size)); }) != 0) throw_errno(errno);
    return {};
  }
  w::FileSetPermissionsResponse op(const w::FileSetPermissionsRequest& r) {
    chmod_readonly(file(r.handle), r.perm.ro);
    return {};
  }
  w::CreateFileResponse op(const w::CreateFileRequest& r) {
    return {add(open_at(root.resolve(r.path, Follow::kYes), O_WRONLY | O_CREAT | O_TRUNC, 0666))};
  }
  w::OpenFileWithOptsResponse op(const w::OpenFileWithOptsRequest& r) {
    const int flags = open_flags(r.opts);
    // create_new must not follow a dangling link to create its target (O_EXCL fails).
    Location loc = root.resolve(r.path, r.opts.create_new ? Follow::kNo : Follow::kYes);
    if ((flags & O_ACCMODE) == O_RDONLY) return {add(open_for_reading(loc, flags & ~O_ACCMODE))};
    return {add(open_at(loc, flags, 0666))};
  }
  w::CopyResponse op(const w::CopyRequest& r) {
    UniqueFd from = open_for_reading(root.resolve(r.from, Follow::kYes));
    struct stat st;
    if (::fstat(from.get(), &st) != 0) throw_errno(errno);
    if (!S_ISREG(st.st_mode)) {
      throw OpError(IoErrorKind::InvalidInput, "the source path is neither a regular file nor a symlink to a regular file");
    }
    UniqueFd to = open_at(root.resolve(r.to, Follow::kYes), O_WRONLY | O_CREAT | O_TRUNC, st.st_mode & 07777);
    if (::fchmod(to.get(), st.st_mode & 07777) != 0) throw_errno(errno);
    return {copy_data(from.get(), to.get())};
  }
  w::CreateDirResponse op(const w::CreateDirRequest& r) {
    Location loc = root.resolve(r.path, Follow::kNo);
    refuse_root(loc, EEXIST);
    if (::mkdirat(loc.dir.get(), loc.name.c_str(), 0777) != 0) throw_errno(errno);
    return {};
  }
  w::CreateDirAllResponse op(const w::CreateDirAllRequest& r) {
    const std::vector<std::string> segs = root.clean(r.path);
    std::vector<std::string> prefix;
    for (const auto& s : segs) {
      prefix.push_back(s);
      const std::string p = join_path(prefix);
      Location loc = root.resolve(p, Follow::kNo);
      if (::mkdirat(loc.dir.get(), loc.name.c_str(), 0777) == 0) continue;
      const int err = errno;
      if (err != EEXIST) throw_errno(err);
      Location target = root.resolve(p, Follow::kYes);  // an existing directory, or a link to one
      struct stat st;
      if (::fstatat(target.dir.get(), target.name.c_str(), &st, AT_SYMLINK_NOFOLLOW) != 0 || !S_ISDIR(st.st_mode)) {
        throw_errno(err);
      }
    }
    return {};
  }
  w::HardLinkResponse op(const w::HardLinkRequest& r) {
    Location src = root.resolve(r.src, Follow::kNo);
    Location dst = root.resolve(r.dst, Follow::kNo);
    refuse_root(src, EPERM);
    refuse_root(dst, EEXIST);
    if (::linkat(src.dir.get(), src.name.c_str(), dst.dir.get(), dst.name.c_str(), 0) != 0) throw_errno(errno);
    return {};
  }
  w::RemoveDirResponse op(const w::RemoveDirRequest& r) {
    Location loc = root.resolve(r.path, Follow::kNo);
    refuse_root(loc, EBUSY);
    if (::unlinkat(loc.dir.get(), loc.name.c_str(), AT_REMOVEDIR) != 0) throw_errno(errno);
    return {};
  }
  w::RemoveDirAllResponse op(const w::RemoveDirAllRequest& r) {
    Location loc = root.resolve(r.path, Follow::kNo);
    refuse_root(loc, EBUSY);
    struct stat st;
    if (::fstatat(loc.dir.get(), loc.name.c_str(), &st, AT_SYMLINK_NOFOLLOW) != 0) throw_errno(errno);
    if (S_ISLNK(st.st_mode)) {
      if (::unlinkat(loc.dir.get(), loc.name.c_str(), 0) != 0) throw_errno(errno);
    } else {
      remove_tree(loc.dir.get(), loc.name);
    }
    return {};
  }
  w::RemoveFileResponse op(const w::RemoveFileRequest& r) {
    Location loc = root.resolve(r.path, Follow::kNo);
    refuse_root(loc, EISDIR);
    if (::unlinkat(loc.dir.get(), loc.name.c_str(), 0) != 0) throw_errno(errno);
    return {};
  }
  w::RenameResponse op(const w::RenameRequest& r) {
    Location from = root.resolve(r.from, Follow::kNo);
    Location to = root.resolve(r.to, Follow::kNo);
    refuse_root(from, EBUSY);
    refuse_root(to, EBUSY);
    if (::renameat(from.dir.get(), from.name.c_str(), to.dir.get(), to.name.c_str()) != 0) throw_errno(errno);
    return {};
  }
  w::SetPermissionsResponse op(const w::SetPermissionsRequest& r) {
    // carton opens the file and sets the readonly bit on it; so do we (which also keeps
    // chmod from following a link swapped in after resolution).
    UniqueFd fd = open_for_reading(root.resolve(r.path, Follow::kYes));
    chmod_readonly(fd.get(), r.perm.ro);
    return {};
  }
  w::SymlinkResponse op(const w::SymlinkRequest& r) {
    const std::string target = root.host_path_of(r.src);  // refuses a src above the root
    Location dst = root.resolve(r.dst, Follow::kNo);
    refuse_root(dst, EEXIST);
    if (::symlinkat(target.c_str(), dst.dir.get(), dst.name.c_str()) != 0) throw_errno(errno);
    return {};
  }
  w::WriteResponse op(const w::WriteRequest& r) {
    UniqueFd fd = open_at(root.resolve(r.path, Follow::kYes), O_WRONLY | O_CREAT | O_TRUNC, 0666);
    write_all(fd.get(), r.contents.data(), r.contents.size());
    return {};
  }
  w::SeekResponse op(const w::SeekRequest& r) {
    const int fd = file(r.handle);
    off_t off;
    int whence;
    if (const auto* s = std::get_if<w::SeekStart>(&r.pos)) {
      if (s->offset > static_cast<std::uint64_t>(std::numeric_limits<off_t>::max())) throw_errno(EINVAL);
      off = static_cast<off_t>(s->offset);
      whence = SEEK_SET;
    } else if (const auto* e = std::get_if<w::SeekEnd>(&r.pos)) {
      off = e->offset;
      whence = SEEK_END;
    } else {
      off = std::get<w::SeekCurrent>(r.pos).offset;
      whence = SEEK_CUR;
    }
    const off_t pos = ::lseek(fd, off, whence);
    if (pos < 0) throw_errno(errno);
    return {static_cast<std::uint64_t>(pos)};
  }
};

w::Response DirectoryServer::Impl::handle(const w::Request& request) {
  const std::size_t index = request.index();
  const bool is_write = index >= kIndex<w::WriteDataRequest> && index <= kIndex<w::WriteRequest>;
  const bool is_seek = index == kIndex<w::SeekRequest>;
  if ((is_write && access == Access::kReadOnly) || (is_seek && !options.allow_seek)) {
    const std::string name = std::visit([](const auto& r) { return method_name(type_name(r)); }, request);
    // carton's panic text, answered instead of panicking.
    return w::IoErrorResponse{{is_seek ? IoErrorKind::Unsupported : IoErrorKind::PermissionDenied,
                               "Tried calling " + name + " on a filesystem that does not support it"}};
  }
  try {
    std::lock_guard<std::mutex> lock(ops_mu);
    return std::visit([this](const auto& r) -> w::Response { return op(r); }, request);
  } catch (const OpError& e) {
    return w::IoErrorResponse{{e.kind(), e.what()}};
  } catch (const std::bad_alloc&) {
    return w::IoErrorResponse{{IoErrorKind::OutOfMemory, "memory allocation failed"}};
  } catch (const std::exception& e) {
    return w::IoErrorResponse{{IoErrorKind::Other, e.what()}};
  }
}

void DirectoryServer::Impl::run() {
  for (;;) {
    std::pair<std::uint64_t, w::Request> item;
    {
      std::unique_lock<std::mutex> lock(mu);
      cv.wait(lock, [&] { return stopping || !queue.empty(); });
      if (stopping) return;
      item = std::move(queue.front());
      queue.pop_front();
    }
    w::Response response = handle(item.second);
    try {
      mux->send(w::FsResponseFrame{stream, item.first, std::move(response)});
    } catch (const std::exception& e) {
      CARTON_FS_LOG(error) << "stream " << stream.value << ", rpc_id " << item.first
                           << ": could not encode the answer: " << e.what();
      mux->send(w::FsResponseFrame{stream, item.first,
                                   w::IoErrorResponse{{IoErrorKind::Other, std::string("could not encode the answer: ") +
                                                                               e.what()}}});
    }
  }
}

// ---- DirectoryServer ---------------------------------------------------------------

std::shared_ptr<DirectoryServer> DirectoryServer::serve(std::shared_ptr<Multiplexer> mux, wire::StreamId stream,
                                                        const std::string& root, Access access,
                                                        DirectoryServerOptions options) {
  if (!mux) throw std::invalid_argument("carton::fs::DirectoryServer::serve: no multiplexer");
  auto server = std::make_shared<DirectoryServer>(Key{}, mux, stream, root, access, options);
  if (!mux->attach(stream, std::weak_ptr<RequestEndpoint>(server))) {
    CARTON_FS_LOG(warning) << "serving " << root << " on stream " << stream.value
                           << " of a closed channel: " << mux->close_reason();
  }
  return server;
}

DirectoryServer::DirectoryServer(Key, std::shared_ptr<Multiplexer> mux, wire::StreamId stream, const std::string& root,
                                 Access access, DirectoryServerOptions options)
    : impl_(std::make_unique<Impl>(std::move(mux), stream, root, access, options)) {
  Impl* impl = impl_.get();
  impl_->worker = std::thread([impl] { impl->run(); });
}

DirectoryServer::~DirectoryServer() {
  impl_->mux->detach(impl_->stream, static_cast<const RequestEndpoint*>(this));
  {
    std::lock_guard<std::mutex> lock(impl_->mu);
    impl_->stopping = true;
  }
  impl_->cv.notify_all();
  // Never runs on the worker: it holds no reference to the server.
  if (impl_->worker.joinable()) impl_->worker.join();
}

wire::StreamId DirectoryServer::stream() const { return impl_->stream; }
Access DirectoryServer::access() const { return impl_->access; }
const std::string& DirectoryServer::root() const { return impl_->root.host_path(); }

w::Response DirectoryServer::handle(const w::Request& request) { return impl_->handle(request); }

void DirectoryServer::on_request(std::uint64_t rpc_id, w::Request request) {
  {
    std::lock_guard<std::mutex> lock(impl_->mu);
    if (impl_->stopping) return;
    impl_->queue.emplace_back(rpc_id, std::move(request));
  }
  impl_->cv.notify_one();
}

void DirectoryServer::on_channel_closed(const std::string&) {
  {
    std::lock_guard<std::mutex> lock(impl_->mu);
    impl_->stopping = true;
    impl_->queue.clear();
  }
  impl_->cv.notify_all();
}

}  // namespace carton::fs
