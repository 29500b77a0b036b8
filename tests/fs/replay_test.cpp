// Replays carton's captured filesystem vectors: for each fs_req_*.bin, the same call on
// our client must put byte-identical payload on the wire, and the matching fs_res_*.bin
// fed back must give the expected result.
//
// The fake core on the other end of a socketpair records the frame whose rpc_id is the
// vector's and answers it with the captured response; every other request (the setup
// and the fillers that bring the rpc counter to the vector's id) gets a default success
// answer of the right type (OpenFile -> handle 0, Metadata -> length 0, ...).
#include <map>
#include <mutex>

#include "carton/conformance/vector_index.hpp"
#include "carton/runtime/frame_channel.hpp"
#include "carton/wire/fs_codec.hpp"
#include "carton/wire/message.hpp"
#include "fs_test_support.hpp"

using namespace carton::fs;
using namespace carton::fs::test;
namespace w = carton::wire::fs;
using carton::wire::Bytes;
using carton::wire::CoreRevision;

namespace {

const std::string kVectors = std::string(CARTON_SOURCE_DIR) + "/conformance/vectors/carton-0.0.1";

template <std::size_t I = 0>
w::Response default_response(std::size_t index) {
  if constexpr (I < std::variant_size_v<w::Response>) {
    if (I == index) return w::Response(std::in_place_index<I>);
    return default_response<I + 1>(index);
  } else {
    throw std::logic_error("no response variant " + std::to_string(index));
  }
}

class FakeCore {
 public:
  FakeCore(boost::asio::io_context& io, carton::runtime::UniqueFd fd, std::uint64_t target_rpc, Bytes answer)
      : target_(target_rpc), answer_(std::move(answer)) {
    channel_ = carton::runtime::FrameChannel::create(io, std::move(fd), {carton::wire::kDefaultMaxFrameBytes, "fake-core"});
    channel_->start([this](Bytes frame) { on_frame(std::move(frame)); }, [](std::string) {});
  }
  ~FakeCore() { channel_->close(); }

  std::optional<Bytes> captured() {
    std::lock_guard<std::mutex> lock(mu_);
    return captured_;
  }

 private:
  void on_frame(Bytes frame) {
    auto req = carton::wire::decode_message<w::FsRequestFrame>(frame, CoreRevision::Carton0_0_1);
    if (req.rpc_id == target_) {
      {
        std::lock_guard<std::mutex> lock(mu_);
        captured_ = frame;
      }
      channel_->send(carton::wire::Encoded{answer_.to_vector(), {}});
      return;
    }
    w::FsResponseFrame reply{req.stream, req.rpc_id, default_response(req.msg.index() + 1)};
    channel_->send(carton::wire::encode_message(reply, CoreRevision::Carton0_0_1));
  }

