// The core SIGKILLed at the worst moments: in the middle of a 256 MiB request frame, in
// the middle of a filesystem read, and with 16 requests in flight. Each time the runner
// must exit by itself (PR_SET_PDEATHSIG, runtime/parent_death.hpp) and leave no temp
// file and no child process behind.
//
// The core runs in a forked child; this test process is a child subreaper, so the
// orphaned runner is re-parented to it and can be reaped and counted. The runner's exit
// is timed with a pidfd (readable when it exits). The issue asks for 100 ms; the
// assertion uses kExitBound, generous because CI machines stall (TSan, shared cores):
// the measured times are printed with --log_level=message and reported in docs/fuzzing.md.
#include <boost/test/unit_test.hpp>

#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <sys/prctl.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <unistd.h>

#include <chrono>
#include <filesystem>
#include <functional>
#include <thread>

#include "carton/mock/mock_core.hpp"
#include "suite/process_usage.hpp"

using namespace carton;
namespace stdfs = std::filesystem;
using Clock = std::chrono::steady_clock;

namespace {

// Not a speed assertion: a runner still alive after this has not noticed its core died.
constexpr std::chrono::milliseconds kExitBound{2000};
// Hang guard for reaching the state the core is killed in.
constexpr std::chrono::seconds kSetupGuard{60};
constexpr std::size_t kBigFrameBytes = std::size_t{256} << 20;

struct TempDir {
  stdfs::path path;
  explicit TempDir(const char* what) {
    std::string tmpl = (stdfs::temp_directory_path() / (std::string("carton-fault-") + what + "-XXXXXX")).string();
    BOOST_REQUIRE(::mkdtemp(tmpl.data()) != nullptr);
    path = tmpl;
  }
  ~TempDir() {
    std::error_code ec;
    stdfs::remove_all(path, ec);
  }
};

// Whether `pid` holds an fd open on `path`.
bool holds_open(pid_t pid, const stdfs::path& path) {
  std::error_code ec;
  for (const auto& e : stdfs::directory_iterator("/proc/" + std::to_string(pid) + "/fd", ec)) {
    if (stdfs::read_symlink(e.path(), ec) == path) return true;
  }
  return false;
}

bool wait_until(const std::function<bool()>& cond) {
  const auto deadline = Clock::now() + kSetupGuard;
  while (!cond()) {
    if (Clock::now() > deadline) return false;
    std::this_thread::sleep_for(std::chrono::milliseconds(2));
  }
  return true;
}

// Forks a core that runs `scenario` (which starts the runner and drives it into the
// state to be killed in, then reports the runner's pid), waits for `ready`, SIGKILLs
// the core and returns how long the runner took to exit.
std::chrono::microseconds kill_core_when(const std::function<void(int report_fd)>& scenario,
                                         const std::function<bool(pid_t core, pid_t runner)>& ready) {
  BOOST_REQUIRE(::prctl(PR_SET_CHILD_SUBREAPER, 1) == 0);
  int fds[2];
  BOOST_REQUIRE(::pipe(fds) == 0);
  const pid_t core = ::fork();
  BOOST_REQUIRE(core >= 0);
  if (core == 0) {
    ::close(fds[0]);
    try {
      scenario(fds[1]);
    } catch (const std::exception& e) {
      std::fprintf(stderr, "fault_test core: %s\n", e.what());
      ::_exit(1);
    }
    ::pause();
    ::_exit(0);
  }
  ::close(fds[1]);
  pid_t runner = 0;
  BOOST_REQUIRE(::read(fds[0], &runner, sizeof runner) == static_cast<ssize_t>(sizeof runner));
  ::close(fds[0]);
  const int pidfd = static_cast<int>(::syscall(SYS_pidfd_open, runner, 0));
  BOOST_REQUIRE(pidfd >= 0);
  BOOST_REQUIRE(wait_until([&] { return ready(core, runner); }));

  const auto killed = Clock::now();
  ::kill(core, SIGKILL);
  pollfd p{pidfd, POLLIN, 0};
  const int r = ::poll(&p, 1, static_cast<int>(kExitBound.count()));
  const auto took = std::chrono::duration_cast<std::chrono::microseconds>(Clock::now() - killed);
  ::close(pidfd);
  BOOST_TEST(r == 1, "the runner outlived its core by more than " << kExitBound.count() << " ms");
  if (r != 1) ::kill(runner, SIGKILL);
  ::waitpid(core, nullptr, 0);
  ::waitpid(runner, nullptr, 0);  // ours now: we are the subreaper
  // Nothing else may have been left to us: the runner started no process that outlived it.
  BOOST_TEST(::waitpid(-1, nullptr, WNOHANG) == -1);
  BOOST_TEST(errno == ECHILD);
  BOOST_REQUIRE(::prctl(PR_SET_CHILD_SUBREAPER, 0) == 0);
  BOOST_TEST_MESSAGE("runner exited " << took.count() / 1000.0 << " ms after its core was SIGKILLed");
  return took;
}

mock::MockCoreOptions options(const char* runner, const TempDir& runner_tmp) {
  mock::MockCoreOptions o;
  o.runner_path = runner;
  o.environment["TMPDIR"] = runner_tmp.path.string();  // where a leftover temp file would be
  return o;
}

void report(int fd, pid_t runner) { (void)!::write(fd, &runner, sizeof runner); }

// A served model directory whose model.txt is a FIFO kept open for writing by this
// process and never written: the server's read blocks, so the runner's Load stays in
// the middle of its filesystem read for as long as the core lives.
struct StalledModel {
  TempDir dir{"model"};
  int writer = -1;
  StalledModel() {
    BOOST_REQUIRE(::mkfifo((dir.path / "model.txt").c_str(), 0600) == 0);
    writer = ::open((dir.path / "model.txt").c_str(), O_RDWR | O_CLOEXEC);
    BOOST_REQUIRE(writer >= 0);
  }
  ~StalledModel() { ::close(writer); }
};

void send_loads(int report_fd, const TempDir& runner_tmp, const StalledModel& model, int count) {
  mock::MockCore core(options(CARTON_FILE_RUNNER, runner_tmp));
  const auto fs = core.serve_directory(model.dir.path.string(), false);
  for (int i = 0; i < count; ++i) {
    core.send(wire::LoadRequest{fs, "file", "*", 1, std::nullopt, wire::CpuDevice{}, std::nullopt});
  }
  report(report_fd, core.runner_pid());
  ::pause();
}

}  // namespace

