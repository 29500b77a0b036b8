// ModelPath: a model's bytes behind a path a path-only loader opens, in memory and
// sealed read-only (runtime/include/carton/runner/model_path.hpp).
#include <boost/test/unit_test.hpp>

#include <fcntl.h>
#include <sys/stat.h>
#include <sys/utsname.h>
#include <unistd.h>

#include <cerrno>
#include <cstdio>
#include <fstream>
#include <iterator>
#include <string>
#include <vector>

#include "carton/runner/model_path.hpp"

using carton::runner::ModelPath;
using carton::wire::Bytes;

namespace {

// F_SEAL_EXEC (Linux 6.3), which MFD_NOEXEC_SEAL sets; older libc headers lack it.
constexpr int kSealExec = 0x0020;

// What a C library's loader does with the path: fopen and read to the end.
std::string read_like_a_c_loader(const std::string& path) {
  std::FILE* f = std::fopen(path.c_str(), "rb");
  BOOST_REQUIRE_MESSAGE(f != nullptr, "fopen " << path << " failed: errno " << errno);
  std::string out;
  char buf[4096];
  std::size_t n;
  while ((n = std::fread(buf, 1, sizeof buf, f)) > 0) out.append(buf, n);
  std::fclose(f);
  return out;
}

}  // namespace

BOOST_AUTO_TEST_SUITE(model_path)

BOOST_AUTO_TEST_CASE(the_path_opens_to_the_bytes_twice_over) {
  const ModelPath file(Bytes::copy_of("solver_type L2R_LR\nnr_class 2\n"), "model.txt");
  BOOST_TEST(file.path() == "/proc/self/fd/" + std::to_string(file.fd()));
  BOOST_TEST(read_like_a_c_loader(file.path()) == "solver_type L2R_LR\nnr_class 2\n");
  // A loader that opens the file twice (a header check, then the load) sees it whole again.
  BOOST_TEST(read_like_a_c_loader(file.path()) == "solver_type L2R_LR\nnr_class 2\n");
  // The fd itself starts at 0 too, for a loader that takes a descriptor.
  char first[6] = {};
  BOOST_TEST(::read(file.fd(), first, 6) == 6);
  BOOST_TEST(std::string(first, 6) == "solver");
}

BOOST_AUTO_TEST_CASE(large_and_empty_models_round_trip) {
  std::vector<std::uint8_t> big(3 * 1024 * 1024 + 17);
  for (std::size_t i = 0; i < big.size(); ++i) big[i] = std::uint8_t(i * 131);
  const ModelPath file(Bytes::adopt(std::vector<std::uint8_t>(big)));
  const std::string got = read_like_a_c_loader(file.path());
  BOOST_TEST(got.size() == big.size());
  BOOST_TEST(std::equal(got.begin(), got.end(), big.begin(), [](char c, std::uint8_t b) { return std::uint8_t(c) == b; }));
  BOOST_TEST(read_like_a_c_loader(ModelPath(Bytes()).path()).empty());
}

BOOST_AUTO_TEST_CASE(a_long_name_is_only_a_longer_label) {
  // A model file's name as deep in its folders as it likes: the kernel takes 249 bytes.
  const ModelPath file(Bytes::copy_of("w"), std::string(400, 'm'));
  BOOST_TEST(read_like_a_c_loader(file.path()) == "w");
}

BOOST_AUTO_TEST_CASE(the_loader_cannot_change_the_bytes) {
  const ModelPath file(Bytes::copy_of("weights"));
  const int seals = fcntl(file.fd(), F_GET_SEALS);
  BOOST_TEST((seals & F_SEAL_WRITE) != 0);
  BOOST_TEST((seals & F_SEAL_GROW) != 0);
  BOOST_TEST((seals & F_SEAL_SHRINK) != 0);
  BOOST_TEST((seals & F_SEAL_SEAL) != 0);  // nor unseal it
  // The path may be opened for writing, but nothing can be written through it.
  const int w = ::open(file.path().c_str(), O_WRONLY);
  BOOST_REQUIRE(w >= 0);
  errno = 0;
  BOOST_TEST(::write(w, "x", 1) == -1);
  BOOST_TEST(errno == EPERM);
  ::close(w);
  BOOST_TEST(::write(file.fd(), "x", 1) == -1);
  BOOST_TEST(ftruncate(file.fd(), 0) == -1);
  BOOST_TEST(read_like_a_c_loader(file.path()) == "weights");
  // Not inherited by a child the runner starts.
  BOOST_TEST((fcntl(file.fd(), F_GETFD) & FD_CLOEXEC) != 0);
}

BOOST_AUTO_TEST_CASE(it_can_never_be_made_executable_where_the_kernel_offers_that) {
  utsname u{};
  BOOST_REQUIRE(uname(&u) == 0);
  int major = 0, minor = 0;
  std::sscanf(u.release, "%d.%d", &major, &minor);
  if (major < 6 || (major == 6 && minor < 3)) {
    BOOST_TEST_MESSAGE("kernel " << u.release << " has no MFD_NOEXEC_SEAL; not checked");
    return;
  }
  const ModelPath file(Bytes::copy_of("weights"));
  BOOST_TEST((fcntl(file.fd(), F_GET_SEALS) & kSealExec) != 0);
  BOOST_TEST(fchmod(file.fd(), 0755) == -1);
}

BOOST_AUTO_TEST_CASE(the_fd_lives_as_long_as_the_object) {
  ModelPath a(Bytes::copy_of("one"));
  const std::string path = a.path();
  ModelPath b(std::move(a));
  BOOST_TEST(a.path().empty());
  BOOST_TEST(a.fd() == -1);
  BOOST_TEST(b.path() == path);
  BOOST_TEST(read_like_a_c_loader(b.path()) == "one");
  const int fd = b.fd();
  { ModelPath gone(std::move(b)); }
  BOOST_TEST(fcntl(fd, F_GETFD) == -1);  // closed with its last owner
}

BOOST_AUTO_TEST_SUITE_END()
