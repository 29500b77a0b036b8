// FileSystem: the runner-side client of one filesystem the core serves (one FsToken).
//
// Usage (from a handler thread):
//   auto fs = carton::fs::FileSystem::connect(mux, load.fs, carton::fs::Access::kReadOnly);
//   std::string config = fs->read_to_string("config.json");
//   carton::fs::File weights = fs->open("model.bin");
//   weights.read_into(buffer, size);                 // ReadBytes in chunks
//   auto in = carton::fs::open_input_stream(fs, "vocab.txt");   // std::istream
//
// Every operation of carton's `anywhere` protocol is reachable, synchronously (blocks
// the calling thread, throws IoError) or asynchronously (async_call / async_read...:
// the callback runs on the I/O thread and must not block).
//
// Threading: the synchronous calls are safe from any thread except one running the
// filesystem channel's io_context: there they would wait for an answer only that
// thread can deliver, so they throw std::logic_error at once instead of deadlocking.
// Many calls may be in flight at once, on one filesystem or several; each is matched by
// its rpc_id, which counts from 0 per connected filesystem (as carton's client does).
//
// What is never sent (carton's core panics on it instead of answering, FACTS.md):
// any write operation on a read-only filesystem, and Seek on any filesystem unless
// FileSystemOptions::allow_seek says the server supports it. Both fail locally with
// IoError (PermissionDenied / Unsupported, origin kLocal).
//
// Large files: read()/read_to_string() first ask Metadata. A file up to chunk_bytes
// comes in one Read/ReadToString; a larger one through OpenFile + ReadBytes of
// chunk_bytes each, so no frame exceeds the chunk. write() of more than chunk_bytes uses
// CreateFile + WriteData chunks. (A file that grows past the frame limit between the
// Metadata answer and the Read would close the channel; model files do not.)
//
// There is no Close operation in the protocol: a File's handle simply stops being used
// when the File is destroyed, and the server keeps the open file until the served
// filesystem ends (the core drops it after the Load/Pack). So every open(), and every
// chunked read()/write() of a large file, holds one server handle until then.
//
// A lost connection fails every pending and later call promptly with IoError
// (origin kConnection, kind NotConnected).
#pragma once

#include <chrono>
#include <cstddef>
#include <cstdint>
#include <functional>
#include <memory>
#include <string>
#include <string_view>
#include <type_traits>
#include <variant>
#include <vector>

#include "carton/fs/io_error.hpp"
#include "carton/fs/multiplexer.hpp"
#include "carton/fs/types.hpp"
#include "carton/wire/bytes.hpp"
#include "carton/wire/common_types.hpp"

namespace carton::fs {

struct FileSystemOptions {
  // Largest ReadBytes / WriteData / whole-file Read or Write this client sends or asks
  // for (see kDefaultChunkBytes). Must be > 0.
  std::size_t chunk_bytes = kDefaultChunkBytes;
  // How long a synchronous call waits for its answer; 0 waits until the answer comes or
  // the channel closes. On timeout the call throws IoError TimedOut and a late answer is
  // dropped; the state of a file it touched (its position) is then unknown.
  std::chrono::milliseconds call_timeout{0};
  // Lets File::seek send Seek. carton's core never serves a seekable filesystem and
  // panics on Seek; set this only for a server known to allow it
  // (DirectoryServerOptions::allow_seek).
  bool allow_seek = false;
};

namespace detail {
template <class T, class V>
struct IndexIn;
template <class T, class... Ts>
struct IndexIn<T, std::variant<Ts...>> {
  static constexpr std::size_t value = [] {
    constexpr bool match[] = {std::is_same_v<T, Ts>...};
    for (std::size_t i = 0; i < sizeof...(Ts); ++i) {
      if (match[i]) return i;
    }
    return sizeof...(Ts);
  }();
};
}  // namespace detail

// The success response of a request type: wire index = request index + 1.
template <class Req>
using ResponseFor =
    std::variant_alternative_t<detail::IndexIn<Req, wire::fs::Request>::value + 1, wire::fs::Response>;

class File;

class FileSystem : public std::enable_shared_from_this<FileSystem> {
 public:
  // The client of stream `token` (from a Load or Pack request) on a runner-side
  // multiplexer: kReadOnly for Load, kReadWrite for Pack. Throws std::logic_error if
  // the stream already has a live client or `mux` is a core-side multiplexer, and
  // std::invalid_argument for chunk_bytes == 0. On a closed channel every call fails.
  static std::shared_ptr<FileSystem> connect(std::shared_ptr<Multiplexer> mux, wire::FsToken token, Access access,
                                             FileSystemOptions options = {});
  ~FileSystem();
  FileSystem(const FileSystem&) = delete;
  FileSystem& operator=(const FileSystem&) = delete;

  wire::StreamId stream() const;
  Access access() const;
  const FileSystemOptions& options() const;
  bool closed() const;
  const std::shared_ptr<Multiplexer>& multiplexer() const;

  // ---- Whole files ------------------------------------------------------------------
  wire::Bytes read(const std::string& path);
  std::string read_to_string(const std::string& path);  // InvalidData if not UTF-8
  void write(const std::string& path, wire::Bytes contents);  // creates or truncates
  void write(const std::string& path, std::string_view contents);  // copies `contents`

