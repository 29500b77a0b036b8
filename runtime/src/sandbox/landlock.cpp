#include "landlock.hpp"

#include "carton/runtime/trace.hpp"

#include <elf.h>
#include <fcntl.h>
#include <link.h>
#include <sys/auxv.h>
#include <sys/prctl.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <unistd.h>

#include <cerrno>
#include <climits>
#include <cstdint>
#include <cstdlib>
#include <cstring>
#include <fstream>
#include <set>
#include <sstream>

namespace carton::sandbox {
namespace {

// The kernel's UAPI, declared here: Debian bookworm's headers stop at ABI 3.
struct RulesetAttr {
  std::uint64_t handled_access_fs;
  std::uint64_t handled_access_net;  // ABI 4
  std::uint64_t scoped;              // ABI 6
};
struct PathBeneathAttr {
  std::uint64_t allowed_access;
  std::int32_t parent_fd;
} __attribute__((packed));
constexpr int kRulePathBeneath = 1;
constexpr unsigned kCreateRulesetVersion = 1u << 0;

constexpr std::uint64_t kExecute = 1ull << 0, kWriteFile = 1ull << 1, kReadFile = 1ull << 2, kReadDir = 1ull << 3;
constexpr std::uint64_t kTruncate = 1ull << 14;   // ABI 3
constexpr std::uint64_t kIoctlDev = 1ull << 15;   // ABI 5
constexpr std::uint64_t kNetBindTcp = 1ull << 0, kNetConnectTcp = 1ull << 1;
constexpr std::uint64_t kScopeAbstractUnix = 1ull << 0, kScopeSignal = 1ull << 1;

// Every filesystem right the kernel's ABI knows: a right left unhandled is allowed.
std::uint64_t fs_rights(int abi) {
  std::uint64_t all = (1ull << 13) - 1;  // ABI 1: EXECUTE .. MAKE_SYM
  if (abi >= 2) all |= 1ull << 13;       // REFER
  if (abi >= 3) all |= kTruncate;
  if (abi >= 5) all |= kIoctlDev;
  return all;
}

long create_ruleset(const RulesetAttr* attr, std::size_t size, unsigned flags) {
  return ::syscall(SYS_landlock_create_ruleset, attr, size, flags);
}

// The ELF interpreter of this process (ld-linux), from the program headers in memory:
// the kernel opens it for execution on every exec, so it needs the execute right.
std::string interpreter_path() {
  const auto* phdr = reinterpret_cast<const ElfW(Phdr)*>(::getauxval(AT_PHDR));
  const auto phnum = ::getauxval(AT_PHNUM);
  if (!phdr) return {};
  ElfW(Addr) bias = 0;
  for (unsigned long i = 0; i < phnum; ++i) {
    if (phdr[i].p_type == PT_PHDR) bias = reinterpret_cast<ElfW(Addr)>(phdr) - phdr[i].p_vaddr;
  }
  for (unsigned long i = 0; i < phnum; ++i) {
    if (phdr[i].p_type == PT_INTERP) return reinterpret_cast<const char*>(bias + phdr[i].p_vaddr);
  }
  return {};
}

std::string real(const std::string& path) {
  char buf[PATH_MAX];
  return ::realpath(path.c_str(), buf) ? std::string(buf) : std::string();
}

std::string dir_of(const std::string& path) {
  const auto slash = path.rfind('/');
  return slash == std::string::npos || slash == 0 ? std::string("/") : path.substr(0, slash);
}

bool beneath(const std::string& path, const std::string& dir) {
  return path.compare(0, dir.size(), dir) == 0 && (path.size() == dir.size() || path[dir.size()] == '/');
}

// The system's library directories, read whole (merged /usr: /lib and /bin are links).
const char* const kSystemDirs[] = {"/usr", "/lib", "/lib64", "/lib32"};

// The directories of the shared objects mapped now that lie outside the system's
// (a build tree, /opt/libtorch): a framework dlopens its plugins from beside itself.
std::vector<std::string> mapped_object_dirs(const std::string& self) {
  std::set<std::string> dirs;
  std::ifstream maps("/proc/self/maps");
  std::string line;
  while (std::getline(maps, line)) {
    const auto slash = line.find('/');
    if (slash == std::string::npos) continue;
    std::string file = line.substr(slash);
    if (file.size() > 10 && file.compare(file.size() - 10, 10, " (deleted)") == 0) continue;
    if (file == self) continue;  // the runner's own directory is not a library directory
    bool system = false;
    for (const char* d : kSystemDirs) system = system || beneath(file, d);
    if (!system) dirs.insert(dir_of(file));
  }
  return {dirs.begin(), dirs.end()};
}

}  // namespace

LandlockPaths runner_paths(const std::vector<std::string>& extra_read_only, bool own_proc) {
  LandlockPaths p;
  for (const char* d : kSystemDirs) p.read_only.emplace_back(d);
  // The loader's cache and what libc, libstdc++ and the frameworks read; not
  // /etc/passwd (glog asks for the user's name and copes with EACCES).
  for (const char* f : {"/etc/ld.so.cache", "/etc/ld.so.conf", "/etc/ld.so.conf.d", "/etc/localtime",
                        "/etc/nsswitch.conf", "/etc/host.conf"}) {
    p.read_only.emplace_back(f);
  }
  // Hardware facts: libtorch and oneDNN pick their kernels from /proc/cpuinfo and
  // /sys/devices/system/cpu (denied, they fall back to slow ones without a word),
  // TBB and glibc's malloc read /proc/meminfo and overcommit_memory, XGBoost and
  // OpenMP the cgroup's CPU quota on every predict.
  for (const char* f : {"/proc/cpuinfo", "/proc/meminfo", "/proc/stat", "/proc/sys/vm/overcommit_memory",
                        "/proc/sys/kernel/cap_last_cap", "/sys/devices/system/cpu", "/sys/devices/system/node",
                        "/sys/fs/cgroup"}) {
    p.read_only.emplace_back(f);
  }
  // This process's own /proc entry (maps, status, fd/N of a memfd): /proc/self is
  // resolved now, and the pid survives the re-exec.
  if (own_proc) p.read_only.push_back("/proc/" + std::to_string(::getpid()));
#if defined(__SANITIZE_ADDRESS__) || defined(__SANITIZE_THREAD__)
  // A sanitizer's runtime reads /proc/self/maps at start, in child checks too, whose
  // pid the rule above cannot name: sanitizer builds read all of /proc. Other
  // processes' memory, environment and maps stay closed (Landlock's ptrace scoping).
  p.read_only.emplace_back("/proc");
#endif
  for (const char* f : {"/dev/zero", "/dev/urandom", "/dev/random"}) p.read_only.emplace_back(f);
  p.read_write.emplace_back("/dev/null");
  // The operator's trace file (carton/runtime/trace.hpp), opened after the re-exec: a
  // rule needs the file to exist, so it is created here, empty, and only it is writable.
  if (const char* trace = std::getenv(runtime::TraceWriter::kEnvVar); trace && *trace) {
    const int fd = ::open(trace, O_WRONLY | O_CREAT | O_CLOEXEC, 0644);
    if (fd >= 0) {
      ::close(fd);
      p.read_write.emplace_back(trace);
    }
  }
  const std::string self = real("/proc/self/exe");
  for (const auto& d : mapped_object_dirs(self)) p.read_only.push_back(d);
  for (const auto& e : extra_read_only) p.read_only.push_back(e);
  // Only the runner itself (the re-exec and the child check) and its loader may run.
  if (!self.empty()) p.executable.push_back(self);
  const std::string interp = real(interpreter_path());
  if (!interp.empty()) p.executable.push_back(interp);
  return p;
}

int build_ruleset(const LandlockPaths& paths, LandlockResult& r) {
  const long abi = create_ruleset(nullptr, 0, kCreateRulesetVersion);
  if (abi < 0) {
    r.error = errno == ENOSYS ? "the kernel has no Landlock" : errno == EOPNOTSUPP ? "Landlock is disabled at boot"
                                                                                   : std::strerror(errno);
    return -1;
  }
  r.abi = static_cast<int>(abi);
  RulesetAttr attr{fs_rights(r.abi), 0, 0};
  std::size_t size = sizeof(std::uint64_t);
  if (r.abi >= 4) {
    attr.handled_access_net = kNetBindTcp | kNetConnectTcp;
    size = 2 * sizeof(std::uint64_t);
    r.network = true;
  }
  if (r.abi >= 6) {
    attr.scoped = kScopeAbstractUnix | kScopeSignal;
    size = sizeof attr;
    r.scopes = true;
  }
  const int ruleset = static_cast<int>(create_ruleset(&attr, size, 0));
  if (ruleset < 0) {
    r.error = std::string("landlock_create_ruleset: ") + std::strerror(errno);
    return -1;
  }
  const std::uint64_t all = attr.handled_access_fs;
  const std::uint64_t read_dir = kReadFile | kReadDir;
  auto add = [&](const std::string& path, std::uint64_t access) {
    const int fd = ::open(path.c_str(), O_PATH | O_CLOEXEC);
    if (fd < 0) return;  // absent here: nothing to allow
    struct stat st {};
    if (::fstat(fd, &st) == 0 && !S_ISDIR(st.st_mode)) access &= ~kReadDir;  // a file takes file rights only
    PathBeneathAttr rule{access & all, fd};
    ::syscall(SYS_landlock_add_rule, ruleset, kRulePathBeneath, &rule, 0);
    ::close(fd);
  };
  for (const auto& p : paths.read_only) add(p, read_dir);
  for (const auto& p : paths.executable) add(p, kExecute | kReadFile);
  for (const auto& p : paths.read_write) add(p, kReadFile | kWriteFile | kTruncate);
  return ruleset;
}

LandlockResult apply_landlock(const LandlockPaths& paths) {
  LandlockResult r;
  const int ruleset = build_ruleset(paths, r);
  if (ruleset < 0) return r;
  const long rc = ::syscall(SYS_landlock_restrict_self, ruleset, 0);
  const int err = errno;
  ::close(ruleset);
  if (rc != 0) {
    r.error = std::string("landlock_restrict_self: ") + std::strerror(err);
    return r;
  }
  r.applied = true;
  return r;
}

}  // namespace carton::sandbox
