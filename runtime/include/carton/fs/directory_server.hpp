// DirectoryServer: the core side of one filesystem stream, serving a local directory.
//
// What the mock core (and any C++ core) uses to answer a runner's filesystem calls with
// the semantics of carton's server (anywhere over lunchbox's LocalFS, notes §7):
// handles count from 0 per served filesystem, responses carry the request's rpc_id,
// paths are relative to the served root and a leading `/` means that root, ReadLink and
// Canonicalize answer relative to the root, Symlink{src, dst} creates `dst` pointing at
// the absolute host path of root/src, IoError messages read like Rust's ("No such file
// or directory (os error 2)") with kinds mapped from errno as Rust's std::io does.
//
// Confinement: every path is resolved component by component from an fd of the root
// (openat with O_NOFOLLOW, symlinks read and resolved by hand), so `..` that would
// climb above the root, and symlinks whose target leads outside it, are refused with
// IoError PermissionDenied and never followed. The final open/stat/unlink acts on the
// resolved parent directory fd with O_NOFOLLOW / AT_SYMLINK_NOFOLLOW, so swapping a
// checked component for a symlink cannot redirect it outside either (it fails). What
// this cannot stop: someone with write access outside the root moving a directory the
// server currently holds out of the root mid-call.
//
// Disallowed operations answer IoError instead of crashing (carton's core panics):
// write operations on a read-only server -> PermissionDenied, Seek unless allow_seek ->
// Unsupported, both with carton's text "Tried calling <op> on a filesystem that does
// not support it".
//
// Threading: requests of one stream run one at a time, in arrival order, on the
// server's own worker thread (as carton serves each stream sequentially), so blocking
// file I/O never stalls the I/O thread. Responses are sent through the multiplexer.
// The worker starts with the first request that arrives on the channel.
#pragma once

#include <cstddef>
#include <cstdint>
#include <memory>
#include <string>

#include "carton/fs/multiplexer.hpp"
#include "carton/fs/types.hpp"
#include "carton/wire/fs_types.hpp"

namespace carton::fs {

struct DirectoryServerOptions {
  // Allow Seek. carton's core never does; for tests of clients that can seek.
  bool allow_seek = false;
  // Cap on one ReadBytes answer, whatever max_num_bytes asks (a short read is allowed by
  // the protocol): a client asking for 2^60 bytes must not make the server allocate it.
  std::size_t max_read_bytes = std::size_t{64} << 20;
};

class DirectoryServer : public RequestEndpoint, public std::enable_shared_from_this<DirectoryServer> {
 public:
  // Serves directory `root` on `stream` of a core-side multiplexer. Throws
  // std::system_error if root cannot be opened as a directory, std::logic_error if the
  // stream is taken or `mux` is runner-side.
  static std::shared_ptr<DirectoryServer> serve(std::shared_ptr<Multiplexer> mux, wire::StreamId stream,
                                                const std::string& root, Access access,
                                                DirectoryServerOptions options = {});
  // Stops the worker (finishing the request in progress) and detaches.
  ~DirectoryServer() override;

  wire::StreamId stream() const;
  Access access() const;
  // The served root as an absolute host path.
  const std::string& root() const;

  // Answers one request directly (what the worker does for each frame). Exposed for
  // tests and tools that drive the server without a channel.
  wire::fs::Response handle(const wire::fs::Request& request);

  // RequestEndpoint (called by the multiplexer on the I/O thread).
  void on_request(std::uint64_t rpc_id, wire::fs::Request request) override;
  void on_channel_closed(const std::string& reason) override;

 private:
  struct Impl;
  struct Key {
    explicit Key() = default;
  };

 public:
  DirectoryServer(Key, std::shared_ptr<Multiplexer> mux, wire::StreamId stream, const std::string& root,
                  Access access, DirectoryServerOptions options);

 private:
  std::unique_ptr<Impl> impl_;
};

}  // namespace carton::fs