  std::uint64_t target_;
  Bytes answer_;
  std::shared_ptr<carton::runtime::FrameChannel> channel_;
  std::mutex mu_;
  std::optional<Bytes> captured_;
};

enum class Setup { kNone, kOpen };

struct Spec {
  Access access = Access::kReadOnly;
  Setup setup = Setup::kNone;
  int pre_calls = 0;  // requests the call itself sends before the vector's one
  bool allow_seek = false;
  std::function<void(FileSystem&, File*, const w::Response& expected)> run;
};

using Run = std::function<void(FileSystem&, File*, const w::Response&)>;

Spec ro(Run run, Setup setup = Setup::kNone, int pre = 0) { return Spec{Access::kReadOnly, setup, pre, false, run}; }
Spec rw(Run run, Setup setup = Setup::kNone, int pre = 0) { return Spec{Access::kReadWrite, setup, pre, false, run}; }

void expect_error(const std::function<void()>& f, IoErrorKind kind, const std::string& msg) {
  IoError e = expect_io_error(f);
  BOOST_TEST(e.kind() == kind);
  BOOST_TEST(e.message() == msg);
  BOOST_TEST((e.origin() == IoError::Origin::kServer));
}

std::map<std::string, Spec> specs() {
  std::map<std::string, Spec> m;
  m["fs_req_read"] = ro(
      [](FileSystem& fs, File*, const w::Response&) {
        std::string want;
        for (int i = 0; i < 16; ++i) want += static_cast<char>(i);
        BOOST_TEST(as_string(fs.read("sub/a.bin")) == want);
      },
      Setup::kNone, 1);  // Metadata first (the chunking decision)
  m["fs_req_read_dir_wrapper"] = ro([](FileSystem& fs, File*, const w::Response&) {
    auto entries = fs.read_dir("sub");
    BOOST_REQUIRE(entries.size() == 1u);
    BOOST_TEST(entries[0].file_name == "a.bin");
    BOOST_TEST(entries[0].path == "sub/a.bin");
  });
  m["fs_req_canonicalize"] = ro(
      [](FileSystem& fs, File*, const w::Response&) { BOOST_TEST(fs.canonicalize("sub/../hello.txt") == "hello.txt"); });
  m["fs_req_read_link"] =
      ro([](FileSystem& fs, File*, const w::Response&) { BOOST_TEST(fs.read_link("link") == "hello.txt"); });
  m["fs_req_open_file"] =
      ro([](FileSystem& fs, File*, const w::Response&) { BOOST_TEST(fs.open("hello.txt").handle().value == 0u); });
  m["fs_req_file_metadata"] = ro(
      [](FileSystem&, File* f, const w::Response& expected) {
        BOOST_TEST((f->metadata() == std::get<w::FileMetadataResponse>(expected).res));
      },
      Setup::kOpen);
  m["fs_req_read_bytes"] = ro(
      [](FileSystem&, File* f, const w::Response&) {
        char buf[5];
        BOOST_TEST(f->read(buf, 5) == 5u);
        BOOST_TEST(std::string(buf, 5) == "hello");
      },
      Setup::kOpen);
  m["fs_req_file_try_clone"] =
      ro([](FileSystem&, File* f, const w::Response&) { BOOST_TEST(f->try_clone().handle().value == 1u); }, Setup::kOpen);
  m["fs_req_ioerror_notfound"] = ro(
      [](FileSystem& fs, File*, const w::Response&) {
        expect_error([&] { fs.read_to_string("missing.txt"); }, IoErrorKind::NotFound,
                     "No such file or directory (os error 2)");
      },
      Setup::kNone, 1);
  m["fs_req_create_dir_all"] = rw([](FileSystem& fs, File*, const w::Response&) { fs.create_dir_all("out/deep/er"); });
  m["fs_req_create_dir"] = rw([](FileSystem& fs, File*, const w::Response&) { fs.create_dir("out/d2"); });
  m["fs_req_create_file"] =
      rw([](FileSystem& fs, File*, const w::Response&) { BOOST_TEST(fs.create("out/file.bin").handle().value == 0u); });
  m["fs_req_write_data"] =
      rw([](FileSystem&, File* f, const w::Response&) { BOOST_TEST(f->write("abc\0\xff", 5) == 5u); }, Setup::kOpen);
  m["fs_req_write_flush"] = rw([](FileSystem&, File* f, const w::Response&) { f->flush(); }, Setup::kOpen);
  m["fs_req_file_sync_data"] = rw([](FileSystem&, File* f, const w::Response&) { f->sync_data(); }, Setup::kOpen);
  m["fs_req_file_set_len"] = rw([](FileSystem&, File* f, const w::Response&) { f->set_len(10); }, Setup::kOpen);
  m["fs_req_file_set_permissions"] =
      rw([](FileSystem&, File* f, const w::Response&) { f->set_permissions(Permissions{false}); }, Setup::kOpen);
  m["fs_req_write_shutdown"] = rw([](FileSystem&, File* f, const w::Response&) { f->shutdown(); }, Setup::kOpen);
  m["fs_req_open_file_with_opts"] = rw([](FileSystem& fs, File*, const w::Response&) {
    OpenOptions o{true, true, true, false, false, false};
    BOOST_TEST(fs.open_with_options("out/file.bin", o).handle().value == 1u);
  });
  m["fs_req_write"] = rw([](FileSystem& fs, File*, const w::Response&) { fs.write("out/w.txt", "written"); });
  m["fs_req_copy"] =
      rw([](FileSystem& fs, File*, const w::Response&) { BOOST_TEST(fs.copy("out/w.txt", "out/w2.txt") == 7u); });
  m["fs_req_rename"] = rw([](FileSystem& fs, File*, const w::Response&) { fs.rename("out/w2.txt", "out/w3.txt"); });
  m["fs_req_hard_link"] = rw([](FileSystem& fs, File*, const w::Response&) { fs.hard_link("out/w3.txt", "out/hl.txt"); });
  m["fs_req_symlink"] = rw([](FileSystem& fs, File*, const w::Response&) { fs.symlink("w3.txt", "out/sl.txt"); });
  m["fs_req_set_permissions"] =
      rw([](FileSystem& fs, File*, const w::Response&) { fs.set_permissions("out/w3.txt", Permissions{true}); });
  m["fs_req_set_permissions_rw"] =
      rw([](FileSystem& fs, File*, const w::Response&) { fs.set_permissions("out/w3.txt", Permissions{false}); });
  m["fs_req_remove_file"] = rw([](FileSystem& fs, File*, const w::Response&) { fs.remove_file("out/hl.txt"); });
  m["fs_req_remove_dir"] = rw([](FileSystem& fs, File*, const w::Response&) { fs.remove_dir("out/d2"); });
  m["fs_req_remove_dir_all"] = rw([](FileSystem& fs, File*, const w::Response&) { fs.remove_dir_all("out/deep"); });
  m["fs_req_ioerror_alreadyexists"] = rw([](FileSystem& fs, File*, const w::Response&) {
    expect_error([&] { fs.create_dir("out"); }, IoErrorKind::AlreadyExists, "File exists (os error 17)");
  });
  Spec seek = ro(
      [](FileSystem&, File* f, const w::Response&) { BOOST_TEST(f->seek(w::SeekCurrent{-3}) == 3u); }, Setup::kOpen);
  seek.allow_seek = true;  // captured from a test server that allowed seeking
  m["fs_req_seek_current"] = seek;
  return m;
}

void replay(const std::string& name, const Spec& spec) {
  const Bytes request = carton::conformance::read_file(kVectors + "/" + name + ".bin");
  const std::string res_name = "fs_res_" + name.substr(std::string("fs_req_").size());
  const Bytes answer = carton::conformance::read_file(kVectors + "/" + res_name + ".bin");
  const auto want = carton::wire::decode_message<w::FsRequestFrame>(request, CoreRevision::Carton0_0_1);
  const auto expected = carton::wire::decode_message<w::FsResponseFrame>(answer, CoreRevision::Carton0_0_1);
  BOOST_TEST_REQUIRE(expected.rpc_id == want.rpc_id);

  IoThread core_io, runner_io;
  auto [core_end, runner_end] = carton::runtime::make_socketpair();
  FakeCore core(core_io.io(), std::move(core_end), want.rpc_id, answer);
  auto mux = Multiplexer::create(runner_io.io(), std::move(runner_end), Side::kRunner);
  mux->start();
  FileSystemOptions opts;
  opts.allow_seek = spec.allow_seek;
  opts.call_timeout = kHangGuard;
  {
    auto fs = FileSystem::connect(mux, carton::wire::FsToken{want.stream.value}, spec.access, opts);
    std::optional<File> file;
    std::uint64_t sent = 0;
    if (spec.setup == Setup::kOpen) {
      file.emplace(fs->open("setup.bin"));  // default answer: handle 0
      ++sent;
    }
    for (; sent + spec.pre_calls < want.rpc_id; ++sent) fs->metadata("filler");
    spec.run(*fs, file ? &*file : nullptr, expected.msg);
  }
  auto got = core.captured();
  BOOST_REQUIRE_MESSAGE(got.has_value(), "no request with rpc_id " << want.rpc_id << " was sent");
  BOOST_TEST(got->to_vector() == request.to_vector(), boost::test_tools::per_element());
  mux->close();
}

}  // namespace

BOOST_AUTO_TEST_SUITE(replay_vectors)

BOOST_AUTO_TEST_CASE(every_fs_request_vector_is_reproduced_byte_for_byte) {
  const auto all = specs();
  std::size_t replayed = 0;
  for (const auto& e : carton::conformance::read_vector_index(kVectors)) {
    if (e.name.rfind("fs_req_", 0) != 0) continue;
    BOOST_TEST_CONTEXT("vector " << e.name) {
      auto it = all.find(e.name);
      BOOST_TEST((it != all.end()), "no replay spec for " << e.name);
      if (it == all.end()) continue;
      replay(e.name, it->second);
      ++replayed;
    }
  }
  BOOST_TEST(replayed == all.size());
  BOOST_TEST_MESSAGE("replayed " << replayed << " filesystem request vectors");
}

BOOST_AUTO_TEST_SUITE_END()
