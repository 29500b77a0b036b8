#include "carton/fs/types.hpp"

#include "carton/fs/io_error.hpp"
#include "carton/wire/fs_codec.hpp"

namespace carton::fs {

const char* to_string(Access access) {
  switch (access) {
    case Access::kReadOnly:
      return "read-only";
    case Access::kReadWrite:
      return "read-write";
  }
  return "unknown";
}

std::optional<std::chrono::system_clock::time_point> to_time_point(const SystemTimeResult& t) {
  const auto* ok = std::get_if<wire::fs::SystemTimeOk>(&t);
  if (!ok) return std::nullopt;
  using std::chrono::duration_cast;
  using std::chrono::system_clock;
  const auto since_epoch = std::chrono::seconds(ok->time.secs) + std::chrono::nanoseconds(ok->time.nanos);
  return system_clock::time_point(duration_cast<system_clock::duration>(since_epoch));
}

namespace {

std::string describe(IoErrorKind kind, const std::string& message, const std::string& operation,
                     const std::string& path, const std::string& path2, std::optional<std::uint64_t> handle) {
  std::string s;
  if (!operation.empty()) {
    s += operation;
    s += '(';
    if (handle) s += "handle " + std::to_string(*handle);
    if (!path.empty() || (!handle && path2.empty())) {
      if (handle) s += ", ";
      s += '"' + path + '"';
    }
    if (!path2.empty()) s += ", \"" + path2 + '"';
    s += "): ";
  }
  s += message;
  s += " [";
  s += to_string(kind);
  s += ']';
  return s;
}

}  // namespace

IoError::IoError(IoErrorKind kind, std::string message, Origin origin, std::string operation, std::string path,
                 std::string path2, std::optional<std::uint64_t> handle)
    : std::runtime_error(describe(kind, message, operation, path, path2, handle)),
      d_(std::make_shared<const Detail>(Detail{kind, std::move(message), origin, std::move(operation),
                                               std::move(path), std::move(path2), handle})) {}

const char* to_string(IoError::Origin origin) {
  switch (origin) {
    case IoError::Origin::kServer:
      return "server";
    case IoError::Origin::kLocal:
      return "local";
    case IoError::Origin::kConnection:
      return "connection";
    case IoError::Origin::kProtocol:
      return "protocol";
  }
  return "unknown";
}

}  // namespace carton::fs
