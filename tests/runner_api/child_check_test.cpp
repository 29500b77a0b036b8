// run_child_check against a shell script standing in for a runner's own binary: the
// flag it is started with picks what the child does, so each verdict (an exit status,
// a signal, the deadline) and the delivery of its stdin are seen from the parent.
#include <boost/test/unit_test.hpp>

#include <sys/mman.h>
#include <unistd.h>

#include <csignal>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <string>
#include <vector>

#include "carton/runner/child_check.hpp"

using namespace carton;
using runner::ChildExit;
using namespace std::chrono_literals;
namespace stdfs = std::filesystem;

namespace {

// Bytes no text-only path would carry intact: every byte value, NULs included, and
// more than a pipe buffer holds, so a writer that stopped at 64 KiB would show.
std::vector<std::uint8_t> awkward_bytes() {
  std::vector<std::uint8_t> out(300 * 1024);
  for (std::size_t i = 0; i < out.size(); ++i) out[i] = static_cast<std::uint8_t>((i * 7 + i / 256) & 0xff);
  return out;
}

struct ChildScript {
  stdfs::path dir = stdfs::temp_directory_path() / ("carton-child-check-" + std::to_string(::getpid()));
  stdfs::path script = dir / "child.sh";
  stdfs::path expected = dir / "expected.bin";

  ChildScript() {
    stdfs::create_directories(dir);
    const auto bytes = awkward_bytes();
    std::ofstream(expected, std::ios::binary).write(reinterpret_cast<const char*>(bytes.data()), bytes.size());
    // `ulimit -c 0`: the crash is the point; a core file in the test's directory is not.
    // `exec sleep`: SIGKILL must reach the process that sleeps, or it outlives the test.
    std::ofstream(script) << "#!/bin/sh\n"
                          << "case \"$1\" in\n"
                          << "  --exit-0) exit 0 ;;\n"
                          << "  --exit-3) exit 3 ;;\n"
                          << "  --segv) ulimit -c 0; kill -SEGV $$ ;;\n"
                          << "  --sleep) exec sleep 5 ;;\n"
                          << "  --say) printf 'refused: why' ; exit 5 ;;\n"
                          << "  --flood) head -c 200000 /dev/zero ; exit 0 ;;\n"
                          << "  --same-stdin) cmp -s - '" << expected.string() << "' && exit 0; exit 1 ;;\n"
                          << "  --empty-stdin) test -z \"$(head -c 1)\" && exit 0; exit 1 ;;\n"
                          << "  --echo-result) exec cat >&3 ;;\n"
                          << "  --grow-stdin) exec head -c 100000 /dev/zero >&0 ;;\n"
                          << "  --fds) for fd in 3 4 7; do [ -e /proc/$$/fd/$fd ] && exit $fd; done; exit 0 ;;\n"
                          << "  --echo-result-fail) cat >&3; exit 2 ;;\n"
                          << "esac\n"
                          << "exit 99\n";
    stdfs::permissions(script, stdfs::perms::owner_all);
  }
  ~ChildScript() { stdfs::remove_all(dir); }

  ChildExit run(const std::string& flag, const wire::Bytes& input = {}, std::chrono::milliseconds deadline = 10s,
                std::size_t result_limit = 0) const {
    return runner::run_child_check(input, script.string(), flag, deadline, result_limit);
  }
};

}  // namespace

BOOST_AUTO_TEST_SUITE(child_check)

BOOST_AUTO_TEST_CASE(an_exit_status_is_reported_as_is) {
  ChildScript child;
  const ChildExit zero = child.run("--exit-0");
  BOOST_TEST((zero.how == ChildExit::How::exited));
  BOOST_TEST(zero.value == 0);
  BOOST_TEST(zero.ok());

  const ChildExit three = child.run("--exit-3");
  BOOST_TEST((three.how == ChildExit::How::exited));
  BOOST_TEST(three.value == 3);
  BOOST_TEST(!three.ok());
  BOOST_TEST(three.describe(10s) == "exited with status 3");
}

BOOST_AUTO_TEST_CASE(a_child_killed_by_a_signal_names_it) {
  ChildScript child;
  const ChildExit crash = child.run("--segv");
  BOOST_TEST((crash.how == ChildExit::How::signaled));
  BOOST_TEST(crash.value == SIGSEGV);
  BOOST_TEST(!crash.ok());
  BOOST_TEST(crash.describe(10s) == std::string("was killed by ") + ::strsignal(SIGSEGV));
}

