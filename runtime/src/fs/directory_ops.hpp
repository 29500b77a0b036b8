// DirectoryOps: filesystem requests answered against one served directory, with the
// semantics carton/fs/directory_server.hpp states (private to carton_fs). The server's
// worker and direct DirectoryServer::handle() calls share one; requests run one at a
// time. Kept apart from the server so the operations and the threading read separately.
#pragma once

#include <cstdint>
#include <memory>
#include <mutex>
#include <string>

#include "carton/fs/directory_server.hpp"
#include "carton/wire/fs_types.hpp"

namespace carton::fs {

class DirectoryOps {
 public:
  // `max_frame_bytes`: the channel's frame limit, which bounds a whole-file answer.
  // Throws std::system_error if `root` cannot be opened as a directory.
  DirectoryOps(const std::string& root, Access access, DirectoryServerOptions options, std::uint64_t max_frame_bytes);
  ~DirectoryOps();

  // Never throws for a failed operation: it is answered as IoError, as carton's server
  // answers (and where carton panics, an IoError with its panic text).
  wire::fs::Response handle(const wire::fs::Request& request);

  Access access() const { return access_; }
  const std::string& root() const;

 private:
  struct State;  // the root, the open files, one overload per operation

  const Access access_;
  std::mutex mu_;
  const std::unique_ptr<State> state_;
};

}  // namespace carton::fs
