// The seccomp policies in a forked child of the test (the filter stays with it): each
// stage fits the kernel's limit, refused calls return their errno instead of killing,
// and what runners rely on still works.
#include <boost/test/unit_test.hpp>

#include <fcntl.h>
#include <linux/filter.h>
#include <sched.h>
#include <signal.h>
#include <sys/ioctl.h>
#include <sys/mman.h>
#include <sys/prctl.h>
#include <sys/resource.h>
#include <sys/shm.h>
#include <sys/socket.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cerrno>
#include <cstdio>
#include <functional>
#include <iostream>
#include <thread>

#include "sandbox/seccomp_policy.hpp"
#include "sandbox/sigsys_reporter.hpp"

using namespace carton::sandbox;

namespace {

PolicyFacts test_facts() {
  PolicyFacts f;
  f.own_pid = ::getpid();
  f.parent_pid = ::getppid();
  f.memfd_noexec_seal = kernel_has_memfd_noexec_seal();
  return f;
}

// Runs `body` in a child under `stage`'s filter (and the stages below it); the
// child's exit status is the number of the first failed expectation, 0 if none.
int under(std::vector<Stage> stages, const std::function<int()>& body) {
  std::cout.flush();  // else the child's copy of the buffer is written twice
  std::fflush(nullptr);
  const pid_t pid = ::fork();
  if (pid == 0) {
    ::prctl(PR_SET_NO_NEW_PRIVS, 1, 0, 0, 0);
    install_sigsys_handler(false);
    PolicyFacts f = test_facts();
    f.own_pid = ::getpid();
    for (Stage s : stages) {
      if (install_filter(build_policy(s, f)) != 0) ::_exit(100);
    }
    ::_exit(body());
  }
  int status = 0;
  ::waitpid(pid, &status, 0);
  return WIFEXITED(status) ? WEXITSTATUS(status) : 200 + WTERMSIG(status);
}

int fails_with(long rc, int err) { return rc == -1 && errno == err ? 0 : 1; }

}  // namespace

BOOST_AUTO_TEST_SUITE(seccomp_policy)

BOOST_AUTO_TEST_CASE(every_stage_fits_the_kernels_program_limit) {
  for (Stage s : {Stage::startup, Stage::runner, Stage::check}) {
    BOOST_TEST(build_policy(s, test_facts()).size() <= std::size_t{BPF_MAXINSNS});
  }
}

BOOST_AUTO_TEST_CASE(startup_allows_the_bootstrap_socket_and_refuses_the_rest_with_errno) {
  BOOST_TEST(under({Stage::startup}, [] {
    const int fd = ::socket(AF_UNIX, SOCK_STREAM, 0);
    if (fd < 0) return 1;
    if (fails_with(::socket(AF_INET, SOCK_STREAM, 0), EPERM)) return 2;
    if (fails_with(::unshare(CLONE_NEWUSER), EPERM)) return 3;
    if (fails_with(::syscall(SYS_clone3, nullptr, 0), ENOSYS)) return 4;
    return 0;
  }) == 0);
}

BOOST_AUTO_TEST_CASE(runner_traps_report_and_return_eperm) {
  BOOST_TEST(under({Stage::startup, Stage::runner}, [] {
    if (fails_with(::socket(AF_UNIX, SOCK_STREAM, 0), EPERM)) return 1;
    if (fails_with(::ioctl(2, TIOCSTI, "x"), EPERM)) return 2;
    int n = 0;
    int p[2];
    if (::pipe(p) != 0 || ::ioctl(p[0], FIONREAD, &n) != 0) return 3;  // Asio's
    if (::prctl(PR_SET_NAME, "carton-test", 0, 0, 0) != 0) return 4;
    if (fails_with(::prctl(PR_SET_DUMPABLE, 1, 0, 0, 0), EPERM)) return 5;
    if (fails_with(::kill(::getppid(), 0), EPERM)) return 6;
    if (::kill(::getpid(), 0) != 0) return 7;
    if (fails_with(::kill(-1, 0), EPERM)) return 8;
    int sv[2];
    if (::socketpair(AF_UNIX, SOCK_STREAM, 0, sv) != 0) return 9;
    if (test_facts().memfd_noexec_seal && fails_with(::memfd_create("x", MFD_CLOEXEC), EPERM)) return 10;
    std::thread([] {}).join();  // threads are still made
    return 0;
  }) == 0);
}

BOOST_AUTO_TEST_CASE(runner_acts_on_itself_and_its_threads_never_on_another_process) {
  BOOST_TEST(under({Stage::startup, Stage::runner}, [] {
    rlimit limit{};
    if (::prlimit(0, RLIMIT_NOFILE, nullptr, &limit) != 0) return 1;           // glibc's getrlimit
    if (::prlimit(::getpid(), RLIMIT_NOFILE, nullptr, &limit) != 0) return 2;
    if (fails_with(::prlimit(::getppid(), RLIMIT_NOFILE, nullptr, &limit), EPERM)) return 3;
    if (::setpriority(PRIO_PROCESS, 0, ::getpriority(PRIO_PROCESS, 0)) != 0) return 4;
    if (fails_with(::setpriority(PRIO_USER, ::getuid(), 0), EPERM)) return 5;
    cpu_set_t cpus;
    if (::sched_getaffinity(0, sizeof cpus, &cpus) != 0) return 6;
    if (fails_with(::sched_setaffinity(::getppid(), sizeof cpus, &cpus), EPERM)) return 7;
    // A thread naming itself by its id (pthread_setaffinity_np does): the filter
    // refuses it, the SIGSYS handler redoes it for the calling thread.
    int in_thread = 0;
    std::thread([&] {
      const pid_t tid = static_cast<pid_t>(::syscall(SYS_gettid));
      if (::sched_setaffinity(tid, sizeof cpus, &cpus) != 0) in_thread = 8;
      else if (::setpriority(PRIO_PROCESS, static_cast<id_t>(tid), ::getpriority(PRIO_PROCESS, 0)) != 0) in_thread = 9;
    }).join();
    if (in_thread != 0) return in_thread;
    if (fails_with(::shmget(IPC_PRIVATE, 4096, IPC_CREAT | 0600), EPERM)) return 10;
    return 0;
  }) == 0);
}

BOOST_AUTO_TEST_CASE(check_child_may_not_exec_fork_or_write) {
  BOOST_TEST(under({Stage::startup, Stage::runner, Stage::check}, [] {
    char* argv[] = {const_cast<char*>("true"), nullptr};
    if (fails_with(::execve("/bin/true", argv, nullptr), EPERM)) return 1;
    if (fails_with(::fork(), EPERM)) return 2;
    if (fails_with(::open("/dev/null", O_WRONLY), EPERM)) return 3;
    const int fd = ::open("/dev/null", O_RDONLY);
    if (fd < 0) return 4;
    const int dir = ::open("/", O_RDONLY | O_DIRECTORY);  // reading a directory stays allowed
    if (dir < 0) return 6;
    if (fails_with(::kill(::getppid(), 0), EPERM)) return 5;
    std::thread([] {}).join();
    return 0;
  }) == 0);
}

BOOST_AUTO_TEST_SUITE_END()
