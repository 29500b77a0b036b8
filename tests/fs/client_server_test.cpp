// Every operation against a served temp directory, read-only and read-write, client <->
// server over a real socketpair through the multiplexers.
#include <sys/stat.h>
#include <unistd.h>

#include <algorithm>
#include <boost/asio/post.hpp>
#include <future>
#include <iterator>
#include <set>

#include "carton/fs/input_stream.hpp"
#include "fs_test_support.hpp"

using namespace carton::fs;
using namespace carton::fs::test;
namespace w = carton::wire::fs;

BOOST_AUTO_TEST_SUITE(client_server)

BOOST_AUTO_TEST_CASE(read_only_operations) {
  TempDir dir;
  make_tree(dir);
  Session s;
  auto fs = s.serve(dir.path(), Access::kReadOnly);

  BOOST_TEST(as_string(fs->read("hello.txt")) == "hello world");
  BOOST_TEST(as_string(fs->read("/hello.txt")) == "hello world");  // leading '/' = served root
  BOOST_TEST(as_string(fs->read("sub/../hello.txt")) == "hello world");
  BOOST_TEST(fs->read("sub/a.bin").size() == 16u);
  BOOST_TEST(fs->read_to_string("link") == "hello world");
  BOOST_TEST(fs->read_to_string("abslink") == "hello world");
  BOOST_TEST(fs->read_to_string("sub/up") == "hello world");

  auto entries = fs->read_dir("sub");
  std::set<std::pair<std::string, std::string>> got;
  for (auto& e : entries) got.emplace(e.file_name, e.path);
  BOOST_TEST((got == std::set<std::pair<std::string, std::string>>{{"a.bin", "sub/a.bin"}, {"up", "sub/up"}}));
  // Entry paths are the requested path + name, even through a symlinked directory.
  got.clear();
  for (auto& e : fs->read_dir("dirlink")) got.emplace(e.file_name, e.path);
  BOOST_TEST(got.count({"a.bin", "dirlink/a.bin"}) == 1u);
  std::set<std::string> top;
  for (auto& e : fs->read_dir("")) {
    BOOST_TEST(e.path == e.file_name);
    top.insert(e.file_name);
  }
  BOOST_TEST((top == std::set<std::string>{"hello.txt", "sub", "link", "abslink", "dirlink"}));

  Metadata m = fs->metadata("hello.txt");
  BOOST_TEST(m.len == 11u);
  BOOST_TEST(m.file_type.is_file);
  BOOST_TEST(!m.file_type.is_dir);
  BOOST_TEST(to_time_point(m.modified).has_value());
  BOOST_TEST(fs->metadata("link").file_type.is_file);  // followed
  BOOST_TEST(!fs->metadata("link").file_type.is_symlink);
  BOOST_TEST(fs->symlink_metadata("link").file_type.is_symlink);
  BOOST_TEST(fs->metadata("").file_type.is_dir);
  BOOST_TEST(fs->metadata("dirlink").file_type.is_dir);
  BOOST_TEST(fs->exists("hello.txt"));
  BOOST_TEST(!fs->exists("nope.txt"));

  BOOST_TEST(fs->canonicalize("sub/../hello.txt") == "hello.txt");
  BOOST_TEST(fs->canonicalize("link") == "hello.txt");
  BOOST_TEST(fs->canonicalize("dirlink/a.bin") == "sub/a.bin");
  BOOST_TEST(fs->canonicalize("") == "");
  BOOST_TEST(fs->read_link("link") == "hello.txt");
  BOOST_TEST(fs->read_link("abslink") == "hello.txt");  // absolute target, made root-relative
  BOOST_TEST(fs->read_link("sub/up") == "hello.txt");   // relative to the root, not the link

  File f = fs->open("hello.txt");
  BOOST_TEST(f.handle().value == 0u);  // handles count from 0 per served filesystem
  char buf[16] = {};
  BOOST_TEST(f.read(buf, 5) == 5u);
  BOOST_TEST(std::string(buf, 5) == "hello");
  BOOST_TEST(f.metadata().len == 11u);
  File g = f.try_clone();
  BOOST_TEST(g.handle().value == 1u);
  BOOST_TEST(f.read_into(buf, sizeof buf) == 6u);  // the rest, then end of file
  BOOST_TEST(std::string(buf, 6) == " world");
  BOOST_TEST(f.read(buf, 5) == 0u);
  BOOST_TEST(as_string(f.read_chunk(100)).empty());

  auto in = open_input_stream(fs, "sub/a.bin");
  std::string all((std::istreambuf_iterator<char>(*in)), {});
  BOOST_TEST(all.size() == 16u);
  BOOST_TEST(all[15] == 15);
}

