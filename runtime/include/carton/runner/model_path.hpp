// ModelPath: a model's bytes behind a file path, for a framework that loads only from a
// path (liblinear's load_model(const char*), FANN, many C libraries), while carton
// serves the model directory through the core and the runner may not write to disk.
//
//   const auto bytes = runner::read_model_file(context(), request.fs, false, "model.txt");
//   runner::ModelPath file(bytes, "model.txt");
//   model* m = ::load_model(file.path().c_str());   // "/proc/self/fd/N"
//
// The bytes live in an anonymous memory file (memfd_create), never on disk, sealed
// read-only before path() is handed out: the loader sees immutable bytes and cannot
// change them (a write or truncate through any descriptor fails with EPERM). The path
// is /proc/self/fd/N, so it opens while the runner is confined to /proc/self, and it
// is valid while this object lives: load, then let it go (the fd is closed with it).
// The fd is close-on-exec and, where the kernel offers it (6.3 and later), can never
// be made executable. The bytes are copied once, into the memory file.
//
// The path has no file name extension: a loader that picks the format from the
// extension needs to be told the format another way.
#pragma once

#include <cstddef>
#include <string>

#include "carton/wire/bytes.hpp"

namespace carton::runner {

class ModelPath {
 public:
  // Copies `bytes` into a new sealed memory file; `name` only labels it (in
  // /proc/self/fd and error messages). Throws std::system_error naming `name` and the
  // step that failed.
  explicit ModelPath(const wire::Bytes& bytes, const std::string& name = "model");
  ModelPath(const void* data, std::size_t size, const std::string& name = "model");
  ~ModelPath();
  ModelPath(ModelPath&& other) noexcept;
  ModelPath& operator=(ModelPath&& other) noexcept;
  ModelPath(const ModelPath&) = delete;
  ModelPath& operator=(const ModelPath&) = delete;

  // "/proc/self/fd/<fd>"; empty once moved from.
  const std::string& path() const { return path_; }
  // For a loader that takes a descriptor or FILE* (dup() it for fdopen, which would
  // close it): its offset is at 0.
  int fd() const { return fd_; }

 private:
  int fd_ = -1;
  std::string path_;
};

}  // namespace carton::runner
