// The pending-call table of one connected filesystem (private to carton_fs).
#pragma once

#include <chrono>
#include <cstdint>
#include <functional>
#include <memory>
#include <mutex>
#include <optional>
#include <string>
#include <unordered_map>

#include "carton/fs/file_system.hpp"

namespace carton::fs {

// What a request names, for error messages: operation, paths, handle.
struct RequestDescription {
  std::string operation;  // "OpenFile"
  std::string path;
  std::string path2;
  std::optional<std::uint64_t> handle;

  IoError error(IoErrorKind kind, std::string message, IoError::Origin origin) const {
    return IoError(kind, std::move(message), origin, operation, path, path2, handle);
  }
};

RequestDescription describe(const wire::fs::Request& request);

using Completion = std::function<void(Result<wire::fs::Response>)>;

struct FileSystem::Impl : ResponseEndpoint, std::enable_shared_from_this<FileSystem::Impl> {
  Impl(std::shared_ptr<Multiplexer> mux_, wire::StreamId stream_, Access access_, FileSystemOptions options_)
      : mux(std::move(mux_)), stream(stream_), access(access_), options(options_) {}

  // Refusals that need no round trip: a closed channel, a write on a read-only
  // filesystem, Seek, a path that is not UTF-8.
  std::optional<IoError> precheck(const wire::fs::Request& request, const RequestDescription& d);
  // Registers and sends; `done` runs on the I/O thread (posted when the call fails at
  // once), or, with `immediate_inline` (the synchronous path, which only sets a
  // promise), an immediate failure runs it right here so it never depends on the
  // io_context still running. Returns the rpc_id when the request went out.
  std::optional<std::uint64_t> submit(wire::fs::Request request, RequestDescription d, Completion done,
                                      bool immediate_inline = false);
  // Sends and waits (not on the I/O thread). `file_path` names the file of a handle
  // operation in errors.
  wire::fs::Response call(wire::fs::Request request, const std::string& file_path = {});
  void post(Completion done, IoError error);
  // Fails every pending call (the client is going away or the channel closed). With
  // `post`, the callbacks are posted to the I/O thread instead of run here.
  void shut(IoErrorKind kind, const std::string& message, IoError::Origin origin, bool post_callbacks = false);

  void on_response(std::uint64_t rpc_id, wire::fs::Response response) override;
  void on_undecodable(std::uint64_t rpc_id, const std::string& why) override;
  void on_channel_closed(const std::string& reason) override;

  const std::shared_ptr<Multiplexer> mux;
  const wire::StreamId stream;
  const Access access;
  const FileSystemOptions options;

  struct Pending {
    std::size_t expected_index;  // index in wire::fs::Response of the success variant
    RequestDescription description;
    Completion done;
  };
  std::optional<Pending> take(std::uint64_t rpc_id);

  std::mutex mu;
  std::uint64_t next_rpc_id = 0;
  bool closed = false;
  std::string close_message;
  IoErrorKind close_kind = IoErrorKind::NotConnected;
  std::unordered_map<std::uint64_t, Pending> pending;
};

}  // namespace carton::fs