BOOST_AUTO_TEST_CASE(read_only_refuses_writes_locally) {
  TempDir dir;
  make_tree(dir);
  Session s;
  auto fs = s.serve(dir.path(), Access::kReadOnly);
  auto local_denied = [](auto&& f) {
    IoError e = expect_io_error(f);
    BOOST_TEST(e.kind() == IoErrorKind::PermissionDenied);
    BOOST_TEST((e.origin() == IoError::Origin::kLocal));
  };
  local_denied([&] { fs->write("new.txt", "x"); });
  local_denied([&] { fs->create("new.txt"); });
  local_denied([&] { fs->open_with_options("new.txt", OpenOptions{true, false, false, false, false, false}); });
  local_denied([&] { fs->create_dir("d"); });
  local_denied([&] { fs->create_dir_all("d/e"); });
  local_denied([&] { fs->remove_file("hello.txt"); });
  local_denied([&] { fs->remove_dir("sub"); });
  local_denied([&] { fs->remove_dir_all("sub"); });
  local_denied([&] { fs->rename("hello.txt", "x"); });
  local_denied([&] { fs->copy("hello.txt", "x"); });
  local_denied([&] { fs->hard_link("hello.txt", "x"); });
  local_denied([&] { fs->symlink("hello.txt", "x"); });
  local_denied([&] { fs->set_permissions("hello.txt", Permissions{true}); });
  File f = fs->open("hello.txt");
  local_denied([&] { f.write("x", 1); });
  local_denied([&] { f.flush(); });
  local_denied([&] { f.shutdown(); });
  local_denied([&] { f.sync_all(); });
  local_denied([&] { f.sync_data(); });
  local_denied([&] { f.set_len(0); });
  local_denied([&] { f.set_permissions(Permissions{true}); });
  IoError seek = expect_io_error([&] { f.seek(w::SeekStart{0}); });
  BOOST_TEST(seek.kind() == IoErrorKind::Unsupported);
  BOOST_TEST((seek.origin() == IoError::Origin::kLocal));
  // Nothing was sent: the filesystem still works, and nothing changed on disk.
  BOOST_TEST(fs->read_to_string("hello.txt") == "hello world");
  BOOST_TEST(!stdfs::exists(dir / "new.txt"));
  BOOST_TEST(!stdfs::exists(dir / "d"));
  BOOST_TEST(read_host_file(dir / "hello.txt") == "hello world");
}

