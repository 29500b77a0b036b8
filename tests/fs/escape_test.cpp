// The served root confines every path: `..` above it and symlinks leading out of it are
// refused, never followed.
#include "fs_test_support.hpp"

using namespace carton::fs;
using namespace carton::fs::test;

BOOST_AUTO_TEST_SUITE(confinement)

namespace {

void expect_refused(const std::function<void()>& f, const char* what) {
  BOOST_TEST_CONTEXT(what) {
    IoError e = expect_io_error(f);
    BOOST_TEST((e.kind() == IoErrorKind::PermissionDenied || e.kind() == IoErrorKind::NotFound));
    BOOST_TEST((e.origin() == IoError::Origin::kServer));
  }
}

}  // namespace

BOOST_AUTO_TEST_CASE(escape_attempts_are_refused) {
  TempDir outer;  // root = outer/root; outer/secret.txt must stay unreachable
  stdfs::create_directory(outer / "root");
  write_file(outer / "secret.txt", "secret");
  const std::string root = outer / "root";
  write_file(root + "/hello.txt", "hello");
  stdfs::create_directory(root + "/sub");
  stdfs::create_symlink("/etc", root + "/etc_link");                // absolute, outside
  stdfs::create_symlink("../secret.txt", root + "/up_link");        // relative, outside
  stdfs::create_symlink("../../secret.txt", root + "/sub/up2");     // relative, outside
  stdfs::create_symlink(outer / "secret.txt", root + "/abs_secret");
  stdfs::create_symlink(outer / "new_outside", root + "/dangling_out");  // dangling, outside
  stdfs::create_symlink("../..", root + "/sub/loop_out");

  Session s;
  auto fs = s.serve(root, Access::kReadWrite);

  for (const char* p : {"../secret.txt", "sub/../../secret.txt", "/../secret.txt", "..", "a/../../secret.txt"}) {
    expect_refused([&] { fs->read(p); }, p);
    expect_refused([&] { fs->metadata(p); }, p);
  }
  IoError lex = expect_io_error([&] { fs->read("../secret.txt"); });
  BOOST_TEST(lex.kind() == IoErrorKind::PermissionDenied);
  BOOST_TEST(lex.message() == "Path (../secret.txt) is not within the served directory");

  // An absolute-looking path is relative to the served root.
  IoError abs = expect_io_error([&] { fs->read("/etc/passwd"); });
  BOOST_TEST(abs.kind() == IoErrorKind::NotFound);

  for (const char* p : {"etc_link/passwd", "etc_link", "up_link", "sub/up2", "abs_secret", "sub/loop_out/secret.txt"}) {
    expect_refused([&] { fs->read(p); }, p);
    expect_refused([&] { fs->metadata(p); }, p);
    expect_refused([&] { fs->open(p); }, p);
    expect_refused([&] { fs->canonicalize(p); }, p);
  }
  expect_refused([&] { fs->read_dir("etc_link"); }, "read_dir etc_link");
  expect_refused([&] { fs->read_link("etc_link"); }, "read_link etc_link");
  expect_refused([&] { fs->read_link("up_link"); }, "read_link up_link");
  expect_refused([&] { fs->read_link("abs_secret"); }, "read_link abs_secret");
  // The links themselves are in the root: lstat works and says what they are.
  BOOST_TEST(fs->symlink_metadata("etc_link").file_type.is_symlink);

  // Writes that would land outside.
  expect_refused([&] { fs->write("dangling_out", "x"); }, "write through dangling link");
  BOOST_TEST(!stdfs::exists(outer / "new_outside"));
  expect_refused([&] { fs->create("etc_link/carton_test"); }, "create through link");
  expect_refused([&] { fs->write("../evil.txt", "x"); }, "write ..");
  BOOST_TEST(!stdfs::exists(outer / "evil.txt"));
  expect_refused([&] { fs->rename("hello.txt", "../moved.txt"); }, "rename out");
  expect_refused([&] { fs->rename("../secret.txt", "stolen.txt"); }, "rename in");
  expect_refused([&] { fs->copy("up_link", "copy.txt"); }, "copy from outside");
  expect_refused([&] { fs->hard_link("../secret.txt", "hl"); }, "hard link");
  expect_refused([&] { fs->symlink("../secret.txt", "ln"); }, "symlink to above root");
  expect_refused([&] { fs->set_permissions("up_link", Permissions{true}); }, "chmod through link");
  expect_refused([&] { fs->remove_dir_all(".."); }, "remove_dir_all ..");
  expect_refused([&] { fs->create_dir_all("sub/loop_out/made"); }, "mkdir through link");
  BOOST_TEST(!stdfs::exists(outer / "made"));

  // The root itself cannot be removed or replaced.
  BOOST_CHECK_THROW(fs->remove_dir_all(""), IoError);
  BOOST_CHECK_THROW(fs->rename("", "x"), IoError);

  // Removing a link removes the link, not what it points at.
  fs->remove_file("abs_secret");
  fs->remove_dir_all("etc_link");
  BOOST_TEST(stdfs::exists("/etc/passwd"));
  BOOST_TEST(read_host_file(outer / "secret.txt") == "secret");
  BOOST_TEST(fs->read_to_string("hello.txt") == "hello");
}

BOOST_AUTO_TEST_CASE(links_inside_the_root_are_followed) {
  TempDir dir;
  make_tree(dir);
  stdfs::create_symlink("sub/../hello.txt", dir / "dotdot_inside");
  stdfs::create_symlink(dir / "sub", dir / "abs_dir");
  stdfs::create_symlink("loop_b", dir / "loop_a");
  stdfs::create_symlink("loop_a", dir / "loop_b");
  Session s;
  auto fs = s.serve(dir.path(), Access::kReadOnly);
  BOOST_TEST(fs->read_to_string("dotdot_inside") == "hello world");
  BOOST_TEST(fs->read("abs_dir/a.bin").size() == 16u);
  BOOST_TEST(fs->canonicalize("abs_dir/up") == "hello.txt");
  IoError loop = expect_io_error([&] { fs->read("loop_a"); });
  BOOST_TEST(loop.message() == "Too many levels of symbolic links (os error 40)");
}

BOOST_AUTO_TEST_SUITE_END()
