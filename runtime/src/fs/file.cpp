#include <algorithm>
#include <cstring>
#include <stdexcept>

#include "carton/fs/file_system.hpp"
#include "client_impl.hpp"

namespace carton::fs {

FileSystem& File::checked() const {
  if (!fs_) throw std::logic_error("carton::fs::File: used after it was moved from");
  return *fs_;
}

// Handle operations go through Impl::call so that errors also name the file's path.
#define CARTON_FILE_CALL(Resp, ...) \
  std::get<Resp>(checked().impl_->call(wire::fs::Request(__VA_ARGS__), path_))

wire::Bytes File::read_chunk(std::size_t max_bytes) {
  const std::size_t n = std::min(max_bytes, checked().options().chunk_bytes);
  return CARTON_FILE_CALL(wire::fs::ReadBytesResponse, wire::fs::ReadBytesRequest{handle_, n}).res;
}

std::size_t File::read(void* buf, std::size_t n) {
  if (n == 0) return 0;
  wire::Bytes got = read_chunk(n);
  if (got.size() > n) {
    throw IoError(IoErrorKind::InvalidData,
                  "the server returned " + std::to_string(got.size()) + " bytes for a read of at most " +
                      std::to_string(n),
                  IoError::Origin::kProtocol, "ReadBytes", path_, {}, handle_.value);
  }
  std::memcpy(buf, got.data(), got.size());
  return got.size();
}

std::size_t File::read_into(void* buf, std::size_t n) {
  auto* out = static_cast<std::uint8_t*>(buf);
  std::size_t total = 0;
  while (total < n) {
    const std::size_t got = read(out + total, n - total);
    if (got == 0) break;
    total += got;
  }
  return total;
}

std::size_t File::write(wire::Bytes data) {
  const std::size_t chunk = checked().options().chunk_bytes;
  if (data.size() > chunk) data = data.slice(0, chunk);
  const std::size_t sent = data.size();
  const std::uint64_t wrote =
      CARTON_FILE_CALL(wire::fs::WriteDataResponse, wire::fs::WriteDataRequest{handle_, std::move(data)}).res;
  if (wrote > sent) {
    throw IoError(IoErrorKind::InvalidData,
                  "the server says it wrote " + std::to_string(wrote) + " of " + std::to_string(sent) + " bytes",
                  IoError::Origin::kProtocol, "WriteData", path_, {}, handle_.value);
  }
  return static_cast<std::size_t>(wrote);
}

std::size_t File::write(const void* buf, std::size_t n) {
  // Copied: the frame may still be queued when a failed call returns to the caller.
  return write(wire::Bytes::copy_of(buf, std::min(n, checked().options().chunk_bytes)));
}

void File::write_all(const void* buf, std::size_t n) {
  const auto* p = static_cast<const std::uint8_t*>(buf);
  std::size_t done = 0;
  while (done < n) {
    const std::size_t wrote = write(p + done, n - done);
    if (wrote == 0) {
      // Rust's write_all message.
      throw IoError(IoErrorKind::WriteZero, "failed to write whole buffer", IoError::Origin::kLocal, "WriteData",
                    path_, {}, handle_.value);
    }
    done += wrote;
  }
}

void File::flush() { CARTON_FILE_CALL(wire::fs::WriteFlushResponse, wire::fs::WriteFlushRequest{handle_}); }
void File::shutdown() { CARTON_FILE_CALL(wire::fs::WriteShutdownResponse, wire::fs::WriteShutdownRequest{handle_}); }
void File::sync_all() { CARTON_FILE_CALL(wire::fs::FileSyncAllResponse, wire::fs::FileSyncAllRequest{handle_}); }
void File::sync_data() { CARTON_FILE_CALL(wire::fs::FileSyncDataResponse, wire::fs::FileSyncDataRequest{handle_}); }
void File::set_len(std::uint64_t size) {
  CARTON_FILE_CALL(wire::fs::FileSetLenResponse, wire::fs::FileSetLenRequest{handle_, size});
}
Metadata File::metadata() {
  return CARTON_FILE_CALL(wire::fs::FileMetadataResponse, wire::fs::FileMetadataRequest{handle_}).res;
}
void File::set_permissions(Permissions perm) {
  CARTON_FILE_CALL(wire::fs::FileSetPermissionsResponse, wire::fs::FileSetPermissionsRequest{handle_, perm});
}
File File::try_clone() {
  auto h = CARTON_FILE_CALL(wire::fs::FileTryCloneResponse, wire::fs::FileTryCloneRequest{handle_}).res;
  return File(fs_, h, path_);
}
std::uint64_t File::seek(SeekFrom pos) {
  return CARTON_FILE_CALL(wire::fs::SeekResponse, wire::fs::SeekRequest{handle_, pos}).res;
}

#undef CARTON_FILE_CALL

}  // namespace carton::fs