BOOST_AUTO_TEST_CASE(a_child_past_its_deadline_is_killed) {
  ChildScript child;
  const auto start = std::chrono::steady_clock::now();
  const ChildExit slow = child.run("--sleep", {}, 200ms);
  const auto took = std::chrono::steady_clock::now() - start;
  BOOST_TEST((slow.how == ChildExit::How::timed_out));
  BOOST_TEST(!slow.ok());
  // The child sleeps 5 s: returning well before says it was killed, not waited for.
  BOOST_TEST((took < 3s));
  BOOST_TEST((took >= 200ms));
  const std::string said = slow.describe(200ms);
  BOOST_TEST_MESSAGE(said);
  BOOST_TEST(said == "did not finish within 200 ms (and was killed)");
}

BOOST_AUTO_TEST_CASE(the_child_reads_the_input_bytes_on_its_stdin) {
  ChildScript child;
  const auto bytes = awkward_bytes();
  BOOST_TEST(child.run("--same-stdin", wire::Bytes::copy_of(bytes.data(), bytes.size())).ok());
  // And the check does see a difference: one byte changed fails the comparison.
  auto changed = bytes;
  changed[changed.size() / 2] ^= 1;
  const ChildExit differs = child.run("--same-stdin", wire::Bytes::copy_of(changed.data(), changed.size()));
  BOOST_TEST((differs.how == ChildExit::How::exited));
  BOOST_TEST(differs.value == 1);
  BOOST_TEST(child.run("--empty-stdin").ok());
}

BOOST_AUTO_TEST_CASE(a_binary_that_cannot_start_throws_naming_it) {
  ChildScript child;
  const std::string missing = (child.dir / "no-such-runner").string();
  try {
    runner::run_child_check({}, missing, "--exit-0", 10s);
    BOOST_FAIL("run_child_check started a binary that does not exist");
  } catch (const std::runtime_error& e) {
    BOOST_TEST_MESSAGE(e.what());
    BOOST_TEST(std::string(e.what()).find("cannot start " + missing) != std::string::npos);
  }
}

BOOST_AUTO_TEST_CASE(read_child_input_reads_stdin_whole) {
  // The child's side, in this process: stdin is swapped for a memfd for the call.
  const auto bytes = awkward_bytes();
  const int fd = ::memfd_create("child-input", MFD_CLOEXEC);
  BOOST_REQUIRE(fd >= 0);
  BOOST_REQUIRE(::write(fd, bytes.data(), bytes.size()) == static_cast<ssize_t>(bytes.size()));
  BOOST_REQUIRE(::lseek(fd, 0, SEEK_SET) == 0);
  const int saved_stdin = ::dup(0);
  BOOST_REQUIRE(saved_stdin >= 0);
  BOOST_REQUIRE(::dup2(fd, 0) == 0);
  const std::vector<char> got = runner::read_child_input();
  ::dup2(saved_stdin, 0);
  ::close(saved_stdin);
  ::close(fd);
  BOOST_REQUIRE(got.size() == bytes.size());
  BOOST_TEST(std::memcmp(got.data(), bytes.data(), bytes.size()) == 0);
}

BOOST_AUTO_TEST_CASE(the_childs_stdout_comes_back_up_to_a_pipes_worth) {
  ChildScript child;
  const ChildExit said = child.run("--say");
  BOOST_TEST(said.value == 5);
  BOOST_TEST(said.output == "refused: why");
  BOOST_TEST(child.run("--exit-0").output.empty());
  // A child that writes more than the pipe holds blocks until the deadline kills it:
  // what it wrote is not an answer.
  const ChildExit flood = child.run("--flood", {}, 500ms);
  BOOST_TEST((flood.how == ChildExit::How::timed_out));
  BOOST_TEST(flood.output.empty());
}