BOOST_AUTO_TEST_CASE(read_write_operations) {
  TempDir dir;
  Session s;
  auto fs = s.serve(dir.path(), Access::kReadWrite);

  fs->create_dir_all("out/deep/er");
  BOOST_TEST(stdfs::is_directory(dir / "out/deep/er"));
  fs->create_dir_all("out/deep/er");  // existing: fine
  fs->create_dir_all("");
  fs->create_dir("out/d2");
  BOOST_TEST(stdfs::is_directory(dir / "out/d2"));

  File f = fs->create("out/file.bin");
  BOOST_TEST(f.handle().value == 0u);
  BOOST_TEST(f.write("abc\0\xff", 5) == 5u);
  f.flush();
  f.sync_all();
  f.sync_data();
  BOOST_TEST(read_host_file(dir / "out/file.bin") == std::string("abc\0\xff", 5));
  f.set_len(10);
  BOOST_TEST(f.metadata().len == 10u);
  f.set_permissions(Permissions{true});
  BOOST_TEST(f.metadata().permissions.ro);
  f.set_permissions(Permissions{false});
  BOOST_TEST(!f.metadata().permissions.ro);
  f.shutdown();

  File g = fs->open_with_options("out/file.bin", OpenOptions{true, true, true, false, false, false});
  BOOST_TEST(g.handle().value == 1u);
  g.write_all("xyz", 3);
  BOOST_TEST(fs->metadata("out/file.bin").len == 13u);
  IoError exists = expect_io_error(
      [&] { fs->open_with_options("out/file.bin", OpenOptions{false, true, false, false, false, true}); });
  BOOST_TEST(exists.kind() == IoErrorKind::AlreadyExists);
  IoError invalid = expect_io_error([&] { fs->open_with_options("out/file.bin", OpenOptions{}); });
  BOOST_TEST(invalid.kind() == IoErrorKind::InvalidInput);

  fs->write("out/w.txt", "written");
  BOOST_TEST(read_host_file(dir / "out/w.txt") == "written");
  BOOST_TEST(fs->copy("out/w.txt", "out/w2.txt") == 7u);
  fs->rename("out/w2.txt", "out/w3.txt");
  BOOST_TEST(!stdfs::exists(dir / "out/w2.txt"));
  fs->hard_link("out/w3.txt", "out/hl.txt");
  BOOST_TEST(stdfs::hard_link_count(dir / "out/w3.txt") == 2u);

  // Symlink{src, dst}: dst -> absolute host path of root/src.
  fs->symlink("out/w3.txt", "out/sl.txt");
  BOOST_TEST(stdfs::read_symlink(dir / "out/sl.txt").string() == dir / "out/w3.txt");
  BOOST_TEST(fs->read_link("out/sl.txt") == "out/w3.txt");
  BOOST_TEST(fs->read_to_string("out/sl.txt") == "written");
  fs->symlink("/hello", "dangling");  // leading '/' = root
  BOOST_TEST(stdfs::read_symlink(dir / "dangling").string() == dir / "hello");
  fs->write("dangling", "through");  // created at the link's (in-root) target
  BOOST_TEST(read_host_file(dir / "hello") == "through");

  fs->set_permissions("out/w3.txt", Permissions{true});
  BOOST_TEST(fs->metadata("out/w3.txt").permissions.ro);
  BOOST_TEST(((stdfs::status(dir / "out/w3.txt").permissions() & stdfs::perms::owner_write) == stdfs::perms::none));
  fs->set_permissions("out/w3.txt", Permissions{false});
  BOOST_TEST(!fs->metadata("out/w3.txt").permissions.ro);

  fs->remove_file("out/hl.txt");
  BOOST_TEST(!stdfs::exists(dir / "out/hl.txt"));
  fs->remove_dir("out/d2");
  BOOST_TEST(!stdfs::exists(dir / "out/d2"));
  fs->write("out/deep/er/x.txt", "x");
  fs->symlink("out/w3.txt", "out/deep/link");
  fs->remove_dir_all("out/deep");
  BOOST_TEST(!stdfs::exists(dir / "out/deep"));
  BOOST_TEST(stdfs::exists(dir / "out/w3.txt"));  // the link's target survives
}

BOOST_AUTO_TEST_CASE(chunked_whole_file_read_and_write) {
  TempDir dir;
  Session s;
  FileSystemOptions small;
  small.chunk_bytes = 64 * 1024;
  auto fs = s.serve(dir.path(), Access::kReadWrite, small);
  std::string big(1000 * 1000 + 7, '\0');
  for (std::size_t i = 0; i < big.size(); ++i) big[i] = static_cast<char>('a' + i % 26);
  fs->write("big.txt", big);  // CreateFile + WriteData chunks + WriteFlush
  BOOST_TEST(read_host_file(dir / "big.txt") == big);
  BOOST_TEST(as_string(fs->read("big.txt")) == big);  // OpenFile + ReadBytes chunks
  BOOST_TEST(fs->read_to_string("big.txt") == big);
  write_file(dir / "bad.txt", std::string(100 * 1000, 'a') + "\xff");
  IoError e = expect_io_error([&] { fs->read_to_string("bad.txt"); });
  BOOST_TEST(e.kind() == IoErrorKind::InvalidData);
  BOOST_TEST(e.message() == "stream did not contain valid UTF-8");
  write_file(dir / "bad_small.txt", "\xff");
  e = expect_io_error([&] { fs->read_to_string("bad_small.txt"); });
  BOOST_TEST(e.kind() == IoErrorKind::InvalidData);
  BOOST_TEST((e.origin() == IoError::Origin::kServer));
}

