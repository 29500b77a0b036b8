#include "carton/wire/decode_error.hpp"

namespace carton::wire {

const char* to_string(DecodeErrorKind kind) {
  switch (kind) {
    case DecodeErrorKind::kTruncated: return "truncated";
    case DecodeErrorKind::kLengthTooLarge: return "length too large";
    case DecodeErrorKind::kBadTag: return "bad tag";
    case DecodeErrorKind::kBadBool: return "bad bool";
    case DecodeErrorKind::kBadOption: return "bad option";
    case DecodeErrorKind::kBadUtf8: return "bad utf-8";
    case DecodeErrorKind::kDepthExceeded: return "depth exceeded";
    case DecodeErrorKind::kFrameTooLarge: return "frame too large";
    case DecodeErrorKind::kStorageMismatch: return "storage mismatch";
    case DecodeErrorKind::kDuplicateKey: return "duplicate key";
    case DecodeErrorKind::kTrailingBytes: return "trailing bytes";
    case DecodeErrorKind::kNotInRevision: return "not in revision";
  }
  return "unknown";
}

namespace {
std::string describe(DecodeErrorKind kind, const std::string& message, const std::string& path,
                     std::uint64_t offset, std::uint64_t value, std::uint64_t limit,
                     const std::string& detail) {
  std::string s = "cannot decode " + message;
  if (!path.empty()) s += " at " + path;
  s += " (offset " + std::to_string(offset) + "): " + to_string(kind) + ": " + detail;
  s += " [value " + std::to_string(value) + ", limit " + std::to_string(limit) + "]";
  return s;
}
}  // namespace

DecodeError::DecodeError(DecodeErrorKind kind, std::string message, std::string path, std::uint64_t offset,
                         std::uint64_t value, std::uint64_t limit, std::string detail)
    : std::runtime_error(describe(kind, message, path, offset, value, limit, detail)),
      kind_(kind),
      message_(std::move(message)),
      path_(std::move(path)),
      offset_(offset),
      value_(value),
      limit_(limit) {}

}  // namespace carton::wire