BOOST_AUTO_TEST_CASE(a_childs_result_comes_back_whole_up_to_the_limit) {
  // The script copies its stdin to fd 3: more than a pipe holds, every byte value.
  ChildScript child;
  const auto bytes = awkward_bytes();
  const wire::Bytes input = wire::Bytes::copy_of(bytes.data(), bytes.size());
  // One byte of room: cat's copy_file_range() asks once more at the end of its input,
  // and at the limit the kernel's answer to that is SIGXFSZ.
  const ChildExit echoed = child.run("--echo-result", input, 10s, bytes.size() + 1);
  BOOST_TEST_MESSAGE(echoed.describe(10s));
  BOOST_REQUIRE(echoed.ok());
  BOOST_REQUIRE(echoed.result.size() == bytes.size());
  BOOST_TEST(std::memcmp(echoed.result.data(), bytes.data(), bytes.size()) == 0);
  // A byte past the limit: RLIMIT_FSIZE kills the writer, and nothing comes back.
  const ChildExit over = child.run("--echo-result", input, 10s, bytes.size() - 1);
  BOOST_TEST((over.how == ChildExit::How::signaled));
  BOOST_TEST(over.value == SIGXFSZ);
  BOOST_TEST(over.result.empty());
  // A child that wrote its result and then failed hands back nothing either.
  const ChildExit failed = child.run("--echo-result-fail", input, 10s, bytes.size() + 1);
  BOOST_TEST(failed.value == 2);
  BOOST_TEST(failed.result.empty());
  // Without a limit there is no fd 3: the write fails in the child.
  const ChildExit none = child.run("--echo-result", input);
  BOOST_TEST(!none.ok());
  BOOST_TEST(none.result.empty());
}

BOOST_AUTO_TEST_CASE(a_child_cannot_grow_its_stdin) {
  // Its stdin is a writable memfd whose pages the runner pays for: RLIMIT_FSIZE stops
  // a child writing to it (at 0 without a result channel, at the result's limit with).
  ChildScript child;
  const std::string ten = "0123456789";
  const ChildExit grown = child.run("--grow-stdin", wire::Bytes::copy_of(ten.data(), ten.size()));
  BOOST_TEST((grown.how == ChildExit::How::signaled));
  BOOST_TEST(grown.value == SIGXFSZ);
  const ChildExit capped = child.run("--grow-stdin", wire::Bytes::copy_of(ten.data(), ten.size()), 10s, 4096);
  BOOST_TEST(capped.value == SIGXFSZ);
}

BOOST_AUTO_TEST_CASE(the_child_gets_its_stdio_and_nothing_else) {
  // An fd the runner left inheritable (here 7, and 3 and 4 too) does not reach the child.
  ChildScript child;
  int p[2];
  BOOST_REQUIRE(::pipe(p) == 0);
  const int saved[3] = {::dup(3), ::dup(4), ::dup(7)};
  for (int fd : {3, 4, 7}) BOOST_REQUIRE(::dup2(p[1], fd) == fd);  // dup2: inheritable
  const ChildExit seen = child.run("--fds");
  const ChildExit with_result = child.run("--fds", {}, 10s, 16);
  int k = 0;
  for (int fd : {3, 4, 7}) {
    if (saved[k] >= 0) {
      ::dup2(saved[k], fd);
      ::close(saved[k]);
    } else {
      ::close(fd);
    }
    ++k;
  }
  ::close(p[0]);
  ::close(p[1]);
  BOOST_TEST(seen.describe(10s) == "exited with status 0");
  // With a result channel, fd 3 is the memfd: the first fd the script finds.
  BOOST_TEST(with_result.describe(10s) == "exited with status 3");
}

BOOST_AUTO_TEST_CASE(write_child_result_fails_without_a_result_memfd) {
  // In this process fd 3 is not the parent's memfd (a pipe, or nothing at all).
  int p[2];
  BOOST_REQUIRE(::pipe(p) == 0);
  const int saved = ::dup(3);
  BOOST_REQUIRE(::dup2(p[1], 3) == 3);
  BOOST_TEST(!runner::write_child_result("x", 1));
  if (saved >= 0) {
    ::dup2(saved, 3);
    ::close(saved);
  } else {
    ::close(3);
  }
  ::close(p[0]);
  ::close(p[1]);
}

BOOST_AUTO_TEST_CASE(describe_says_what_happened) {
  auto exit = [](ChildExit::How how, int value) {
    ChildExit e;
    e.how = how;
    e.value = value;
    return e;
  };
  BOOST_TEST(exit(ChildExit::How::exited, 0).describe(1s) == "exited with status 0");
  BOOST_TEST(exit(ChildExit::How::exited, 4).describe(1s) == "exited with status 4");
  BOOST_TEST(exit(ChildExit::How::signaled, SIGKILL).describe(1s) ==
             std::string("was killed by ") + ::strsignal(SIGKILL));
  const std::string timed_out = exit(ChildExit::How::timed_out, 0).describe(300s);
  BOOST_TEST_MESSAGE(timed_out);
  BOOST_TEST(timed_out == "did not finish within 300 s (and was killed)");
}

BOOST_AUTO_TEST_SUITE_END()