BOOST_AUTO_TEST_CASE(io_error_kinds_and_messages) {
  TempDir dir;
  make_tree(dir);
  Session s;
  auto fs = s.serve(dir.path(), Access::kReadWrite);

  IoError nf = expect_io_error([&] { fs->read_to_string("missing.txt"); });
  BOOST_TEST(nf.kind() == IoErrorKind::NotFound);
  BOOST_TEST(nf.message() == "No such file or directory (os error 2)");
  BOOST_TEST((nf.origin() == IoError::Origin::kServer));
  BOOST_TEST(nf.path() == "missing.txt");
  BOOST_TEST(std::string(nf.what()).find("missing.txt") != std::string::npos);
  BOOST_TEST(std::string(nf.what()).find("NotFound") != std::string::npos);

  IoError ae = expect_io_error([&] { fs->create_dir("sub"); });
  BOOST_TEST(ae.kind() == IoErrorKind::AlreadyExists);
  BOOST_TEST(ae.message() == "File exists (os error 17)");

  // Kinds outside the wire's subset are Other, as carton maps them.
  IoError nd = expect_io_error([&] { fs->read_dir("hello.txt"); });
  BOOST_TEST(nd.kind() == IoErrorKind::Other);
  BOOST_TEST(nd.message() == "Not a directory (os error 20)");
  IoError ne = expect_io_error([&] { fs->remove_dir("sub"); });
  BOOST_TEST(ne.kind() == IoErrorKind::Other);
  BOOST_TEST(ne.message() == "Directory not empty (os error 39)");

  File f = fs->open("hello.txt");
  IoError bad_fd = expect_io_error([&] { f.write("x", 1); });  // opened read-only
  BOOST_TEST(bad_fd.message() == "Bad file descriptor (os error 9)");
  BOOST_TEST(bad_fd.handle().value_or(99) == 0u);
  BOOST_TEST(bad_fd.path() == "hello.txt");

  if (::geteuid() != 0) {  // root ignores file modes
    ::chmod((dir / "hello.txt").c_str(), 0);
    IoError pd = expect_io_error([&] { fs->read("hello.txt"); });
    BOOST_TEST(pd.kind() == IoErrorKind::PermissionDenied);
    BOOST_TEST(pd.message() == "Permission denied (os error 13)");
    ::chmod((dir / "hello.txt").c_str(), 0644);
  }
}

BOOST_AUTO_TEST_CASE(server_refuses_what_it_does_not_allow) {
  // A client that believes the filesystem is writable and seekable sends what carton's
  // core would panic on; our server answers IoError instead.
  TempDir dir;
  make_tree(dir);
  Session s;
  const wire::StreamId id = s.core_mux()->new_stream_id();
  auto server = DirectoryServer::serve(s.core_mux(), id, dir.path(), Access::kReadOnly);
  FileSystemOptions seeking;
  seeking.allow_seek = true;
  seeking.call_timeout = kHangGuard;
  auto fs = FileSystem::connect(s.runner_mux(), wire::FsToken{id.value}, Access::kReadWrite, seeking);

  IoError pd = expect_io_error([&] { fs->create_dir("d"); });
  BOOST_TEST(pd.kind() == IoErrorKind::PermissionDenied);
  BOOST_TEST((pd.origin() == IoError::Origin::kServer));
  BOOST_TEST(pd.message() == "Tried calling create_dir on a filesystem that does not support it");
  BOOST_TEST(!stdfs::exists(dir / "d"));
  File f = fs->open("hello.txt");
  IoError un = expect_io_error([&] { f.seek(w::SeekEnd{-1}); });
  BOOST_TEST(un.kind() == IoErrorKind::Unsupported);
  BOOST_TEST(un.message() == "Tried calling seek on a filesystem that does not support it");
  // Unknown handles are answered (carton panics on them).
  IoError h = expect_io_error([&] { fs->call(w::ReadBytesRequest{w::FileHandle{42}, 10}); });
  BOOST_TEST(h.message() == "Bad file descriptor (os error 9)");
  BOOST_TEST(fs->read_to_string("hello.txt") == "hello world");
}

BOOST_AUTO_TEST_CASE(seek_when_both_sides_allow_it) {
  TempDir dir;
  make_tree(dir);
  Session s;
  FileSystemOptions client;
  client.allow_seek = true;
  DirectoryServerOptions server;
  server.allow_seek = true;
  auto fs = s.serve(dir.path(), Access::kReadOnly, client, server);
  File f = fs->open("hello.txt");
  BOOST_TEST(f.seek(w::SeekEnd{-5}) == 6u);
  char buf[8];
  BOOST_TEST(f.read(buf, 8) == 5u);
  BOOST_TEST(std::string(buf, 5) == "world");
  BOOST_TEST(f.seek(w::SeekCurrent{-3}) == 8u);
  BOOST_TEST(f.seek(w::SeekStart{0}) == 0u);
}

