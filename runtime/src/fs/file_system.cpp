#include "carton/fs/file_system.hpp"

#include <boost/asio/io_context.hpp>
#include <boost/asio/post.hpp>
#include <algorithm>
#include <future>
#include <stdexcept>
#include <type_traits>
#include <utility>

#include "../wire/utf8.hpp"
#include "carton/runtime/handler_scope.hpp"
#include "carton/wire/fs_codec.hpp"
#include "client_impl.hpp"
#include "fs_log.hpp"

namespace carton::fs {

namespace {

template <class T>
constexpr std::size_t kIndex = detail::IndexIn<T, wire::fs::Request>::value;

// carton's method sections (AW/rpc.rs): Read = 0..10, Write = 11..30, Seek = 31.
constexpr std::size_t kFirstWrite = kIndex<wire::fs::WriteDataRequest>;
constexpr std::size_t kLastWrite = kIndex<wire::fs::WriteRequest>;
constexpr std::size_t kSeek = kIndex<wire::fs::SeekRequest>;
static_assert(kFirstWrite == 11 && kLastWrite == 30 && kSeek == 31, "request order changed");

bool valid_utf8(const std::string& s) {
  return wire::detail::utf8_invalid_at(reinterpret_cast<const std::uint8_t*>(s.data()), s.size()) == s.size();
}

std::string operation_name(const char* type) {
  std::string s(type);
  constexpr std::string_view kSuffix = "Request";
  if (s.size() > kSuffix.size() && s.compare(s.size() - kSuffix.size(), kSuffix.size(), kSuffix) == 0) {
    s.resize(s.size() - kSuffix.size());
  }
  return s;
}

const char* response_name(const wire::fs::Response& r) {
  return std::visit([](const auto& v) { return type_name(v); }, r);
}

}  // namespace

RequestDescription describe(const wire::fs::Request& request) {
  RequestDescription d;
  std::visit(
      [&](const auto& r) {
        d.operation = operation_name(type_name(r));
        bool first = true;
        visit_fields(r, [&](const char*, const auto& value) {
          using V = std::decay_t<decltype(value)>;
          if constexpr (std::is_same_v<V, std::string>) {
            (first ? d.path : d.path2) = value;
            first = false;
          } else if constexpr (std::is_same_v<V, wire::fs::FileHandle>) {
            d.handle = value.value;
          }
        });
      },
      request);
  return d;
}

// ---- FileSystem::Impl ----------------------------------------------------------------

std::optional<IoError> FileSystem::Impl::precheck(const wire::fs::Request& request, const RequestDescription& d) {
  const std::size_t index = request.index();
  if (index == kSeek && !options.allow_seek) {
    return d.error(IoErrorKind::Unsupported,
                   "not sent: carton's core serves no seekable filesystem and would panic on Seek "
                   "(FileSystemOptions::allow_seek enables it for servers that allow it)",
                   IoError::Origin::kLocal);
  }
  if (index >= kFirstWrite && index <= kLastWrite && access == Access::kReadOnly) {
    return d.error(IoErrorKind::PermissionDenied,
                   "not sent: this filesystem is served read-only (a Load), and carton's core would panic on " +
                       d.operation,
                   IoError::Origin::kLocal);
  }
  if (!valid_utf8(d.path) || !valid_utf8(d.path2)) {
    return d.error(IoErrorKind::InvalidInput, "not sent: the path is not valid UTF-8", IoError::Origin::kLocal);
  }
  std::lock_guard<std::mutex> lock(mu);
  if (closed) return d.error(close_kind, close_message, IoError::Origin::kConnection);
  return std::nullopt;
}

void FileSystem::Impl::post(Completion done, IoError error) {
  boost::asio::post(mux->io_context(), [done = std::move(done), error = std::move(error)] {
    try {
      done(error);
    } catch (const std::exception& e) {
      CARTON_FS_LOG(error) << "a filesystem callback threw: " << e.what();
    } catch (...) {
      CARTON_FS_LOG(error) << "a filesystem callback threw a non-std exception";
    }
  });
}

std::optional<std::uint64_t> FileSystem::Impl::submit(wire::fs::Request request, RequestDescription d,
                                                      Completion done, bool immediate_inline) {
  auto fail_now = [&](Completion f, IoError e) {
    if (immediate_inline) {
      f(std::move(e));
    } else {
      post(std::move(f), std::move(e));
    }
  };
  if (auto refused = precheck(request, d)) {
    fail_now(std::move(done), std::move(*refused));
    return std::nullopt;
  }
  const std::size_t expected = request.index() + 1;
  std::uint64_t id = 0;
  std::optional<IoError> failed;
  {
    std::lock_guard<std::mutex> lock(mu);
    if (closed) {
      failed = d.error(close_kind, close_message, IoError::Origin::kConnection);
    } else {
      id = next_rpc_id++;
      // Registered before sending: the answer may come before send() returns.
      pending.emplace(id, Pending{expected, d, std::move(done)});
    }
  }
  if (failed) {
    fail_now(std::move(done), std::move(*failed));
    return std::nullopt;
  }
  try {
    mux->send(wire::fs::FsRequestFrame{stream, id, std::move(request)});
  } catch (const std::exception& e) {
    if (auto p = take(id)) {
      fail_now(std::move(p->done),
               d.error(IoErrorKind::InvalidInput, std::string("not sent: ") + e.what(), IoError::Origin::kLocal));
    }
    return std::nullopt;
  }
  return id;
}

std::optional<FileSystem::Impl::Pending> FileSystem::Impl::take(std::uint64_t rpc_id) {
  std::lock_guard<std::mutex> lock(mu);
  auto it = pending.find(rpc_id);
  if (it == pending.end()) return std::nullopt;
  Pending p = std::move(it->second);
  pending.erase(it);
  return p;
}

namespace {

void complete(const Completion& done, Result<wire::fs::Response> result) {
  try {
    done(std::move(result));
  } catch (const std::exception& e) {
    CARTON_FS_LOG(error) << "a filesystem callback threw: " << e.what();
  } catch (...) {
    CARTON_FS_LOG(error) << "a filesystem callback threw a non-std exception";
  }
}

}  // namespace

void FileSystem::Impl::on_response(std::uint64_t rpc_id, wire::fs::Response response) {
  auto p = take(rpc_id);
  if (!p) {
    CARTON_FS_LOG(warning) << "stream " << stream.value << ": dropped a " << response_name(response)
                           << " for unknown rpc_id " << rpc_id;
    return;
  }
  if (auto* e = std::get_if<wire::fs::IoErrorResponse>(&response)) {
    return complete(p->done, p->description.error(e->error.kind, std::move(e->error.msg), IoError::Origin::kServer));
  }
  if (response.index() != p->expected_index) {
    auto e = p->description.error(
        IoErrorKind::InvalidData,
        std::string("the server answered with ") + response_name(response) + ", which does not fit the request",
        IoError::Origin::kProtocol);
    CARTON_FS_LOG(error) << "stream " << stream.value << ", rpc_id " << rpc_id << ": " << e.what();
    return complete(p->done, std::move(e));
  }
  complete(p->done, std::move(response));
}

void FileSystem::Impl::on_undecodable(std::uint64_t rpc_id, const std::string& why) {
  if (auto p = take(rpc_id)) {
    complete(p->done, p->description.error(IoErrorKind::InvalidData, "the answer could not be decoded: " + why,
                                           IoError::Origin::kProtocol));
  }
}

void FileSystem::Impl::shut(IoErrorKind kind, const std::string& message, IoError::Origin origin,
                            bool post_callbacks) {
  std::unordered_map<std::uint64_t, Pending> failed;
  {
    std::lock_guard<std::mutex> lock(mu);
    if (!closed) {
      closed = true;
      close_kind = kind;
      close_message = message;
    }
    failed.swap(pending);
  }
  for (auto& [id, p] : failed) {
    auto e = p.description.error(kind, message, origin);
    if (post_callbacks) {
      post(std::move(p.done), std::move(e));
    } else {
      complete(p.done, std::move(e));
    }
  }
}

void FileSystem::Impl::on_channel_closed(const std::string& reason) {
  shut(IoErrorKind::NotConnected, "the filesystem channel closed: " + reason, IoError::Origin::kConnection);
}

wire::fs::Response FileSystem::Impl::call(wire::fs::Request request, const std::string& file_path) {
  RequestDescription d = describe(request);
  if (d.path.empty() && !file_path.empty()) d.path = file_path;
  if (mux->on_io_thread()) {
    throw std::logic_error("carton::fs: synchronous " + d.operation +
                           " called on the filesystem channel's I/O thread; it would wait for an answer only "
                           "that thread can deliver (deadlock). Use the async form there.");
  }
  if (auto refused = precheck(request, d)) throw std::move(*refused);
  auto promise = std::make_shared<std::promise<Result<wire::fs::Response>>>();
  auto future = promise->get_future();
  auto id = submit(
      std::move(request), d, [promise](Result<wire::fs::Response> r) { promise->set_value(std::move(r)); }, true);
  runtime::HandlerScope::will_block();  // a runner handler hands the sockets on while it waits
  if (options.call_timeout.count() > 0 &&
      future.wait_for(options.call_timeout) == std::future_status::timeout && id && take(*id)) {
    throw d.error(IoErrorKind::TimedOut,
                  "no answer within " + std::to_string(options.call_timeout.count()) + " ms (call_timeout)",
                  IoError::Origin::kLocal);
  }
  return future.get().value();
}

// ---- FileSystem ------------------------------------------------------------------

std::shared_ptr<FileSystem> FileSystem::connect(std::shared_ptr<Multiplexer> mux, wire::FsToken token,
                                                Access access, FileSystemOptions options) {
  if (!mux) throw std::invalid_argument("carton::fs::FileSystem::connect: no multiplexer");
  if (options.chunk_bytes == 0) throw std::invalid_argument("carton::fs::FileSystem::connect: chunk_bytes is 0");
  auto fs = std::make_shared<FileSystem>(Key{}, mux, wire::StreamId{token.value}, access, options);
  if (!mux->attach(fs->impl_->stream, std::weak_ptr<ResponseEndpoint>(fs->impl_))) {
    fs->impl_->on_channel_closed(mux->close_reason());
  }
  return fs;
}

FileSystem::FileSystem(Key, std::shared_ptr<Multiplexer> mux, wire::StreamId stream, Access access,
                       FileSystemOptions options)
    : impl_(std::make_shared<Impl>(std::move(mux), stream, access, options)) {}

FileSystem::~FileSystem() {
  impl_->mux->detach(impl_->stream, static_cast<const ResponseEndpoint*>(impl_.get()));
  // Asynchronous calls still in flight fail; their callbacks run on the I/O thread as always.
  impl_->shut(IoErrorKind::NotConnected, "the FileSystem was destroyed", IoError::Origin::kLocal, true);
}

wire::StreamId FileSystem::stream() const { return impl_->stream; }
Access FileSystem::access() const { return impl_->access; }
const FileSystemOptions& FileSystem::options() const { return impl_->options; }
const std::shared_ptr<Multiplexer>& FileSystem::multiplexer() const { return impl_->mux; }

bool FileSystem::closed() const {
  std::lock_guard<std::mutex> lock(impl_->mu);
  return impl_->closed;
}

void FileSystem::start(wire::fs::Request request, std::function<void(Result<wire::fs::Response>)> done) {
  RequestDescription d = describe(request);
  impl_->submit(std::move(request), std::move(d), std::move(done));
}

wire::fs::Response FileSystem::call(wire::fs::Request request) { return impl_->call(std::move(request)); }

// ---- Whole files, synchronous ------------------------------------------------------

namespace {

// Appends ReadBytes chunks of `handle` to `out` until end of file.
template <class Buffer>
void read_chunks(FileSystem::Impl& impl, wire::fs::FileHandle handle, const std::string& path, Buffer& out) {
  for (;;) {
    auto r = std::get<wire::fs::ReadBytesResponse>(
        impl.call(wire::fs::ReadBytesRequest{handle, impl.options.chunk_bytes}, path));
    if (r.res.empty()) return;
    out.insert(out.end(), r.res.begin(), r.res.end());
  }
}

IoError not_utf8(const std::string& path) {
  // Rust's read_to_string message.
  return IoError(IoErrorKind::InvalidData, "stream did not contain valid UTF-8", IoError::Origin::kLocal,
                 "ReadToString", path);
}

// Reserve what Metadata promised, but never trust a length so far that it fails.
template <class Buffer>
void reserve_for(Buffer& b, std::uint64_t len) {
  constexpr std::uint64_t kMaxReserve = std::uint64_t{1} << 34;  // 16 GiB
  if (len <= kMaxReserve) b.reserve(static_cast<std::size_t>(len));
}

}  // namespace

wire::Bytes FileSystem::read(const std::string& path) {
  const auto md = call_as(wire::fs::MetadataRequest{path}).res;
  if (md.len <= impl_->options.chunk_bytes) return call_as(wire::fs::ReadRequest{path}).res;
  const auto handle = call_as(wire::fs::OpenFileRequest{path}).res;
  std::vector<std::uint8_t> out;
  reserve_for(out, md.len);
  read_chunks(*impl_, handle, path, out);
  return wire::Bytes::adopt(std::move(out));
}

std::string FileSystem::read_to_string(const std::string& path) {
  const auto md = call_as(wire::fs::MetadataRequest{path}).res;
  if (md.len <= impl_->options.chunk_bytes) return call_as(wire::fs::ReadToStringRequest{path}).res;
  const auto handle = call_as(wire::fs::OpenFileRequest{path}).res;
  std::string out;
  reserve_for(out, md.len);
  read_chunks(*impl_, handle, path, out);
  if (!valid_utf8(out)) throw not_utf8(path);
  return out;
}

void FileSystem::write(const std::string& path, wire::Bytes contents) {
  const std::size_t chunk = impl_->options.chunk_bytes;
  if (contents.size() <= chunk) {
    call_as(wire::fs::WriteRequest{path, std::move(contents)});
    return;
  }
  File f = create(path);
  for (std::size_t off = 0; off < contents.size();) {
    const std::size_t n = std::min(chunk, contents.size() - off);
    off += f.write(contents.slice(off, n));
  }
  f.flush();
}

void FileSystem::write(const std::string& path, std::string_view contents) {
  write(path, wire::Bytes::copy_of(contents));
}

// ---- Paths -------------------------------------------------------------------------

std::vector<DirEntry> FileSystem::read_dir(const std::string& path) {
  return call_as(wire::fs::ReadDirWrapperRequest{path}).res;
}
Metadata FileSystem::metadata(const std::string& path) { return call_as(wire::fs::MetadataRequest{path}).res; }
Metadata FileSystem::symlink_metadata(const std::string& path) {
  return call_as(wire::fs::SymlinkMetadataRequest{path}).res;
}
bool FileSystem::exists(const std::string& path) {
  try {
    metadata(path);
    return true;
  } catch (const IoError& e) {
    if (e.kind() == IoErrorKind::NotFound && e.origin() == IoError::Origin::kServer) return false;
    throw;
  }
}
std::string FileSystem::canonicalize(const std::string& path) {
  return call_as(wire::fs::CanonicalizeRequest{path}).res;
}
std::string FileSystem::read_link(const std::string& path) { return call_as(wire::fs::ReadLinkRequest{path}).res; }
void FileSystem::create_dir(const std::string& path) { call_as(wire::fs::CreateDirRequest{path}); }
void FileSystem::create_dir_all(const std::string& path) { call_as(wire::fs::CreateDirAllRequest{path}); }
void FileSystem::remove_file(const std::string& path) { call_as(wire::fs::RemoveFileRequest{path}); }
void FileSystem::remove_dir(const std::string& path) { call_as(wire::fs::RemoveDirRequest{path}); }
void FileSystem::remove_dir_all(const std::string& path) { call_as(wire::fs::RemoveDirAllRequest{path}); }
void FileSystem::rename(const std::string& from, const std::string& to) {
  call_as(wire::fs::RenameRequest{from, to});
}
std::uint64_t FileSystem::copy(const std::string& from, const std::string& to) {
  return call_as(wire::fs::CopyRequest{from, to}).res;
}
void FileSystem::hard_link(const std::string& src, const std::string& dst) {
  call_as(wire::fs::HardLinkRequest{src, dst});
}
void FileSystem::symlink(const std::string& src, const std::string& dst) {
  call_as(wire::fs::SymlinkRequest{src, dst});
}
void FileSystem::set_permissions(const std::string& path, Permissions perm) {
  call_as(wire::fs::SetPermissionsRequest{path, perm});
}

// ---- Open files ----------------------------------------------------------------------

File FileSystem::open(const std::string& path) {
  return File(shared_from_this(), call_as(wire::fs::OpenFileRequest{path}).res, path);
}
File FileSystem::create(const std::string& path) {
  return File(shared_from_this(), call_as(wire::fs::CreateFileRequest{path}).res, path);
}
File FileSystem::open_with_options(const std::string& path, const OpenOptions& options) {
  return File(shared_from_this(), call_as(wire::fs::OpenFileWithOptsRequest{options, path}).res, path);
}

}  // namespace carton::fs
