#include "os_error.hpp"

#include <cerrno>
#include <cstring>

namespace carton::fs {

IoErrorKind kind_from_errno(int err) {
  // The order of library/std/src/sys/unix/mod.rs decode_error_kind; kinds anywhere does
  // not carry (ArgumentListTooLong, ResourceBusy, Deadlock, FilesystemQuotaExceeded,
  // FileTooLarge, HostUnreachable, IsADirectory, FilesystemLoop, StorageFull,
  // TooManyLinks, InvalidFilename, NetworkDown, NetworkUnreachable, NotADirectory,
  // DirectoryNotEmpty, ReadOnlyFilesystem, NotSeekable, StaleNetworkFileHandle,
  // ExecutableFileBusy, CrossesDevices, Uncategorized) become Other.
  switch (err) {
    case EADDRINUSE:
      return IoErrorKind::AddrInUse;
    case EADDRNOTAVAIL:
      return IoErrorKind::AddrNotAvailable;
    case ECONNABORTED:
      return IoErrorKind::ConnectionAborted;
    case ECONNREFUSED:
      return IoErrorKind::ConnectionRefused;
    case ECONNRESET:
      return IoErrorKind::ConnectionReset;
    case EEXIST:
      return IoErrorKind::AlreadyExists;
    case EINTR:
      return IoErrorKind::Interrupted;
    case EINVAL:
      return IoErrorKind::InvalidInput;
    case ENOENT:
      return IoErrorKind::NotFound;
    case ENOMEM:
      return IoErrorKind::OutOfMemory;
    case ENOSYS:
      return IoErrorKind::Unsupported;
    case ENOTCONN:
      return IoErrorKind::NotConnected;
    case EPIPE:
      return IoErrorKind::BrokenPipe;
    case ETIMEDOUT:
      return IoErrorKind::TimedOut;
    case EACCES:
    case EPERM:
      return IoErrorKind::PermissionDenied;
    case EAGAIN:  // == EWOULDBLOCK on Linux
      return IoErrorKind::WouldBlock;
    default:
      return IoErrorKind::Other;
  }
}

std::string os_error_message(int err) {
  char buf[256];
  // GNU strerror_r: returns the message, possibly not in buf. Rust uses the XSI
  // variant; both give glibc's text.
  const char* text = ::strerror_r(err, buf, sizeof buf);
  return std::string(text) + " (os error " + std::to_string(err) + ")";
}

void throw_errno(int err) { throw OpError(kind_from_errno(err), os_error_message(err)); }

}  // namespace carton::fs
