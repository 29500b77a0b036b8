// The asynchronous whole-file operations: the same chunking as the synchronous ones,
// as callback chains on the I/O thread.
#include <algorithm>
#include <memory>
#include <type_traits>
#include <utility>

#include "../wire/utf8.hpp"
#include "carton/fs/file_system.hpp"
#include "client_impl.hpp"

namespace carton::fs {

namespace {

using Impl = FileSystem::Impl;
using Fail = std::function<void(IoError)>;

// Sends `request`; on success calls ok(response of type Resp), else fail(error).
template <class Resp>
void step(const std::shared_ptr<Impl>& impl, wire::fs::Request request, const std::string& file_path,
          std::function<void(Resp)> ok, Fail fail) {
  RequestDescription d = describe(request);
  if (d.path.empty()) d.path = file_path;
  impl->submit(std::move(request), std::move(d),
               [ok = std::move(ok), fail = std::move(fail)](Result<wire::fs::Response> r) {
                 if (!r.ok()) return fail(r.error());
                 ok(std::get<Resp>(std::move(r).value()));
               });
}

template <class Buffer>
void reserve_for(Buffer& b, std::uint64_t len) {
  constexpr std::uint64_t kMaxReserve = std::uint64_t{1} << 34;  // never trust a length that far
  if (len <= kMaxReserve) b.reserve(static_cast<std::size_t>(len));
}

// Buffer = std::string for read_to_string, std::vector<uint8_t> for read.
template <class Buffer>
class WholeRead : public std::enable_shared_from_this<WholeRead<Buffer>> {
 public:
  static constexpr bool kText = std::is_same_v<Buffer, std::string>;
  using Out = std::conditional_t<kText, std::string, wire::Bytes>;

  WholeRead(std::shared_ptr<Impl> impl, std::string path, std::function<void(Result<Out>)> done)
      : impl_(std::move(impl)), path_(std::move(path)), done_(std::move(done)) {}

  void start() {
    auto self = this->shared_from_this();
    step<wire::fs::MetadataResponse>(
        impl_, wire::fs::MetadataRequest{path_}, {}, [self](wire::fs::MetadataResponse m) { self->sized(m.res.len); },
        fail());
  }

 private:
  Fail fail() {
    auto self = this->shared_from_this();
    return [self](IoError e) { self->done_(std::move(e)); };
  }

  void sized(std::uint64_t len) {
    auto self = this->shared_from_this();
    if (len <= impl_->options.chunk_bytes) {
      if constexpr (kText) {
        step<wire::fs::ReadToStringResponse>(
            impl_, wire::fs::ReadToStringRequest{path_}, {},
            [self](wire::fs::ReadToStringResponse r) { self->done_(std::move(r.res)); }, fail());
      } else {
        step<wire::fs::ReadResponse>(
            impl_, wire::fs::ReadRequest{path_}, {}, [self](wire::fs::ReadResponse r) { self->done_(std::move(r.res)); },
            fail());
      }
      return;
    }
    try {
      reserve_for(out_, len);
    } catch (const std::exception&) {
      // A capacity we cannot get now; the buffer grows as the chunks come.
    }
    step<wire::fs::OpenFileResponse>(
        impl_, wire::fs::OpenFileRequest{path_}, {},
        [self](wire::fs::OpenFileResponse r) {
          self->handle_ = r.res;
          self->next();
        },
        fail());
  }

  void next() {
    auto self = this->shared_from_this();
    step<wire::fs::ReadBytesResponse>(
        impl_, wire::fs::ReadBytesRequest{handle_, impl_->options.chunk_bytes}, path_,
        [self](wire::fs::ReadBytesResponse r) {
          if (r.res.empty()) return self->finish();
          try {
            self->out_.insert(self->out_.end(), r.res.begin(), r.res.end());
          } catch (const std::bad_alloc&) {
            return self->done_(IoError(IoErrorKind::OutOfMemory, "out of memory while reading the file",
                                       IoError::Origin::kLocal, "ReadBytes", self->path_, {}, self->handle_.value));
          }
          self->next();
        },
        fail());
  }

