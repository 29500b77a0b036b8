#include "directory_ops.hpp"

#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <cstring>
#include <limits>
#include <type_traits>
#include <unordered_map>
#include <utility>

#include "carton/fs/file_system.hpp"  // detail::IndexIn
#include "host_io.hpp"
#include "local_root.hpp"
#include "os_error.hpp"

namespace carton::fs {

namespace w = wire::fs;
using runtime::UniqueFd;
using Follow = LocalRoot::Follow;
using Location = LocalRoot::Location;
using namespace host;

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

}  // namespace

struct DirectoryOps::State {
  State(const std::string& root_, DirectoryServerOptions options_, std::uint64_t max_frame_bytes)
      : root(root_),
        options(options_),
        whole_file_limit(max_frame_bytes > kFrameOverhead ? max_frame_bytes - kFrameOverhead : 0) {}

  const LocalRoot root;
  const DirectoryServerOptions options;
  const std::uint64_t whole_file_limit;
  std::unordered_map<std::uint64_t, UniqueFd> files;
  std::uint64_t next_handle = 0;

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
  // The single-call operations on one entry: resolves `path` without following a final
  // symlink, refuses the root itself with `root_errno`, then call(dir_fd, name) < 0 throws.
  template <class F>
  void at_entry(const std::string& path, int root_errno, F&& call) {
    Location loc = root.resolve(path, Follow::kNo);
    refuse_root(loc, root_errno);
    if (call(loc.dir.get(), loc.name.c_str()) != 0) throw_errno(errno);
  }
  // The same for the two-entry operations (link, rename): call(dir, name, dir, name).
  template <class F>
  void between_entries(const std::string& from, int from_root_errno, const std::string& to, int to_root_errno,
                       F&& call) {
    Location a = root.resolve(from, Follow::kNo);
    Location b = root.resolve(to, Follow::kNo);
    refuse_root(a, from_root_errno);
    refuse_root(b, to_root_errno);
    if (call(a.dir.get(), a.name.c_str(), b.dir.get(), b.name.c_str()) != 0) throw_errno(errno);
  }

  w::CreateDirResponse op(const w::CreateDirRequest& r) {
    at_entry(r.path, EEXIST, [](int dir, const char* name) { return ::mkdirat(dir, name, 0777); });
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
    between_entries(r.src, EPERM, r.dst, EEXIST,
                    [](int d1, const char* n1, int d2, const char* n2) { return ::linkat(d1, n1, d2, n2, 0); });
    return {};
  }
  w::RemoveDirResponse op(const w::RemoveDirRequest& r) {
    at_entry(r.path, EBUSY, [](int dir, const char* name) { return ::unlinkat(dir, name, AT_REMOVEDIR); });
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
    at_entry(r.path, EISDIR, [](int dir, const char* name) { return ::unlinkat(dir, name, 0); });
    return {};
  }
  w::RenameResponse op(const w::RenameRequest& r) {
    between_entries(r.from, EBUSY, r.to, EBUSY,
                    [](int d1, const char* n1, int d2, const char* n2) { return ::renameat(d1, n1, d2, n2); });
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
    at_entry(r.dst, EEXIST, [&](int dir, const char* name) { return ::symlinkat(target.c_str(), dir, name); });
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

DirectoryOps::DirectoryOps(const std::string& root, Access access, DirectoryServerOptions options,
                           std::uint64_t max_frame_bytes)
    : access_(access), state_(std::make_unique<State>(root, options, max_frame_bytes)) {}

DirectoryOps::~DirectoryOps() = default;

const std::string& DirectoryOps::root() const { return state_->root.host_path(); }

w::Response DirectoryOps::handle(const w::Request& request) {
  const std::size_t index = request.index();
  const bool is_write = index >= kIndex<w::WriteDataRequest> && index <= kIndex<w::WriteRequest>;
  const bool is_seek = index == kIndex<w::SeekRequest>;
  if ((is_write && access_ == Access::kReadOnly) || (is_seek && !state_->options.allow_seek)) {
    const std::string name = std::visit([](const auto& r) { return method_name(type_name(r)); }, request);
    // carton's panic text, answered instead of panicking.
    return w::IoErrorResponse{{is_seek ? IoErrorKind::Unsupported : IoErrorKind::PermissionDenied,
                               "Tried calling " + name + " on a filesystem that does not support it"}};
  }
  try {
    std::lock_guard<std::mutex> lock(mu_);
    return std::visit([this](const auto& r) -> w::Response { return state_->op(r); }, request);
  } catch (const OpError& e) {
    return w::IoErrorResponse{{e.kind(), e.what()}};
  } catch (const std::bad_alloc&) {
    return w::IoErrorResponse{{IoErrorKind::OutOfMemory, "memory allocation failed"}};
  } catch (const std::exception& e) {
    return w::IoErrorResponse{{IoErrorKind::Other, e.what()}};
  }
}

}  // namespace carton::fs
