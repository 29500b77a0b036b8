#include "local_root.hpp"

#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cerrno>
#include <climits>
#include <cstdlib>
#include <deque>
#include <system_error>

#include "os_error.hpp"

namespace carton::fs {

namespace {

// Linux's own limit on symlinks followed in one resolution (MAXSYMLINKS).
constexpr int kMaxSymlinks = 40;

std::vector<std::string> split(const std::string& path) {
  std::vector<std::string> out;
  std::size_t start = 0;
  while (start <= path.size()) {
    std::size_t end = path.find('/', start);
    if (end == std::string::npos) end = path.size();
    if (end > start) out.push_back(path.substr(start, end - start));
    start = end + 1;
  }
  return out;
}

// Lexical clean of segments: drops "." and "", applies "..". Returns false if a ".."
// had nothing to remove.
bool clean_segments(const std::vector<std::string>& in, std::vector<std::string>& out) {
  for (const auto& s : in) {
    if (s.empty() || s == ".") continue;
    if (s == "..") {
      if (out.empty()) return false;
      out.pop_back();
      continue;
    }
    out.push_back(s);
  }
  return true;
}

OpError outside(const std::string& path) {
  return OpError(IoErrorKind::PermissionDenied, "Path (" + path + ") is not within the served directory");
}

OpError link_outside(const std::string& path) {
  return OpError(IoErrorKind::PermissionDenied,
                 "Path (" + path + ") leads through a symlink to a place outside the served directory");
}

void check_no_nul(const std::string& path) {
  if (path.find('\0') != std::string::npos) {
    // Rust's message for a path with an interior NUL.
    throw OpError(IoErrorKind::InvalidInput, "file name contained an unexpected NUL byte");
  }
}

runtime::UniqueFd dup_fd(int fd) {
  runtime::UniqueFd d(::fcntl(fd, F_DUPFD_CLOEXEC, 0));
  if (!d) throw_errno(errno);
  return d;
}

std::string read_link_fd(int fd) {
  std::string buf(256, '\0');
  for (;;) {
    const ssize_t n = ::readlinkat(fd, "", buf.data(), buf.size());
    if (n < 0) throw_errno(errno);
    if (static_cast<std::size_t>(n) < buf.size()) {
      buf.resize(static_cast<std::size_t>(n));
      return buf;
    }
    buf.resize(buf.size() * 2);
  }
}

}  // namespace

std::string join_path(const std::vector<std::string>& segments) {
  std::string s;
  for (const auto& seg : segments) {
    if (!s.empty()) s += '/';
    s += seg;
  }
  return s;
}

std::string LocalRoot::Location::relative() const {
  if (is_root) return {};
  std::string s = join_path(parent);
  if (!s.empty()) s += '/';
  return s + name;
}

LocalRoot::LocalRoot(const std::string& root) {
  std::string absolute = root;
  if (absolute.empty() || absolute[0] != '/') {
    char cwd[PATH_MAX];
    if (!::getcwd(cwd, sizeof cwd)) throw std::system_error(errno, std::generic_category(), "getcwd");
    absolute = std::string(cwd) + "/" + root;
  }
  std::vector<std::string> segs;
  clean_segments(split(absolute), segs);  // ".." above "/" stays at "/"
  given_segments_ = segs;
  root_given_ = "/" + join_path(segs);

  root_fd_.reset(::open(root_given_.c_str(), O_PATH | O_DIRECTORY | O_CLOEXEC));
  if (!root_fd_) {
    throw std::system_error(errno, std::generic_category(), "carton::fs: cannot serve " + root_given_);
  }
  if (char* real = ::realpath(root_given_.c_str(), nullptr)) {
    clean_segments(split(real), real_segments_);
    std::free(real);
    if (real_segments_ == given_segments_) real_segments_.clear();
  }
}

std::vector<std::string> LocalRoot::clean(const std::string& path) const {
  check_no_nul(path);
  std::vector<std::string> out;
  if (!clean_segments(split(path), out)) throw outside(path);
  return out;
}

std::optional<std::vector<std::string>> LocalRoot::under_root(const std::string& absolute) const {
  std::vector<std::string> segs;
  clean_segments(split(absolute), segs);
  for (const auto* base : {&given_segments_, &real_segments_}) {
    if (base->empty() && base == &real_segments_) continue;
    if (segs.size() >= base->size() && std::equal(base->begin(), base->end(), segs.begin())) {
      return std::vector<std::string>(segs.begin() + static_cast<std::ptrdiff_t>(base->size()), segs.end());
    }
  }
  return std::nullopt;
}

LocalRoot::Location LocalRoot::resolve(const std::string& path, Follow follow) const {
  std::deque<std::string> todo;
  for (auto& s : clean(path)) todo.push_back(std::move(s));

  std::vector<runtime::UniqueFd> dirs;  // dirs[i] is the directory of names[0..i)
  dirs.push_back(dup_fd(root_fd_.get()));
  std::vector<std::string> names;
  int links = 0;

  auto at = [&](std::string name) {
    Location loc;
    loc.dir = std::move(dirs.back());
    loc.name = std::move(name);
    loc.parent = names;
    return loc;
  };

  while (!todo.empty()) {
    std::string c = std::move(todo.front());
    todo.pop_front();
    if (c.empty() || c == ".") continue;
    if (c == "..") {  // only from a link target: request paths are clean
      if (names.empty()) throw link_outside(path);
      names.pop_back();
      dirs.pop_back();
      continue;
    }
    const bool last = todo.empty();
    if (last && follow == Follow::kNo) return at(std::move(c));

    runtime::UniqueFd fd(::openat(dirs.back().get(), c.c_str(), O_PATH | O_NOFOLLOW | O_CLOEXEC));
    if (!fd) {
      const int err = errno;
      if (err == ENOENT && last) return at(std::move(c));
      throw_errno(err);
    }
    struct stat st;
    if (::fstat(fd.get(), &st) != 0) throw_errno(errno);
    if (S_ISLNK(st.st_mode)) {
      if (++links > kMaxSymlinks) throw_errno(ELOOP);
      const std::string target = read_link_fd(fd.get());
      std::vector<std::string> next;
      if (!target.empty() && target[0] == '/') {
        auto inside = under_root(target);
        if (!inside) throw link_outside(path);
        next = std::move(*inside);
        names.clear();
        dirs.resize(1);
      } else {
        next = split(target);
      }
      todo.insert(todo.begin(), next.begin(), next.end());
      continue;
    }
    if (last) return at(std::move(c));
    if (!S_ISDIR(st.st_mode)) throw_errno(ENOTDIR);
    dirs.push_back(std::move(fd));
    names.push_back(std::move(c));
  }

  // Everything consumed: the path is the directory dirs.back() itself.
  if (names.empty()) {
    Location loc;
    loc.dir = std::move(dirs.back());
    loc.name = ".";
    loc.is_root = true;
    return loc;
  }
  std::string name = std::move(names.back());
  names.pop_back();
  dirs.pop_back();
  return at(std::move(name));
}

std::string LocalRoot::target_relative_to_root(const std::string& target, const std::vector<std::string>& link_parent,
                                               const std::string& request_path) const {
  if (!target.empty() && target[0] == '/') {
    auto inside = under_root(target);
    if (!inside) throw link_outside(request_path);
    return join_path(*inside);
  }
  std::vector<std::string> segs = link_parent;
  for (auto& s : split(target)) segs.push_back(std::move(s));
  std::vector<std::string> out;
  if (!clean_segments(segs, out)) throw link_outside(request_path);
  return join_path(out);
}

std::string LocalRoot::host_path_of(const std::string& path) const {
  const std::string rel = join_path(clean(path));
  if (rel.empty()) return root_given_;
  return root_given_ == "/" ? "/" + rel : root_given_ + "/" + rel;
}

}  // namespace carton::fs
