// The directory server (the core side of a filesystem stream) answering fuzzed
// filesystem requests against a temporary root that holds files, directories and
// symlinks leading out of it.
//
// Layout (under one mkdtemp directory BASE in /dev/shm or $TMPDIR, made once per process):
//   BASE/outside/secret.txt, BASE/outside/dir/inner.txt   the sentinel: never to be touched
//   BASE/root/                                            served; rebuilt after any change
//     file.txt, sub/nested.txt, sub/deeper/, and symlinks out: out_abs (absolute, to
//     secret.txt), out_rel (../outside/secret.txt), out_dir (../outside), sub/up
//     (../../outside/dir), parent (..), top (/)
// Input: byte 0 picks read-only (bit 0 clear) or read-write, and allow_seek (bit 1);
// the rest is a stream of framed FsRequestFrame payloads, answered in order by one
// server (so an Open's handle can be used by a later Read or Write).
// Finds: crashes and sanitizer reports; any access to the sentinel: inotify on BASE/outside
// and BASE/outside/dir reports every open, read, write, attribute change, create, delete
// and move there (a listing opens the directory), BASE's own watch any event not about
// root/, and stat() of the sentinel files must not change (size, mtime, ctime, links);
// a file descriptor left open once the server is destroyed; a response that does not
// encode.
// Speed: rebuilding the tree for every input held the target near 1,400 executions a
// second. A second inotify instance watches root/, sub/ and sub/deeper/ for anything
// that changes them (a new entry in them is a change, so nothing deeper needs a watch);
// the tree is rebuilt only after such an event, so every input still starts from the
// same tree. Likewise the fd check counts all fds first and reads links only when the
// count moved.
// Ignores: requests that do not decode; stat()-only probing outside the root (stat
// leaves no inotify trace); what the answers say; an access or fd change that does not
// happen again when the input is rerun on a fresh tree (another process on the machine:
// a `find /` walking /dev/shm once stopped a run with IN_OPEN on BASE). File sizes are capped by
// RLIMIT_FSIZE (kMaxFileBytes) so a SetLen or Seek+Write cannot fill the disk: such
// calls fail with EFBIG, which is an ordinary IoError.
#include <fcntl.h>
#include <signal.h>
#include <sys/inotify.h>
#include <sys/resource.h>
#include <sys/stat.h>
#include <unistd.h>

#include <boost/asio/io_context.hpp>
#include <cstring>
#include <exception>
#include <filesystem>
#include <fstream>
#include <string>

#include "carton/fs/directory_server.hpp"
#include "carton/fs/multiplexer.hpp"
#include "carton/runtime/bootstrap.hpp"
#include "carton/wire/decode_error.hpp"
#include "carton/wire/fs_codec.hpp"
#include "fuzz_support.hpp"

using namespace carton;
namespace stdfs = std::filesystem;

namespace {

constexpr rlim_t kMaxFileBytes = 8 << 20;

void write_file(const std::string& path, const char* text) { std::ofstream(path, std::ios::binary) << text; }

struct Stamp {
  off_t size;
  timespec mtime, ctime;
  nlink_t links;
};
Stamp stamp(const std::string& path) {
  struct stat st {};
  if (::lstat(path.c_str(), &st) != 0) fuzz::finding("a sentinel file outside the root is gone");
  return {st.st_size, st.st_mtim, st.st_ctim, st.st_nlink};
}
bool same(const Stamp& a, const Stamp& b) {
  return a.size == b.size && a.links == b.links && a.mtime.tv_sec == b.mtime.tv_sec &&
         a.mtime.tv_nsec == b.mtime.tv_nsec && a.ctime.tv_sec == b.ctime.tv_sec && a.ctime.tv_nsec == b.ctime.tv_nsec;
}

struct Fixture {
  std::string base, root, outside;
  Stamp secret{}, inner{};
  int inotify = -1;
  int base_watch = -1;
  boost::asio::io_context io;
  std::shared_ptr<fs::Multiplexer> mux;
  runtime::UniqueFd peer;  // the runner's end; nothing is sent on it
  int fds = -1;      // fds into BASE while no server runs
  int all_fds = -1;  // every fd of the process then: a cheap first check
  int tree_watch = -1;  // inotify on the served tree, to see whether it must be rebuilt

