#include "probe_acts.hpp"

#include <fcntl.h>
#include <linux/bpf.h>
#include <linux/io_uring.h>
#include <linux/keyctl.h>
#include <linux/perf_event.h>
#include <netinet/in.h>
#include <sched.h>
#include <signal.h>
#include <spawn.h>
#include <sys/ioctl.h>
#include <sys/mman.h>
#include <sys/mount.h>
#include <mqueue.h>
#include <sys/prctl.h>
#include <sys/resource.h>
#include <sys/shm.h>
#include <sys/ptrace.h>
#include <sys/socket.h>
#include <sys/syscall.h>
#include <sys/uio.h>
#include <sys/un.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cerrno>
#include <cstdlib>
#include <cstring>
#include <functional>
#include <sstream>

extern char** environ;

namespace carton::sandbox_test {
namespace {

#ifndef MFD_NOEXEC_SEAL
#define MFD_NOEXEC_SEAL 0x0008U
#endif

// -1 with errno set, or a value >= 0.
int result_of(long rc) { return rc < 0 ? (errno ? errno : EIO) : 0; }

int open_read(const std::string& path, int flags = 0) {
  const int fd = ::open(path.c_str(), O_RDONLY | O_CLOEXEC | flags);
  if (fd < 0) return errno;
  char c;
  const ssize_t n = ::read(fd, &c, 1);
  const int err = n < 0 && !(flags & O_DIRECTORY) ? errno : 0;
  ::close(fd);
  return err;
}

int create_file(const std::string& path) {
  const int fd = ::open(path.c_str(), O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0600);
  if (fd < 0) return errno;
  ::close(fd);
  ::unlink(path.c_str());
  return 0;
}

int socket_of(int domain, int type) {
  const int fd = ::socket(domain, type | SOCK_CLOEXEC, 0);
  if (fd < 0) return errno;
  ::close(fd);
  return 0;
}

// A TCP listener on loopback would need a socket first: this connects to one the
// caller may not have, so a refused socket() and a refused connect() both count.
int connect_tcp_loopback() {
  const int fd = ::socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
  if (fd < 0) return errno;
  sockaddr_in a{};
  a.sin_family = AF_INET;
  a.sin_port = htons(9);
  a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  const int err = ::connect(fd, reinterpret_cast<sockaddr*>(&a), sizeof a) == 0 ? 0 : errno;
  ::close(fd);
  return err == ECONNREFUSED ? 0 : err;  // refused by the peer: the sandbox let it through
}

int connect_unix(const std::string& path) {
  const int fd = ::socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);
  if (fd < 0) return errno;
  sockaddr_un a{};
  a.sun_family = AF_UNIX;
  std::strncpy(a.sun_path, path.c_str(), sizeof a.sun_path - 1);
  const int err = ::connect(fd, reinterpret_cast<sockaddr*>(&a), sizeof a) == 0 ? 0 : errno;
  ::close(fd);
  return err == ENOENT || err == ECONNREFUSED ? 0 : err;
}

int spawn_shell() {
  pid_t pid = 0;
  char* argv[] = {const_cast<char*>("sh"), const_cast<char*>("-c"), const_cast<char*>("exit 0"), nullptr};
  const int rc = ::posix_spawn(&pid, "/bin/sh", nullptr, nullptr, argv, environ);
  if (rc != 0) return rc;
  int status = 0;
  ::waitpid(pid, &status, 0);
  return WIFEXITED(status) && WEXITSTATUS(status) == 0 ? 0 : EIO;
}

// In a forked child (so a success cannot replace this process): the child exits with
// the errno the body met, 0 on success.
int in_child(const std::function<int()>& body) {
  const pid_t pid = ::fork();
  if (pid < 0) return errno;
  if (pid == 0) ::_exit(body());
  int status = 0;
  ::waitpid(pid, &status, 0);
  if (WIFSIGNALED(status)) return EINTR;  // killed: not refused politely, but not done either
  return WEXITSTATUS(status);
}

// A copy of /bin/sh in a memfd, run with execveat(AT_EMPTY_PATH) or through
// /proc/self/fd/N: the memfd is a file Landlock does not govern.
int exec_memfd_copy(bool through_proc, unsigned flags) {
  const int fd = ::memfd_create("probe", flags);
  if (fd < 0) return errno;
  const int sh = ::open("/bin/sh", O_RDONLY | O_CLOEXEC);
  if (sh < 0) return errno;
  char buf[65536];
  for (ssize_t n; (n = ::read(sh, buf, sizeof buf)) > 0;) {
    if (::write(fd, buf, static_cast<std::size_t>(n)) != n) return errno;
  }
  ::close(sh);
  const int err = in_child([&] {
    char* argv[] = {const_cast<char*>("sh"), const_cast<char*>("-c"), const_cast<char*>("exit 0"), nullptr};
    if (through_proc) {
      const std::string path = "/proc/self/fd/" + std::to_string(fd);
      ::execve(path.c_str(), argv, environ);
    } else {
      ::syscall(SYS_execveat, fd, "", argv, environ, AT_EMPTY_PATH);
    }
    return errno;
  });
  ::close(fd);
  return err;
}

int clone_new_user() {
  const long pid = ::syscall(SYS_clone, CLONE_NEWUSER | SIGCHLD, 0, 0, 0, 0);
  if (pid < 0) return errno;
  if (pid == 0) ::_exit(0);
  ::waitpid(static_cast<pid_t>(pid), nullptr, 0);
  return 0;
}

int proc_vm_read(pid_t pid) {
  char local[8], remote[8];
  iovec l{local, sizeof local}, r{remote, sizeof remote};  // an address in our image, likely unmapped there
  return result_of(::process_vm_readv(pid, &l, 1, &r, 1, 0));
}

int io_uring() {
  io_uring_params p{};
  const long fd = ::syscall(SYS_io_uring_setup, 1, &p);
  if (fd < 0) return errno;
  ::close(static_cast<int>(fd));
  return 0;
}

int setns_uts() {
  const int fd = ::open("/proc/self/ns/uts", O_RDONLY | O_CLOEXEC);
  if (fd < 0) return errno;
  const int err = result_of(::setns(fd, CLONE_NEWUTS));
  ::close(fd);
  return err;
}

// Each of these would act on the core (the parent) if allowed; each asks for what the
// core already has, so that a sandbox that lets it through harms nothing.
int prlimit_parent(pid_t parent) {
  rlimit old{};
  return result_of(::prlimit(parent, RLIMIT_NOFILE, nullptr, &old));
}

int renice_parent(pid_t parent) {
  errno = 0;
  const int nice = ::getpriority(PRIO_PROCESS, static_cast<id_t>(parent));
  if (errno != 0) return errno;
  return result_of(::setpriority(PRIO_PROCESS, static_cast<id_t>(parent), nice));
}

int renice_own_user() {
  errno = 0;
  const int nice = ::getpriority(PRIO_USER, ::getuid());
  if (errno != 0) return errno;
  return result_of(::setpriority(PRIO_USER, ::getuid(), nice));
}

int pin_parent_cpus(pid_t parent) {
  cpu_set_t cpus;
  if (::sched_getaffinity(parent, sizeof cpus, &cpus) != 0) return errno;
  return result_of(::sched_setaffinity(parent, sizeof cpus, &cpus));
}

int sysv_shared_memory() {
  const int id = ::shmget(IPC_PRIVATE, 4096, IPC_CREAT | 0600);
  if (id < 0) return errno;
  ::shmctl(id, IPC_RMID, nullptr);
  return 0;
}

int posix_message_queue(const std::string& tag) {
  const std::string name = "/carton-sandbox-probe-" + tag;
  const mqd_t q = ::mq_open(name.c_str(), O_CREAT | O_RDWR, 0600, nullptr);
  if (q == static_cast<mqd_t>(-1)) return errno;
  ::mq_close(q);
  ::mq_unlink(name.c_str());
  return 0;
}

}  // namespace

