// OS errors as carton's server reports them: the kind Rust's std::io derives from errno,
// narrowed to anywhere's wire subset, and Rust's message text (private to carton_fs).
#pragma once

#include <stdexcept>
#include <string>

#include "carton/fs/types.hpp"

namespace carton::fs {

// Rust's decode_error_kind(errno), then anywhere's mapping onto the 20 wire kinds
// (every kind outside them, NotADirectory, IsADirectory, DirectoryNotEmpty, ..., is Other).
IoErrorKind kind_from_errno(int err);
// Rust's io::Error Display for an OS error: "No such file or directory (os error 2)".
std::string os_error_message(int err);

// A failed operation on the server side; becomes an IoError response.
class OpError : public std::runtime_error {
 public:
  OpError(IoErrorKind kind, const std::string& message) : std::runtime_error(message), kind_(kind) {}
  IoErrorKind kind() const { return kind_; }

 private:
  IoErrorKind kind_;
};

[[noreturn]] void throw_errno(int err);

}  // namespace carton::fs