  Fixture() {
    // tmpfs when there is one: on ext4, recreating the root for every input spends most
    // of the time allocating inodes next to just-deleted ones.
    std::error_code ec;
    const stdfs::path tmp = stdfs::is_directory("/dev/shm", ec) ? stdfs::path("/dev/shm") : stdfs::temp_directory_path();
    std::string tmpl = (tmp / "carton-fuzz-dirserver-XXXXXX").string();
    if (!::mkdtemp(tmpl.data())) fuzz::finding("mkdtemp failed");
    base = tmpl;
    root = base + "/root";
    outside = base + "/outside";
    stdfs::create_directories(outside + "/dir");
    write_file(outside + "/secret.txt", "secret");
    write_file(outside + "/dir/inner.txt", "inner");
    secret = stamp(outside + "/secret.txt");
    inner = stamp(outside + "/dir/inner.txt");
    struct rlimit lim {kMaxFileBytes, kMaxFileBytes};
    ::setrlimit(RLIMIT_FSIZE, &lim);
    ::signal(SIGXFSZ, SIG_IGN);
    inotify = ::inotify_init1(IN_NONBLOCK | IN_CLOEXEC);
    base_watch = ::inotify_add_watch(inotify, base.c_str(), IN_ALL_EVENTS | IN_DONT_FOLLOW);
    ::inotify_add_watch(inotify, outside.c_str(), IN_ALL_EVENTS | IN_DONT_FOLLOW);
    ::inotify_add_watch(inotify, (outside + "/dir").c_str(), IN_ALL_EVENTS | IN_DONT_FOLLOW);
    auto [core_end, runner_end] = runtime::make_socketpair();
    peer = std::move(runner_end);
    mux = fs::Multiplexer::create(io, std::move(core_end), fs::Side::kCore);
  }

  // Whether an input changed the served tree since it was built (or it was never built).
  bool tree_changed() {
    if (tree_watch < 0) return true;
    return drain(tree_watch);
  }

  static bool drain(int fd) {
    alignas(inotify_event) char buf[4096];
    bool any = false;
    while (::read(fd, buf, sizeof buf) > 0) any = true;
    return any;
  }

  // One inotify instance for the fixture's life: closing one waits for the kernel to
  // retire it (milliseconds), so rebuilt directories get new watches on the same fd
  // (the old ones went away with their directories).
  void watch_tree() {
    if (tree_watch < 0) tree_watch = ::inotify_init1(IN_NONBLOCK | IN_CLOEXEC);
    constexpr std::uint32_t kChanges = IN_MODIFY | IN_ATTRIB | IN_CLOSE_WRITE | IN_CREATE | IN_DELETE |
                                       IN_DELETE_SELF | IN_MOVE_SELF | IN_MOVED_FROM | IN_MOVED_TO | IN_DONT_FOLLOW;
    for (const char* dir : {"", "/sub", "/sub/deeper"}) {
      if (::inotify_add_watch(tree_watch, (root + dir).c_str(), kChanges) < 0) fuzz::finding("cannot watch the tree");
    }
    drain(tree_watch);  // the teardown's events
  }

  void reset_root(bool always = false) {
    if (!tree_changed() && !always) return;
    std::error_code ec;
    if (stdfs::exists(stdfs::symlink_status(root))) {
      // A fuzzed SetPermissions may have left directories unreadable (matters when not root).
      for (auto it = stdfs::recursive_directory_iterator(root, stdfs::directory_options::skip_permission_denied, ec);
           !ec && it != stdfs::recursive_directory_iterator(); it.increment(ec)) {
        if (it->is_directory(ec) && !it->is_symlink(ec)) ::chmod(it->path().c_str(), 0700);
      }
      ::chmod(root.c_str(), 0700);
      stdfs::remove_all(root, ec);
    }
    stdfs::create_directories(root + "/sub/deeper");
    write_file(root + "/file.txt", "hello");
    write_file(root + "/sub/nested.txt", "nested");
    stdfs::create_symlink(outside + "/secret.txt", root + "/out_abs");
    stdfs::create_symlink("../outside/secret.txt", root + "/out_rel");
    stdfs::create_symlink("../outside", root + "/out_dir");
    stdfs::create_symlink("../../outside/dir", root + "/sub/up");
    stdfs::create_symlink("..", root + "/parent");
    stdfs::create_symlink("/", root + "/top");
    watch_tree();
  }

