#include "carton/runner/model_path.hpp"

#include <fcntl.h>
#include <sys/mman.h>
#include <unistd.h>

#include <cerrno>
#include <system_error>
#include <utility>

// Older libc headers lack the flags added after memfd_create itself (values from
// linux/memfd.h and linux/fcntl.h).
#ifndef MFD_NOEXEC_SEAL
#define MFD_NOEXEC_SEAL 0x0008U
#endif
#ifndef F_SEAL_FUTURE_WRITE
#define F_SEAL_FUTURE_WRITE 0x0010
#endif

namespace carton::runner {

namespace {

[[noreturn]] void fail(const std::string& name, const char* step) {
  throw std::system_error(errno, std::generic_category(), "ModelPath " + name + ": " + step);
}

// memfd_create refuses a name longer than this (NAME_MAX less "memfd:") with EINVAL,
// which would read as a kernel without MFD_NOEXEC_SEAL; the name is only a label.
constexpr std::size_t kMaxMemfdName = 249;

int create_memfd(const std::string& name) {
  const std::string label = name.substr(0, kMaxMemfdName);
  // MFD_NOEXEC_SEAL (Linux 6.3) keeps the file from ever being made executable, which
  // a confined runner's policy may require; older kernels refuse the unknown flag
  // with EINVAL, and then the file is only sealed read-only.
  int fd = memfd_create(label.c_str(), MFD_CLOEXEC | MFD_ALLOW_SEALING | MFD_NOEXEC_SEAL);
  if (fd < 0 && errno == EINVAL) fd = memfd_create(label.c_str(), MFD_CLOEXEC | MFD_ALLOW_SEALING);
  if (fd < 0) fail(name, "memfd_create");
  return fd;
}

void write_all(int fd, const std::uint8_t* p, std::size_t n, const std::string& name) {
  while (n > 0) {
    const ssize_t w = ::write(fd, p, n);
    if (w < 0 && errno == EINTR) continue;
    if (w <= 0) fail(name, "write");
    p += w;
    n -= std::size_t(w);
  }
}

}  // namespace

ModelPath::ModelPath(const wire::Bytes& bytes, const std::string& name)
    : ModelPath(bytes.data(), bytes.size(), name) {}

ModelPath::ModelPath(const void* data, std::size_t size, const std::string& name) : fd_(create_memfd(name)) {
  try {
    write_all(fd_, static_cast<const std::uint8_t*>(data), size, name);
    // Sealed before anyone else sees the path: no write, no resize, no unsealing.
    if (fcntl(fd_, F_ADD_SEALS, F_SEAL_WRITE | F_SEAL_GROW | F_SEAL_SHRINK | F_SEAL_SEAL) != 0) {
      fail(name, "sealing read-only");
    }
    // Opening the path starts a new description at 0; the fd itself must too.
    if (lseek(fd_, 0, SEEK_SET) != 0) fail(name, "lseek");
    path_ = "/proc/self/fd/" + std::to_string(fd_);
  } catch (...) {
    ::close(fd_);  // the destructor does not run for a constructor that throws
    throw;
  }
}

ModelPath::~ModelPath() {
  if (fd_ >= 0) ::close(fd_);
}

ModelPath::ModelPath(ModelPath&& other) noexcept
    : fd_(std::exchange(other.fd_, -1)), path_(std::move(other.path_)) {
  other.path_.clear();
}

ModelPath& ModelPath::operator=(ModelPath&& other) noexcept {
  if (this != &other) {
    if (fd_ >= 0) ::close(fd_);
    fd_ = std::exchange(other.fd_, -1);
    path_ = std::move(other.path_);
    other.path_.clear();
  }
  return *this;
}

}  // namespace carton::runner