  void finish() {
    if constexpr (kText) {
      const auto* p = reinterpret_cast<const std::uint8_t*>(out_.data());
      if (wire::detail::utf8_invalid_at(p, out_.size()) != out_.size()) {
        return done_(IoError(IoErrorKind::InvalidData, "stream did not contain valid UTF-8", IoError::Origin::kLocal,
                             "ReadToString", path_));
      }
      done_(std::move(out_));
    } else {
      done_(wire::Bytes::adopt(std::move(out_)));
    }
  }

  std::shared_ptr<Impl> impl_;
  std::string path_;
  std::function<void(Result<Out>)> done_;
  wire::fs::FileHandle handle_{};
  Buffer out_;
};

class WholeWrite : public std::enable_shared_from_this<WholeWrite> {
 public:
  WholeWrite(std::shared_ptr<Impl> impl, std::string path, wire::Bytes contents, std::function<void(Result<void>)> done)
      : impl_(std::move(impl)), path_(std::move(path)), contents_(std::move(contents)), done_(std::move(done)) {}

  void start() {
    auto self = shared_from_this();
    if (contents_.size() <= impl_->options.chunk_bytes) {
      step<wire::fs::WriteResponse>(
          impl_, wire::fs::WriteRequest{path_, contents_}, {}, [self](wire::fs::WriteResponse) { self->done_({}); },
          fail());
      return;
    }
    step<wire::fs::CreateFileResponse>(
        impl_, wire::fs::CreateFileRequest{path_}, {},
        [self](wire::fs::CreateFileResponse r) {
          self->handle_ = r.res;
          self->next();
        },
        fail());
  }

 private:
  Fail fail() {
    auto self = shared_from_this();
    return [self](IoError e) { self->done_(std::move(e)); };
  }

  void next() {
    auto self = shared_from_this();
    if (off_ == contents_.size()) {
      step<wire::fs::WriteFlushResponse>(
          impl_, wire::fs::WriteFlushRequest{handle_}, path_, [self](wire::fs::WriteFlushResponse) { self->done_({}); },
          fail());
      return;
    }
    const std::size_t n = std::min(impl_->options.chunk_bytes, contents_.size() - off_);
    step<wire::fs::WriteDataResponse>(
        impl_, wire::fs::WriteDataRequest{handle_, contents_.slice(off_, n)}, path_,
        [self, n](wire::fs::WriteDataResponse r) {
          if (r.res == 0 || r.res > n) {
            return self->done_(IoError(
                r.res == 0 ? IoErrorKind::WriteZero : IoErrorKind::InvalidData,
                r.res == 0 ? "failed to write whole buffer"
                           : "the server says it wrote " + std::to_string(r.res) + " of " + std::to_string(n) + " bytes",
                r.res == 0 ? IoError::Origin::kLocal : IoError::Origin::kProtocol, "WriteData", self->path_, {},
                self->handle_.value));
          }
          self->off_ += static_cast<std::size_t>(r.res);
          self->next();
        },
        fail());
  }

  std::shared_ptr<Impl> impl_;
  std::string path_;
  wire::Bytes contents_;
  std::function<void(Result<void>)> done_;
  wire::fs::FileHandle handle_{};
  std::size_t off_ = 0;
};

}  // namespace

void FileSystem::async_read(std::string path, std::function<void(Result<wire::Bytes>)> done) {
  std::make_shared<WholeRead<std::vector<std::uint8_t>>>(impl_, std::move(path), std::move(done))->start();
}

void FileSystem::async_read_to_string(std::string path, std::function<void(Result<std::string>)> done) {
  std::make_shared<WholeRead<std::string>>(impl_, std::move(path), std::move(done))->start();
}

void FileSystem::async_write(std::string path, wire::Bytes contents, std::function<void(Result<void>)> done) {
  std::make_shared<WholeWrite>(impl_, std::move(path), std::move(contents), std::move(done))->start();
}

}  // namespace carton::fs