BOOST_AUTO_TEST_SUITE(fault)

BOOST_AUTO_TEST_CASE(core_killed_in_the_middle_of_a_256_mib_frame) {
  TempDir runner_tmp("tmp");
  kill_core_when(
      [&](int report_fd) {
        mock::MockCore core(options(CARTON_NOOP_RUNNER, runner_tmp));
        core.core().load({});
        // A frame header for 256 MiB and only half of the payload: the runner is left
        // waiting for the rest.
        std::vector<std::uint8_t> bytes(8 + kBigFrameBytes / 2);
        for (int i = 0; i < 8; ++i) bytes[i] = static_cast<std::uint8_t>(std::uint64_t{kBigFrameBytes} >> (56 - 8 * i));
        report(report_fd, core.runner_pid());
        core.send_raw_bytes(std::move(bytes));
        ::pause();
      },
      // Mid-transfer: a quarter of the frame already sits in the runner's memory.
      [&](pid_t, pid_t runner) {
        return conformance::suite::process_usage(runner).rss_kib > kBigFrameBytes / 4 / 1024;
      });
  BOOST_TEST(stdfs::is_empty(runner_tmp.path));
}

BOOST_AUTO_TEST_CASE(core_killed_in_the_middle_of_a_filesystem_read) {
  TempDir runner_tmp("tmp");
  StalledModel model;
  kill_core_when([&](int report_fd) { send_loads(report_fd, runner_tmp, model, 1); },
                 // The core's server has opened model.txt: the runner's read is under way.
                 [&](pid_t core, pid_t) { return holds_open(core, model.dir.path / "model.txt"); });
  BOOST_TEST(stdfs::is_empty(runner_tmp.path));
}

BOOST_AUTO_TEST_CASE(core_killed_with_16_requests_in_flight) {
  TempDir runner_tmp("tmp");
  StalledModel model;
  // All 16 Loads wait on the same stalled read (the server answers one stream in order).
  kill_core_when([&](int report_fd) { send_loads(report_fd, runner_tmp, model, 16); },
                 [&](pid_t core, pid_t) { return holds_open(core, model.dir.path / "model.txt"); });
  BOOST_TEST(stdfs::is_empty(runner_tmp.path));
}

BOOST_AUTO_TEST_SUITE_END()
