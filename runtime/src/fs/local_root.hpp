// LocalRoot: a host directory with every path confined to it (private to carton_fs).
//
// Paths are resolved the way carton's server (lunchbox LocalFS) reads them, but without
// ever leaving the root:
//   1. the request path is cleaned lexically: a leading `/` and empty or `.` segments
//      are dropped, `..` removes the previous segment (carton: RelativePath::to_path +
//      path_clean); a `..` with nothing left to remove climbs above the root: refused;
//   2. the segments are walked from an fd of the root with openat(O_PATH | O_NOFOLLOW).
//      A symlink on the way is read and its target resolved by hand: a relative target
//      from the link's directory (a `..` above the root: refused), an absolute one only
//      if it lies under the root's host path (carton's Symlink writes absolute host
//      paths), and then from the root. Anything else is refused, never followed.
// The result is a directory fd plus a final name, which the operation uses with *at()
// calls and O_NOFOLLOW / AT_SYMLINK_NOFOLLOW.
#pragma once

#include <optional>
#include <string>
#include <vector>

#include "carton/runtime/unique_fd.hpp"

namespace carton::fs {

class LocalRoot {
 public:
  // Throws std::system_error if `root` is not an openable directory.
  explicit LocalRoot(const std::string& root);

  enum class Follow {
    kNo,   // the final component itself (lstat, unlink, readlink, create a link, ...)
    kYes,  // a final symlink is resolved too (open, stat, ...)
  };

  struct Location {
    runtime::UniqueFd dir;            // the directory holding `name` (O_PATH)
    std::string name;                 // the final component; "." for the root itself
    std::vector<std::string> parent;  // the directory's components from the root
    bool is_root = false;

    // The location as a root-relative path ("" for the root).
    std::string relative() const;
  };

  // Resolves a request path. Throws OpError: PermissionDenied for anything leading out
  // of the root; the errno's kind for a missing or unusable intermediate component. With
  // kYes, a missing final component (also one a symlink points at) is not an error: the
  // Location names where it would be created.
  Location resolve(const std::string& path, Follow follow) const;

  // The lexically cleaned segments of a request path (step 1 above).
  std::vector<std::string> clean(const std::string& path) const;

  // A link target (as stored on disk) read from the link at root-relative directory
  // `link_parent`, made root-relative; refused (PermissionDenied) if outside.
  std::string target_relative_to_root(const std::string& target, const std::vector<std::string>& link_parent,
                                      const std::string& request_path) const;

  // What Symlink{src} stores: the absolute host path of root/src.
  std::string host_path_of(const std::string& path) const;

  const std::string& host_path() const { return root_given_; }
  int fd() const { return root_fd_.get(); }

 private:
  // The root-relative segments of an absolute host path, if it lies under the root.
  std::optional<std::vector<std::string>> under_root(const std::string& absolute) const;

  runtime::UniqueFd root_fd_;
  std::string root_given_;                 // absolute and lexically clean, as given
  std::vector<std::string> given_segments_;
  std::vector<std::string> real_segments_;  // realpath(root), when it differs
};

std::string join_path(const std::vector<std::string>& segments);

}  // namespace carton::fs