std::vector<ActResult> run_acts(const std::string& user_file) {
  const pid_t parent = ::getppid();
  const std::string home = std::getenv("HOME") ? std::getenv("HOME") : "/root";
  const std::string tag = std::to_string(::getpid());
  std::vector<ActResult> r;
  auto act = [&](const char* name, int error) { r.push_back({name, error}); };
  act("read_etc_passwd", open_read("/etc/passwd"));
  act("read_user_file", open_read(user_file));
  act("list_home", open_read(home, O_DIRECTORY));
  act("list_root", open_read("/", O_DIRECTORY));
  act("write_home", create_file(home + "/.carton-sandbox-probe-" + tag));
  act("write_tmp", create_file("/tmp/carton-sandbox-probe-" + tag));
  act("socket_inet", socket_of(AF_INET, SOCK_STREAM));
  act("connect_tcp_loopback", connect_tcp_loopback());
  act("socket_packet", socket_of(AF_PACKET, SOCK_RAW));
  act("socket_unix", socket_of(AF_UNIX, SOCK_STREAM));
  act("connect_named_unix", connect_unix("/run/carton-sandbox-probe.sock"));
  act("spawn_bin_sh", spawn_shell());
  act("execveat_memfd_sh", exec_memfd_copy(false, MFD_CLOEXEC));
  act("memfd_without_noexec_seal", result_of(::memfd_create("probe", MFD_CLOEXEC)));
  act("execveat_sealed_memfd", exec_memfd_copy(false, MFD_CLOEXEC | MFD_NOEXEC_SEAL));
  act("execve_proc_fd_sealed_memfd", exec_memfd_copy(true, MFD_CLOEXEC | MFD_NOEXEC_SEAL));
  act("ptrace_attach_parent", result_of(::ptrace(PTRACE_ATTACH, parent, nullptr, nullptr)));
  act("read_parent_environ", open_read("/proc/" + std::to_string(parent) + "/environ"));
  act("read_parent_mem", open_read("/proc/" + std::to_string(parent) + "/mem"));
  act("process_vm_readv_parent", proc_vm_read(parent));
  act("kill_parent", result_of(::kill(parent, 0)));
  act("kill_every_process", result_of(::kill(-1, 0)));
  act("clone_new_user_namespace", clone_new_user());
  act("unshare_user_namespace", result_of(::unshare(CLONE_NEWUSER)));
  act("unshare_mount_namespace", result_of(::unshare(CLONE_NEWNS)));
  act("setns", setns_uts());
  act("io_uring_setup", io_uring());
  act("mount_tmpfs", result_of(::mount("none", "/carton-sandbox-probe-no-such-dir", "tmpfs", 0, nullptr)));
  act("fsopen_tmpfs", result_of(::syscall(SYS_fsopen, "tmpfs", 0)));
  act("chroot", result_of(::chroot("/")));
  act("ioctl_tiocsti", result_of(::ioctl(2, TIOCSTI, "x")));
  act("bpf", result_of(::syscall(SYS_bpf, BPF_MAP_CREATE, nullptr, 0)));
  perf_event_attr pe{};
  pe.size = sizeof pe;
  pe.type = PERF_TYPE_SOFTWARE;
  pe.config = PERF_COUNT_SW_CPU_CLOCK;
  act("perf_event_open", result_of(::syscall(SYS_perf_event_open, &pe, 0, -1, -1, 0)));
  act("keyctl", result_of(::syscall(SYS_keyctl, KEYCTL_GET_KEYRING_ID, KEY_SPEC_USER_KEYRING, 0)));
  act("userfaultfd", result_of(::syscall(SYS_userfaultfd, O_CLOEXEC)));
  act("prctl_set_ptracer_any", result_of(::prctl(PR_SET_PTRACER, PR_SET_PTRACER_ANY, 0, 0, 0)));
  act("pidfd_getfd_parent", result_of(::syscall(SYS_pidfd_getfd, -1, 0, 0)));
  act("pidfd_open_parent", result_of(::syscall(SYS_pidfd_open, parent, 0)));
  act("prlimit_parent", prlimit_parent(parent));
  act("setpriority_parent", renice_parent(parent));
  act("setpriority_every_process_of_the_user", renice_own_user());
  act("sched_setaffinity_parent", pin_parent_cpus(parent));
  act("sysv_shared_memory", sysv_shared_memory());
  act("posix_message_queue", posix_message_queue(tag));
  return r;
}

std::string format_results(const std::vector<ActResult>& results) {
  std::ostringstream out;
  for (const auto& x : results) out << x.act << "=" << x.error << "\n";
  return out.str();
}

std::vector<ActResult> parse_results(const std::string& text) {
  std::vector<ActResult> out;
  std::istringstream in(text);
  std::string line;
  while (std::getline(in, line)) {
    const auto eq = line.find('=');
    if (eq == std::string::npos) continue;
    out.push_back({line.substr(0, eq), std::atoi(line.c_str() + eq + 1)});
  }
  return out;
}

}  // namespace carton::sandbox_test
