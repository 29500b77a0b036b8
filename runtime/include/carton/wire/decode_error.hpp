// DecodeError: why a byte sequence is not a valid message, precisely enough to act on.
//
// Every decode failure names the message being decoded, the field path inside it, the
// byte offset, the offending value and the limit it broke. It is thrown by the decoder
// and caught at the frame boundary, where it becomes a log line or an Error response.
#pragma once

#include <cstdint>
#include <stdexcept>
#include <string>

namespace carton::wire {

enum class DecodeErrorKind {
  kTruncated,          // fewer bytes remain than the field needs
  kLengthTooLarge,     // a declared length/count exceeds what the remaining bytes can hold
  kBadTag,             // an enum/union variant index out of range
  kBadBool,            // a bool byte other than 0 or 1
  kBadOption,          // an Option tag other than 0 or 1, or None where the wire requires Some
  kBadUtf8,            // a String that is not valid UTF-8
  kDepthExceeded,      // nesting deeper than Limits::max_depth
  kFrameTooLarge,      // a frame larger than Limits::max_frame_bytes
  kStorageMismatch,    // tensor storage kind or size does not fit its element type
  kDuplicateKey,       // a map repeats a key
  kTrailingBytes,      // bytes left after the message ended
  kNotInRevision,      // a value the selected core revision cannot represent
};

const char* to_string(DecodeErrorKind kind);

class DecodeError : public std::runtime_error {
 public:
  DecodeError(DecodeErrorKind kind, std::string message, std::string path, std::uint64_t offset,
              std::uint64_t value, std::uint64_t limit, std::string detail);

  DecodeErrorKind kind() const { return kind_; }
  // The top-level message type, e.g. "RPCRequest".
  const std::string& message_type() const { return message_; }
  // Field path from the message root, e.g. "data.InferWithTensors.tensors[0].value".
  const std::string& path() const { return path_; }
  std::uint64_t offset() const { return offset_; }
  std::uint64_t value() const { return value_; }
  std::uint64_t limit() const { return limit_; }

 private:
  DecodeErrorKind kind_;
  std::string message_;
  std::string path_;
  std::uint64_t offset_;
  std::uint64_t value_;
  std::uint64_t limit_;
};

// Thrown by the encoder for values the wire cannot carry (for example an `Empty`
// response for a core revision that predates it, or nesting deeper than the limit).
class EncodeError : public std::runtime_error {
 public:
  using std::runtime_error::runtime_error;
};

}  // namespace carton::wire