  // ---- Paths ------------------------------------------------------------------------
  // Entries in the server's order; DirEntry::path is relative to the served root.
  std::vector<DirEntry> read_dir(const std::string& path);
  Metadata metadata(const std::string& path);          // follows symlinks
  Metadata symlink_metadata(const std::string& path);  // the link itself
  bool exists(const std::string& path);                // metadata(), NotFound -> false
  std::string canonicalize(const std::string& path);   // relative to the served root
  std::string read_link(const std::string& path);      // relative to the served root
  void create_dir(const std::string& path);
  void create_dir_all(const std::string& path);
  void remove_file(const std::string& path);
  void remove_dir(const std::string& path);
  void remove_dir_all(const std::string& path);
  void rename(const std::string& from, const std::string& to);
  std::uint64_t copy(const std::string& from, const std::string& to);  // bytes copied
  void hard_link(const std::string& src, const std::string& dst);
  // Creates the link `dst` whose target is `src` taken from the served root (carton
  // stores the absolute host path of root/src).
  void symlink(const std::string& src, const std::string& dst);
  void set_permissions(const std::string& path, Permissions perm);

  // ---- Open files -------------------------------------------------------------------
  File open(const std::string& path);    // read-only
  File create(const std::string& path);  // write, create, truncate
  File open_with_options(const std::string& path, const OpenOptions& options);

  // ---- Asynchronous form (callbacks run on the I/O thread; never block in them) ----
  // Any single protocol operation, e.g.
  //   fs->async_call(wire::fs::ReadBytesRequest{file.handle(), 4096},
  //                  [](Result<wire::fs::ReadBytesResponse> r) { ... r.value().res ... });
  // Refusals (read-only, Seek) and a closed channel also arrive through the callback.
  template <class Req>
  void async_call(Req request, std::function<void(Result<ResponseFor<Req>>)> done) {
    start(wire::fs::Request(std::move(request)), [done = std::move(done)](Result<wire::fs::Response> r) {
      if (!r.ok()) return done(r.error());
      done(std::get<ResponseFor<Req>>(std::move(r).value()));
    });
  }
  // Whole-file operations with the chunking described above.
  void async_read(std::string path, std::function<void(Result<wire::Bytes>)> done);
  void async_read_to_string(std::string path, std::function<void(Result<std::string>)> done);
  void async_write(std::string path, wire::Bytes contents, std::function<void(Result<void>)> done);

  // ---- Low level -------------------------------------------------------------------
  // Sends one request. `done` gets the response of the matching type (a mismatched or
  // IoError answer arrives as an IoError) and always runs on the I/O thread.
  void start(wire::fs::Request request, std::function<void(Result<wire::fs::Response>)> done);
  // Sends one request and waits. Throws IoError, or std::logic_error on the I/O thread.
  wire::fs::Response call(wire::fs::Request request);

 public:
  struct Impl;  // implementation detail (src/fs/client_impl.hpp)

 private:
  struct Key {
    explicit Key() = default;
  };

 public:
  FileSystem(Key, std::shared_ptr<Multiplexer> mux, wire::StreamId stream, Access access, FileSystemOptions options);

 private:
  template <class Req>
  ResponseFor<Req> call_as(Req request) {
    return std::get<ResponseFor<Req>>(call(wire::fs::Request(std::move(request))));
  }

  std::shared_ptr<Impl> impl_;
  friend class File;
};

// An open file on a served filesystem. Movable, not copyable. Destroying it sends
// nothing (the protocol has no Close): the server keeps the file open until the served
// filesystem ends. Operations on a moved-from File throw std::logic_error.
class File {
 public:
  File(File&&) noexcept = default;
  File& operator=(File&&) noexcept = default;
  File(const File&) = delete;
  File& operator=(const File&) = delete;
  ~File() = default;

  FileHandle handle() const { return handle_; }
  const std::string& path() const { return path_; }
  const std::shared_ptr<FileSystem>& filesystem() const { return fs_; }

  // One ReadBytes of at most min(n, chunk_bytes) bytes into `buf`; 0 means end of file.
  std::size_t read(void* buf, std::size_t n);
  // One ReadBytes; the bytes stay in the received frame (no copy).
  wire::Bytes read_chunk(std::size_t max_bytes);
  // ReadBytes in chunks until `n` bytes or end of file; returns the count read.
  std::size_t read_into(void* buf, std::size_t n);

  // One WriteData of at most chunk_bytes; returns what the server wrote (may be short).
  std::size_t write(const void* buf, std::size_t n);
  // The same without copying `data` (it is gathered into the frame as it is).
  std::size_t write(wire::Bytes data);
  // Writes all of `n` bytes (WriteData in chunks); WriteZero if the server stalls.
  void write_all(const void* buf, std::size_t n);
  void flush();     // WriteFlush
  void shutdown();  // WriteShutdown
  void sync_all();  // FileSyncAll (fsync)
  void sync_data(); // FileSyncData (fdatasync)
  void set_len(std::uint64_t size);
  Metadata metadata();
  void set_permissions(Permissions perm);
  // FileTryClone. Do not rely on it against carton's core: its server can deadlock that
  // filesystem on this call (it inserts into its handle map while holding a read lock
  // on it; FACTS.md), after which every later call on the filesystem hangs until the
  // channel closes (or call_timeout, if set).
  File try_clone();
  // Seek; refused locally (Unsupported) unless FileSystemOptions::allow_seek.
  std::uint64_t seek(SeekFrom pos);

 private:
  friend class FileSystem;
  File(std::shared_ptr<FileSystem> fs, FileHandle handle, std::string path)
      : fs_(std::move(fs)), handle_(handle), path_(std::move(path)) {}
  FileSystem& checked() const;

  std::shared_ptr<FileSystem> fs_;
  FileHandle handle_{};
  std::string path_;
};

}  // namespace carton::fs
