#include "carton/runtime/parent_death.hpp"

#include <signal.h>
#include <sys/prctl.h>
#include <sys/wait.h>
#include <unistd.h>

#include <boost/test/unit_test.hpp>
#include <cerrno>
#include <chrono>
#include <string>
#include <thread>

using namespace carton::runtime;
using namespace std::chrono_literals;

namespace {

// Exit codes the grandchild uses to say what happened.
constexpr int kGoneCalled = 43;  // on_parent_gone ran
constexpr int kSetupFailed = 2;

// Waits for `pid` (a child or an orphan adopted by us as subreaper). On the hang guard,
// kills it and returns -1. Not a speed assertion: the guard only turns a hang into a failure.
int wait_for_exit(pid_t pid) {
  const auto deadline = std::chrono::steady_clock::now() + 60s;
  for (;;) {
    int status = 0;
    pid_t r = ::waitpid(pid, &status, WNOHANG);
    if (r == pid) return status;
    if (r < 0 && errno != EINTR) return -1;
    if (std::chrono::steady_clock::now() > deadline) {
      ::kill(pid, SIGKILL);
      ::waitpid(pid, &status, 0);
      return -1;
    }
    std::this_thread::sleep_for(5ms);
  }
}

void write_all(int fd, const void* p, std::size_t n) {
  if (::write(fd, p, n) != static_cast<ssize_t>(n)) ::_exit(kSetupFailed);
}

// Makes this process a subreaper for the test, so the orphaned grandchild is reparented
// to us (not to pid 1) and we can wait for it. Also proves the check is not "ppid == 1".
struct Subreaper {
  Subreaper() { BOOST_REQUIRE_EQUAL(::prctl(PR_SET_CHILD_SUBREAPER, 1), 0); }
  ~Subreaper() { ::prctl(PR_SET_CHILD_SUBREAPER, 0); }
};

// Forks a middle process M that forks the grandchild G running `grandchild(M's pid)`.
// M waits until G reports ready (one byte on a pipe), tells us G's pid, and exits.
// Returns G's pid (now our child, as we are a subreaper); M has been reaped.
template <class Fn>
pid_t spawn_orphan(Fn grandchild) {
  int to_test[2];
  BOOST_REQUIRE_EQUAL(::pipe(to_test), 0);
  pid_t middle = ::fork();
  BOOST_REQUIRE(middle >= 0);
  if (middle == 0) {
    ::close(to_test[0]);
    int ready[2];
    if (::pipe(ready) != 0) ::_exit(kSetupFailed);
    const pid_t me = ::getpid();
    pid_t g = ::fork();
    if (g < 0) ::_exit(kSetupFailed);
    if (g == 0) {
      ::close(ready[0]);
      ::close(to_test[1]);
      grandchild(me, ready[1]);
      ::_exit(kSetupFailed);  // grandchild() must not return
    }
    ::close(ready[1]);
    char c;
    if (::read(ready[0], &c, 1) != 1) ::_exit(kSetupFailed);
    write_all(to_test[1], &g, sizeof g);
    ::_exit(0);  // the parent of G goes away
  }
  ::close(to_test[1]);
  pid_t g = -1;
  ssize_t n = ::read(to_test[0], &g, sizeof g);
  ::close(to_test[0]);
  int middle_status = wait_for_exit(middle);
  BOOST_REQUIRE(WIFEXITED(middle_status));
  BOOST_REQUIRE_EQUAL(WEXITSTATUS(middle_status), 0);
  BOOST_REQUIRE_EQUAL(n, static_cast<ssize_t>(sizeof g));
  return g;
}

void signal_ready(int fd) {
  char c = 'r';
  write_all(fd, &c, 1);
  ::close(fd);
}

}  // namespace

BOOST_AUTO_TEST_SUITE(parent_death)

BOOST_AUTO_TEST_CASE(initial_parent_is_recorded_before_main) {
  BOOST_TEST(initial_parent_pid() == ::getppid());
}

BOOST_AUTO_TEST_CASE(death_signal_kills_the_orphan) {
  Subreaper subreaper;
  pid_t g = spawn_orphan([](pid_t parent, int ready) {
    ParentWatchOptions o;
    o.parent_pid = parent;
    o.on_parent_gone = [] { ::_exit(kGoneCalled); };
    o.warn = [](const std::string&) { ::_exit(kSetupFailed); };  // prctl must work here
    watch_parent(std::move(o));
    signal_ready(ready);
    for (;;) ::pause();
  });
  int status = wait_for_exit(g);
  BOOST_REQUIRE(status != -1);
  BOOST_TEST(WIFSIGNALED(status));
  BOOST_TEST(WTERMSIG(status) == SIGKILL);
}

BOOST_AUTO_TEST_CASE(parent_already_gone_is_noticed_at_once) {
  Subreaper subreaper;
  pid_t g = spawn_orphan([](pid_t parent, int ready) {
    signal_ready(ready);
    // Wait until the middle process has died and we were adopted (by the test process,
    // whose pid is not 1), then start watching: too late for the death signal.
    while (::getppid() == parent) ::usleep(1000);
    ParentWatchOptions o;
    o.parent_pid = parent;
    o.on_parent_gone = [] { ::_exit(kGoneCalled); };
    watch_parent(std::move(o));
    ::_exit(kSetupFailed);  // watch_parent should not have returned
  });
  int status = wait_for_exit(g);
  BOOST_REQUIRE(status != -1);
  BOOST_REQUIRE(WIFEXITED(status));
  BOOST_TEST(WEXITSTATUS(status) == kGoneCalled);
}

BOOST_AUTO_TEST_CASE(prctl_failure_falls_back_to_polling) {
  Subreaper subreaper;
  pid_t g = spawn_orphan([](pid_t parent, int ready) {
    static int warnings = 0;
    static std::string warning;
    ParentWatchOptions o;
    o.parent_pid = parent;
    o.poll_interval = 10ms;
    o.set_death_signal = [](int) {
      errno = EPERM;
      return -1;
    };
    o.warn = [](const std::string& m) {
      ++warnings;
      warning = m;
    };
    o.on_parent_gone = [] { ::_exit(kGoneCalled); };
    watch_parent(std::move(o));
    if (warnings != 1 || warning.find("prctl(PR_SET_PDEATHSIG) failed") == std::string::npos) {
      ::_exit(kSetupFailed);
    }
    signal_ready(ready);
    for (;;) ::pause();  // only the polling thread can end this process now
  });
  int status = wait_for_exit(g);
  BOOST_REQUIRE(status != -1);
  BOOST_REQUIRE(WIFEXITED(status));
  BOOST_TEST(WEXITSTATUS(status) == kGoneCalled);
}

BOOST_AUTO_TEST_SUITE_END()