BOOST_AUTO_TEST_CASE(handles_and_rpc_ids_are_per_filesystem) {
  TempDir a, b;
  make_tree(a);
  make_tree(b);
  Session s;
  auto fa = s.serve(a.path(), Access::kReadOnly);
  auto fb = s.serve(b.path(), Access::kReadWrite);
  BOOST_TEST(fa->stream().value == 0u);
  BOOST_TEST(fb->stream().value == 1u);
  BOOST_TEST(fa->open("hello.txt").handle().value == 0u);
  BOOST_TEST(fb->open("hello.txt").handle().value == 0u);
  BOOST_TEST(fa->open("hello.txt").handle().value == 1u);
  BOOST_CHECK_THROW(FileSystem::connect(s.runner_mux(), carton::wire::FsToken{0}, Access::kReadOnly), std::logic_error);
}

namespace {
std::size_t thread_count() {
  return static_cast<std::size_t>(std::distance(stdfs::directory_iterator("/proc/self/task"), {}));
}
}  // namespace

// A served directory starts its worker with the first request: a core serving
// filesystems a runner never touches (and the fuzzer, which answers directly) holds no
// thread for them.
BOOST_AUTO_TEST_CASE(worker_starts_with_the_first_request) {
  TempDir dir;
  make_tree(dir);
  Session s;
  const std::size_t before = thread_count();
  std::vector<std::shared_ptr<FileSystem>> fss;
  for (int i = 0; i < 8; ++i) fss.push_back(s.serve(dir.path(), Access::kReadOnly));
  BOOST_TEST(thread_count() == before);
  BOOST_TEST(fss[3]->read_to_string("hello.txt") == "hello world");
  BOOST_TEST(fss[3]->read_to_string("sub/up") == "hello world");
  BOOST_TEST(thread_count() == before + 1);
}

BOOST_AUTO_TEST_CASE(synchronous_call_on_the_io_thread_throws_and_async_works_there) {
  TempDir dir;
  make_tree(dir);
  Session s;
  auto fs = s.serve(dir.path(), Access::kReadOnly);
  std::promise<std::string> sync_result;
  std::promise<std::string> async_result;
  boost::asio::post(s.runner_io(), [&] {
    try {
      fs->metadata("hello.txt");
      sync_result.set_value("no exception");
    } catch (const std::logic_error& e) {
      sync_result.set_value(e.what());
    }
    fs->async_read_to_string("hello.txt", [&](Result<std::string> r) { async_result.set_value(r.value()); });
  });
  const std::string what = sync_result.get_future().get();
  BOOST_TEST(what.find("deadlock") != std::string::npos);
  BOOST_TEST(async_result.get_future().get() == "hello world");
}

BOOST_AUTO_TEST_CASE(asynchronous_forms) {
  TempDir dir;
  make_tree(dir);
  Session s;
  FileSystemOptions small;
  small.chunk_bytes = 4;
  auto rw = s.serve(dir.path(), Access::kReadWrite, small);

  std::promise<Result<w::MetadataResponse>> md;
  rw->async_call(w::MetadataRequest{"hello.txt"}, [&](Result<w::MetadataResponse> r) { md.set_value(std::move(r)); });
  BOOST_TEST(md.get_future().get().value().res.len == 11u);

  std::promise<Result<w::ReadResponse>> missing;
  rw->async_call(w::ReadRequest{"nope"}, [&](Result<w::ReadResponse> r) { missing.set_value(std::move(r)); });
  auto m = missing.get_future().get();
  BOOST_TEST(!m.ok());
  BOOST_TEST(m.error().kind() == IoErrorKind::NotFound);

  std::promise<Result<carton::wire::Bytes>> whole;  // chunked: 11 bytes in chunks of 4
  rw->async_read("hello.txt", [&](Result<carton::wire::Bytes> r) { whole.set_value(std::move(r)); });
  BOOST_TEST(as_string(whole.get_future().get().value()) == "hello world");

  std::promise<Result<void>> wrote;
  rw->async_write("w.txt", carton::wire::Bytes::copy_of("0123456789"), [&](Result<void> r) { wrote.set_value(r); });
  BOOST_TEST(wrote.get_future().get().ok());
  BOOST_TEST(read_host_file(dir / "w.txt") == "0123456789");

  auto ro = s.serve(dir.path(), Access::kReadOnly);
  std::promise<Result<w::CreateDirResponse>> refused;
  ro->async_call(w::CreateDirRequest{"x"}, [&](Result<w::CreateDirResponse> r) { refused.set_value(std::move(r)); });
  auto rr = refused.get_future().get();
  BOOST_TEST(!rr.ok());
  BOOST_TEST((rr.error().origin() == IoError::Origin::kLocal));
}

BOOST_AUTO_TEST_SUITE_END()
