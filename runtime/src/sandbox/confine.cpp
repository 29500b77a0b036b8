#include "confine.hpp"

#include <linux/capability.h>
#include <sys/mman.h>
#include <sys/prctl.h>
#include <sys/syscall.h>
#include <unistd.h>

#include <boost/log/trivial.hpp>

#include <cerrno>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <fstream>
#include <string>

#include "landlock.hpp"
#include "seccomp_policy.hpp"
#include "sigsys_reporter.hpp"

#ifndef MFD_NOEXEC_SEAL
#define MFD_NOEXEC_SEAL 0x0008U
#endif

extern char** environ;

namespace carton::sandbox {
namespace {

constexpr const char* kModeVariable = "CARTON_RUNNER_SANDBOX";
// Set for the re-exec only: "<pid> <what the first pass enforced>". The pid tells our
// own re-exec from a value inherited from elsewhere, which is ignored.
constexpr const char* kMarkerVariable = "CARTON_RUNNER_SANDBOX_STAGE";

#if defined(__SANITIZE_ADDRESS__) || defined(__SANITIZE_THREAD__)
// LeakSanitizer ptraces the process's own threads at exit and the sanitizers' runtimes
// call prctl()s outside the allow-list: sanitizer builds (CARTON_SANITIZE) allow both.
constexpr bool kSanitizerBuild = true;
#else
constexpr bool kSanitizerBuild = false;
#endif

enum class Mode { automatic, require, off };

struct State {
  Mode mode = Mode::automatic;
  bool active = false;         // the first pass ran and the re-exec happened
  std::string enforced;        // what the first pass put in place
  std::string missing;         // what it could not
  int parent_pid = 0;
  std::vector<std::string> extra_read_only;
  int check_ruleset = -1;      // the nested Landlock domain of child checks
};
State g_state;

[[noreturn]] void refuse(const std::string& name, const std::string& why) {
  std::fprintf(stderr, "%s: sandbox: %s\n", name.c_str(), why.c_str());
  std::exit(1);
}

Mode read_mode(const std::string& name) {
  const char* v = std::getenv(kModeVariable);
  const std::string s = v ? v : "";
  if (s.empty() || s == "auto") return Mode::automatic;
  if (s == "require") return Mode::require;
  if (s == "off") return Mode::off;
  refuse(name, std::string(kModeVariable) + "='" + s + "' is not auto, require or off");
}

// A runner started as root keeps no capability: the bounding set is emptied (so the
// re-exec grants none) and the current sets cleared. Fails quietly without CAP_SETPCAP.
void drop_capabilities() {
  int last = CAP_LAST_CAP;
  std::ifstream in("/proc/sys/kernel/cap_last_cap");
  in >> last;
  for (int cap = 0; cap <= last; ++cap) ::prctl(PR_CAPBSET_DROP, cap, 0, 0, 0);
  ::prctl(PR_CAP_AMBIENT, PR_CAP_AMBIENT_CLEAR_ALL, 0, 0, 0);
  __user_cap_header_struct header{_LINUX_CAPABILITY_VERSION_3, 0};
  __user_cap_data_struct data[2]{};
  ::syscall(SYS_capset, &header, data);
}

std::string status_field(const std::string& key) {
  std::ifstream in("/proc/self/status");
  std::string line;
  while (std::getline(in, line)) {
    if (line.compare(0, key.size() + 1, key + ":") == 0) {
      const auto v = line.find_first_not_of(" \t", key.size() + 1);
      return v == std::string::npos ? "" : line.substr(v);
    }
  }
  return {};
}

PolicyFacts facts() {
  PolicyFacts f;
  f.own_pid = ::getpid();
  f.parent_pid = g_state.parent_pid ? g_state.parent_pid : ::getppid();
  f.memfd_noexec_seal = kernel_has_memfd_noexec_seal();
  f.relaxed_for_sanitizers = kSanitizerBuild;
  return f;
}

void append(std::string& list, const std::string& item) { list += (list.empty() ? "" : ", ") + item; }

}  // namespace

void confine_process(char** argv, const std::vector<std::string>& extra_read_only, const std::string& name) {
  g_state.mode = read_mode(name);
  g_state.extra_read_only = extra_read_only;
  if (g_state.mode == Mode::off) return;

  if (const char* marker = std::getenv(kMarkerVariable)) {
    const std::string m = marker;
    const auto space = m.find(' ');
    if (m.substr(0, space) == std::to_string(::getpid())) {
      // The second pass: our own re-exec. Trust what the kernel says, not the marker.
      ::unsetenv(kMarkerVariable);
      const auto bar = m.find('|');
      g_state.enforced = m.substr(space + 1, bar - space - 1);
      g_state.missing = bar == std::string::npos ? "" : m.substr(bar + 1);
      g_state.parent_pid = ::getppid();
      g_state.active = true;
      if (status_field("NoNewPrivs") != "1" || status_field("Seccomp") != "2") {
        refuse(name, "re-executed but no_new_privs or seccomp is not in force; refusing to run unconfined");
      }
      return;
    }
  }

  std::string enforced, missing;
  if (::prctl(PR_SET_NO_NEW_PRIVS, 1, 0, 0, 0) != 0) refuse(name, std::string("no_new_privs: ") + std::strerror(errno));
  drop_capabilities();
  append(enforced, "no_new_privs");
  const LandlockResult ll = apply_landlock(runner_paths(extra_read_only));
  if (ll.applied) {
    append(enforced, "Landlock ABI " + std::to_string(ll.abi) + " (files)");
    if (ll.network) append(enforced, "Landlock TCP"); else append(missing, "Landlock TCP rules (ABI < 4)");
    if (ll.scopes) append(enforced, "Landlock signal and abstract-socket scopes");
    else append(missing, "Landlock signal scope (ABI < 6; seccomp still refuses signals to the core)");
  } else {
    append(missing, "Landlock (" + ll.error + "): files are not confined");
  }
  PolicyFacts f = facts();
  if (!f.memfd_noexec_seal) append(missing, "MFD_NOEXEC_SEAL (kernel < 6.3)");
  if (const int err = install_filter(build_policy(Stage::startup, f)); err != 0) {
    append(missing, std::string("seccomp (") + std::strerror(err) + ")");
    if (g_state.mode == Mode::require) refuse(name, "required, but: " + missing);
    g_state.enforced = enforced;
    g_state.missing = missing;
    return;  // no filter: the second pass could not verify one, so do not re-exec
  }
  append(enforced, "seccomp");
  if (g_state.mode == Mode::require && !missing.empty()) refuse(name, "required, but missing: " + missing);

  // Landlock covered only this thread. When it is the only one (no library started a
  // thread before main()), that is the whole process and every later thread inherits
  // it: the re-exec, which loads and relocates every library a second time (seconds
  // for libtorch on a busy machine), would buy nothing.
  if (status_field("Threads") == "1") {
    g_state.enforced = enforced;
    g_state.missing = missing;
    g_state.parent_pid = ::getppid();
    g_state.active = true;
    return;
  }

  const std::string marker = std::to_string(::getpid()) + " " + enforced + "|" + missing;
  ::setenv(kMarkerVariable, marker.c_str(), 1);
  ::execve("/proc/self/exe", argv, environ);
  // The thread that called is confined; threads from constructors are not Landlocked.
  const std::string why = std::string("re-exec of /proc/self/exe failed: ") + std::strerror(errno);
  ::unsetenv(kMarkerVariable);
  if (g_state.mode == Mode::require) refuse(name, why);
  g_state.enforced = enforced;
  append(missing, why + " (threads started before main() may not be Landlocked)");
  g_state.missing = missing;
}

void confine_after_connect() {
  if (g_state.mode == Mode::off) {
    BOOST_LOG_TRIVIAL(warning) << "sandbox: OFF (" << kModeVariable
                               << "=off): this runner is not confined; a hostile model can do what the user can";
    return;
  }
  // Built now, while /proc/self/maps can be read; each child check enters it between
  // fork and exec (child_check.cpp): a nested domain, so the child cannot read the
  // runner's /proc entry or signal it (Landlock scopes ptrace and signals by domain).
  LandlockResult ll;
  g_state.check_ruleset = build_ruleset(runner_paths(g_state.extra_read_only, false), ll);
  install_sigsys_handler(true);
  if (const int err = install_filter(build_policy(Stage::runner, facts())); err != 0) {
    append(g_state.missing, std::string("runner seccomp filter (") + std::strerror(err) + ")");
    if (g_state.mode == Mode::require) {
      BOOST_LOG_TRIVIAL(error) << "sandbox: required, but the runner seccomp filter failed: " << std::strerror(err);
      std::exit(1);
    }
  }
  if (g_state.missing.empty()) {
    BOOST_LOG_TRIVIAL(info) << "sandbox: enforced: " << g_state.enforced;
  } else {
    BOOST_LOG_TRIVIAL(warning) << "sandbox: enforced: " << (g_state.enforced.empty() ? "nothing" : g_state.enforced)
                               << "; NOT enforced: " << g_state.missing;
  }
}

void confine_check_child() {
  // The child inherits the runner's Landlock domain and filters through the exec (and
  // may not read its own /proc entry: the domain names the runner's).
  if (::prctl(PR_GET_SECCOMP, 0, 0, 0, 0) != 2) return;  // an unconfined runner (off) spawned it
  install_sigsys_handler(false);
  install_filter(build_policy(Stage::check, facts()));
}

int check_child_ruleset() { return g_state.check_ruleset; }

unsigned memfd_flags() {
  static const bool seal = kernel_has_memfd_noexec_seal();
  return MFD_CLOEXEC | (seal ? MFD_NOEXEC_SEAL : 0u);
}

}  // namespace carton::sandbox
