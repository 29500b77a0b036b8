// IoError: why a filesystem operation failed; Result<T>: a value or an IoError, for the
// asynchronous (callback) form of the client.
//
// Every failure a FileSystem or File reports is an IoError, whatever its origin, so a
// caller needs one catch clause. origin() tells them apart:
//   kServer      the server answered IoError (kind and message exactly as sent, e.g.
//                NotFound, "No such file or directory (os error 2)");
//   kLocal       refused before sending: a write on a read-only filesystem, a Seek, a
//                path that is not UTF-8, a local UTF-8 check, a timeout;
//   kConnection  the filesystem channel closed before the answer came;
//   kProtocol    the answer did not fit the request (the real client panics there).
#pragma once

#include <cstdint>
#include <memory>
#include <optional>
#include <stdexcept>
#include <string>
#include <utility>
#include <variant>

#include "carton/fs/types.hpp"

namespace carton::fs {

class IoError : public std::runtime_error {
 public:
  enum class Origin { kServer, kLocal, kConnection, kProtocol };

  // `operation` is the protocol operation ("OpenFile"); `path` and `path2` the paths it
  // named (path2: the second of Copy/Rename/HardLink/Symlink), `handle` its file handle.
  IoError(IoErrorKind kind, std::string message, Origin origin = Origin::kServer,
          std::string operation = {}, std::string path = {}, std::string path2 = {},
          std::optional<std::uint64_t> handle = std::nullopt);

  IoErrorKind kind() const noexcept { return d_->kind; }
  // The message alone, e.g. "No such file or directory (os error 2)". what() adds the
  // operation, the path or handle, and the kind.
  const std::string& message() const noexcept { return d_->message; }
  Origin origin() const noexcept { return d_->origin; }
  const std::string& operation() const noexcept { return d_->operation; }
  const std::string& path() const noexcept { return d_->path; }
  const std::string& path2() const noexcept { return d_->path2; }
  std::optional<std::uint64_t> handle() const noexcept { return d_->handle; }

 private:
  struct Detail {
    IoErrorKind kind;
    std::string message;
    Origin origin;
    std::string operation;
    std::string path;
    std::string path2;
    std::optional<std::uint64_t> handle;
  };
  std::shared_ptr<const Detail> d_;  // shared: copying an exception must not throw
};

const char* to_string(IoError::Origin origin);

template <class T>
class Result {
 public:
  Result(T value) : v_(std::in_place_index<0>, std::move(value)) {}
  Result(IoError error) : v_(std::in_place_index<1>, std::move(error)) {}

  bool ok() const { return v_.index() == 0; }
  explicit operator bool() const { return ok(); }
  // The value, or throws the error.
  T& value() & {
    if (!ok()) throw std::get<1>(v_);
    return std::get<0>(v_);
  }
  T&& value() && {
    if (!ok()) throw std::get<1>(v_);
    return std::get<0>(std::move(v_));
  }
  // Only when !ok().
  const IoError& error() const { return std::get<1>(v_); }

 private:
  std::variant<T, IoError> v_;
};

template <>
class Result<void> {
 public:
  Result() = default;
  Result(IoError error) : e_(std::move(error)) {}

  bool ok() const { return !e_; }
  explicit operator bool() const { return ok(); }
  void value() const {
    if (e_) throw *e_;
  }
  const IoError& error() const { return *e_; }

 private:
  std::optional<IoError> e_;
};

}  // namespace carton::fs