  // Why the fd count is wrong (an fd into BASE outlived the server), or nullptr.
  const char* check_fds() {
    const int all = fuzz::count_all_fds();
    if (all == all_fds) return nullptr;
    const int into_base = fuzz::count_fds(base);
    const bool leaked = fds >= 0 && into_base != fds;
    fds = into_base;
    all_fds = all;
    return leaked ? "a file descriptor leaked past the server's lifetime" : nullptr;
  }

  // Why the outside was touched (any inotify event but those about BASE/root itself, or
  // a sentinel's stat changed), or nullptr.
  const char* check_untouched() {
    const char* why = nullptr;
    alignas(inotify_event) char buf[8192];
    for (;;) {
      const ssize_t n = ::read(inotify, buf, sizeof buf);
      if (n <= 0) break;
      for (char* p = buf; p < buf + n;) {
        const auto* ev = reinterpret_cast<const inotify_event*>(p);
        const bool about_root = ev->wd == base_watch && ev->len > 0 && std::strcmp(ev->name, "root") == 0;
        const bool ignored = ev->mask & IN_IGNORED;
        if (!about_root && !ignored) {
          std::fprintf(stderr, "inotify event 0x%x on watch %d name '%s'\n", ev->mask, ev->wd, ev->len ? ev->name : "");
          why = "something outside the served root was accessed";
        }
        p += sizeof(inotify_event) + ev->len;
      }
    }
    if (!same(stamp(outside + "/secret.txt"), secret) || !same(stamp(outside + "/dir/inner.txt"), inner)) {
      why = "a sentinel file outside the root changed";
    }
    return why;
  }
};

Fixture* g_fixture = nullptr;  // lives as long as the process

Fixture& fixture() {
  if (!g_fixture) {
    g_fixture = new Fixture;
    std::atexit([] {
      std::error_code ec;
      stdfs::remove_all(g_fixture->base, ec);
    });
  }
  return *g_fixture;
}

// Runs one input on the current tree; returns why it is a finding, or nullptr.
const char* run_input(Fixture& f, const std::uint8_t* data, std::size_t size) {
  fs::DirectoryServerOptions options;
  options.allow_seek = data[0] & 2;
  options.max_read_bytes = 64 << 10;
  const auto access = (data[0] & 1) ? fs::Access::kReadWrite : fs::Access::kReadOnly;
  wire::Limits limits;
  limits.max_frame_bytes = fuzz::kFuzzMaxFrameBytes;
  {
    auto server = fs::DirectoryServer::serve(f.mux, f.mux->new_stream_id(), f.root, access, options);
    for (auto& payload : fuzz::split_frames(data + 1, size - 1, fuzz::kFuzzMaxFrameBytes)) {
      wire::fs::FsRequestFrame frame{};
      try {
        wire::Reader r(std::move(payload), "FsRequestFrame", wire::CoreRevision::Carton0_0_1, limits);
        decode(r, frame);
        r.finish();
      } catch (const wire::DecodeError&) {
        continue;
      }
      wire::fs::FsResponseFrame response{frame.stream, frame.rpc_id, server->handle(frame.msg)};
      try {
        wire::Writer w(wire::CoreRevision::Carton0_0_1);
        encode(w, response);
      } catch (const std::exception& e) {
        std::fprintf(stderr, "encoding the response threw: %s\n", e.what());
        fuzz::finding("a response that does not encode");
      }
    }
  }
  const char* touched = f.check_untouched();
  const char* leaked = f.check_fds();
  return touched ? touched : leaked;
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  if (size == 0) return 0;
  Fixture& f = fixture();
  f.reset_root();
  // Events between inputs come from outside the fuzzer (a `find /` walking /dev/shm).
  if (const char* why = f.check_untouched()) std::fprintf(stderr, "between inputs, not counted: %s\n", why);
  f.check_fds();
  if (const char* why = run_input(f, data, size)) {
    // Another process on the machine may have touched the fixture during this input; a
    // finding must happen again on a fresh tree.
    std::fprintf(stderr, "%s; running the input again on a fresh tree\n", why);
    f.reset_root(/*always=*/true);
    f.check_untouched();
    if (const char* again = run_input(f, data, size)) fuzz::finding(again);
    std::fprintf(stderr, "not reproduced: something outside the fuzzer touched the fixture\n");
  }
  return 0;
}
