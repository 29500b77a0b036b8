// ModelHandler<Model> served in this process (serve() on a socketpair, the filesystem
// channel served by the mock's DirectoryServer), with a model that only scales its
// inputs: what the template does for every framework runner, seen from the core's side
// of the wire.
#include <boost/test/unit_test.hpp>

#include <unistd.h>

#include <boost/asio/executor_work_guard.hpp>
#include <boost/asio/io_context.hpp>
#include <filesystem>
#include <fstream>
#include <future>
#include <map>
#include <stdexcept>
#include <thread>

#include "carton/fs/directory_server.hpp"
#include "carton/fs/file_system.hpp"
#include "carton/fs/multiplexer.hpp"
#include "carton/mock/typed_core.hpp"
#include "carton/runner/model_handler.hpp"
#include "carton/runner/serve.hpp"
#include "carton/runtime/handler_scope.hpp"
#include "carton/wire/messages.hpp"
#include "carton/mock/runner_test_support.hpp"
#include "in_process_core.hpp"

using namespace carton;
using wire::Tensor;
using Tensors = wire::Map<std::string, Tensor>;
namespace stdfs = std::filesystem;

namespace {

struct Scale {
  float factor;
};

// Load reads runner option "factor" (no option refuses the Load), or with option
// "from_file" the factor in scale.txt or factor.txt of the model directory. Pack's
// check reads the model file: a number is a model (packed as `pack_as`), "name me"
// is refused by an exception naming the file, anything else by one that does not.
// An input named "fail" makes the infer throw; one named "hold" makes it wait for
// `release` once it has started.
class ScaleHandler : public runner::ModelHandler<Scale> {
 public:
  ScaleHandler() : ModelHandler("a scale factor", {"scale.txt", "factor.txt"}) {}
  std::promise<void> entered;
  std::shared_future<void> release;
  std::string pack_as = "scale.txt";

 protected:
  std::shared_ptr<const Scale> load_served_model(const wire::LoadRequest& request) override {
    if (request.runner_opts && request.runner_opts->find("from_file") != request.runner_opts->end()) {
      const std::string file = find_model_file(request.fs, false);
      return std::make_shared<const Scale>(Scale{std::stof(read(request.fs, false, file))});
    }
    if (request.runner_opts) {
      auto it = request.runner_opts->find("factor");
      if (it != request.runner_opts->end()) {
        return std::make_shared<const Scale>(Scale{float(std::get<wire::IntegerOpt>(it->second).value)});
      }
    }
    throw std::invalid_argument("no factor given");
  }
  std::string pack_file_name(const wire::PackRequest& request, const std::string& file) override {
    const std::string text = read(request.fs, true, file);
    if (text == "name me") throw std::runtime_error(file + " is not a number");
    if (text.empty() || text.find_first_not_of("0123456789.") != std::string::npos) {
      throw std::runtime_error("it holds no factor");
    }
    return pack_as;
  }
  Tensors infer(const Scale& model, Tensors inputs) override {
    if (inputs.find("fail") != inputs.end()) throw std::runtime_error("asked to fail");
    if (inputs.find("hold") != inputs.end()) {
      entered.set_value();
      runtime::HandlerScope::will_block();  // let the next request be read meanwhile
      release.wait();
    }
    Tensors out;
    for (const auto& [name, t] : inputs) {
      auto v = t.values<float>();
      for (auto& x : v) x *= model.factor;
      out.insert_or_assign(name, Tensor::from_values<float>(t.shape(), std::move(v)));
    }
    return out;
  }

 private:
  std::string read(wire::FsToken fs, bool writable, const std::string& file) {
    return context().filesystem(fs, writable)->read_to_string(file);
  }
};

using test_support::InProcessCore;

using mock::testing::error_of;

wire::LoadRequest load_with(std::optional<std::int64_t> factor) {
  wire::LoadRequest load;
  if (factor) load.runner_opts = wire::Map<std::string, wire::RunnerOpt>{{"factor", wire::IntegerOpt{*factor}}};
  return load;
}

Tensors x(float v) { return {{"x", Tensor::from_values<float>({1}, {v})}}; }

// A tree served to Pack as carton serves the host: model files, folders holding them
// (or not), and an empty temp_folder, /tmp/pack.
struct PackTree {
  PackTree() {
    std::string tmpl = (stdfs::temp_directory_path() / "carton-model-handler-XXXXXX").string();
    BOOST_REQUIRE(::mkdtemp(tmpl.data()));
    root = tmpl;
    write("models/s.txt", "3");
    write("models/folder/factor.txt", "2");
    write("models/folder/notes.md", "kept as it is");
    write("models/both/scale.txt", "4");
    write("models/both/factor.txt", "5");
    write("models/nested/scale.txt/scale.txt", "3");  // a folder named as the file
    write("models/bad.txt", "x");
    write("models/named.txt", "name me");
    write("models/badfolder/factor.txt", "x");
    stdfs::create_directories(root / "models" / "empty");
    stdfs::create_directories(root / "tmp" / "pack");
  }
  ~PackTree() {
    std::error_code ec;
    stdfs::remove_all(root, ec);
  }
  void write(const std::string& rel, const std::string& text) {
    stdfs::create_directories((root / rel).parent_path());
    std::ofstream(root / rel) << text;
  }
  stdfs::path root;
};

std::string packed(InProcessCore& core, wire::FsToken fs, const std::string& input) {
  return core.core().pack({fs, input, "/tmp/pack"}).output_path;
}
std::string pack_error(InProcessCore& core, wire::FsToken fs, const std::string& input) {
  return error_of([&] { packed(core, fs, input); });
}

float infer_x(InProcessCore& core, float v) {
  return core.core().infer_with_tensors({x(v), false}).final->tensors.at("x").value<float>(0);
}

}  // namespace

BOOST_AUTO_TEST_SUITE(model_handler)

BOOST_AUTO_TEST_CASE(infer_before_any_load_asks_for_one_with_the_hint) {
  ScaleHandler handler;
  InProcessCore core(handler);
  const std::string expected = "Infer: no model loaded (send Load with a scale factor first)";
  BOOST_TEST(error_of([&] { core.core().infer_with_tensors({x(1), false}); }) == expected);
  // A failed Load is not a model either.
  BOOST_TEST(error_of([&] { core.core().load(load_with(std::nullopt)); }) == "Load: no factor given");
  const auto handle = core.core().seal({x(1)}).handle;
  BOOST_TEST(error_of([&] { core.core().infer_with_handle({handle, false}); }) == expected);
  // The handle was consumed even so.
  core.core().load(load_with(2));
  BOOST_TEST(error_of([&] { core.core().infer_with_handle({handle, false}); }) ==
             "InferWithHandle: " + runner::SealStore::unknown_handle_message(handle));
}

BOOST_AUTO_TEST_CASE(a_failed_load_keeps_the_previous_model) {
  ScaleHandler handler;
  InProcessCore core(handler);
  core.core().load(load_with(2));
  BOOST_TEST(infer_x(core, 1.5f) == 3.0f);
  BOOST_TEST(error_of([&] { core.core().load(load_with(std::nullopt)); }) == "Load: no factor given");
  BOOST_TEST(infer_x(core, 1.5f) == 3.0f);
  core.core().load(load_with(3));
  BOOST_TEST(infer_x(core, 1.5f) == 4.5f);
}

BOOST_AUTO_TEST_CASE(an_infer_keeps_its_model_while_a_load_replaces_it) {
  ScaleHandler handler;
  std::promise<void> release;
  handler.release = release.get_future().share();
  auto entered = handler.entered.get_future();
  InProcessCore core(handler);
  core.core().load(load_with(2));
  const auto held = core.send(wire::InferWithTensorsRequest{{{"hold", Tensor::from_values<float>({1}, {1})}}, false});
  BOOST_REQUIRE(entered.wait_for(std::chrono::seconds(20)) == std::future_status::ready);
  core.core().load(load_with(10));
  BOOST_TEST(infer_x(core, 1) == 10.0f);
  release.set_value();
  const auto replies = core.wait(held);
  BOOST_REQUIRE(replies.size() == 1u);
  const auto* out = std::get_if<wire::InferResponse>(&replies[0].data);
  BOOST_REQUIRE(out);
  BOOST_TEST(out->tensors.at("hold").value<float>(0) == 2.0f);
}

BOOST_AUTO_TEST_CASE(infer_errors_and_seal_handles) {
  ScaleHandler handler;
  InProcessCore core(handler);
  core.core().load(load_with(2));
  BOOST_TEST(error_of([&] { core.core().infer_with_tensors({{{"fail", Tensor::from_values<float>({1}, {1})}}, false}); }) ==
             "Infer: asked to fail");
  std::vector<wire::SealHandle> handles;
  for (int i = 0; i < 3; ++i) {
    handles.push_back(core.core().seal({x(float(i))}).handle);
    BOOST_TEST(handles.back().value == std::uint64_t(i));
  }
  for (int i : {2, 0, 1}) {
    BOOST_TEST(core.core().infer_with_handle({handles[i], false}).final->tensors.at("x").value<float>(0) == 2.0f * i);
  }
  BOOST_TEST(error_of([&] { core.core().infer_with_handle({handles[0], false}); }) ==
             "InferWithHandle: " + runner::SealStore::unknown_handle_message(handles[0]));
  // A streaming request still gets one complete reply.
  const auto streamed = core.core().infer_with_tensors({x(4), true});
  BOOST_TEST(streamed.partial.empty());
  BOOST_TEST(streamed.final->tensors.at("x").value<float>(0) == 8.0f);
}

BOOST_AUTO_TEST_CASE(pack_links_a_file_under_the_name_load_looks_for) {
  PackTree t;
  ScaleHandler handler;
  InProcessCore core(handler);
  const auto fs = core.serve_directory(t.root.string(), true);
  BOOST_TEST(packed(core, fs, "/models/s.txt") == "/tmp/pack");
  const auto link = t.root / "tmp" / "pack" / "scale.txt";
  BOOST_REQUIRE(stdfs::is_symlink(link));
  BOOST_TEST(stdfs::read_symlink(link) == t.root / "models" / "s.txt");
}

BOOST_AUTO_TEST_CASE(pack_answers_a_folder_holding_a_model_as_it_is) {
  PackTree t;
  ScaleHandler handler;
  InProcessCore core(handler);
  const auto fs = core.serve_directory(t.root.string(), true);
  BOOST_TEST(packed(core, fs, "/models/folder") == "/models/folder");
  BOOST_TEST(packed(core, fs, "/models/both") == "/models/both");
  BOOST_TEST(stdfs::is_empty(t.root / "tmp" / "pack"));
  // Load, served such a folder, reads the file of the same search: the first name.
  wire::LoadRequest load = load_with(std::nullopt);
  load.fs = core.serve_directory((t.root / "models" / "both").string(), false);
  load.runner_opts = wire::Map<std::string, wire::RunnerOpt>{{"from_file", wire::BooleanOpt{true}}};
  core.core().load(load);
  BOOST_TEST(infer_x(core, 1.5f) == 6.0f);
}

BOOST_AUTO_TEST_CASE(pack_refuses_a_folder_load_would_find_no_model_in) {
  PackTree t;
  ScaleHandler handler;
  InProcessCore core(handler);
  const auto fs = core.serve_directory(t.root.string(), true);
  const std::string hint =
      "; name the model file one of scale.txt, factor.txt, or pack the file itself (Pack links a file under the "
      "name Load looks for)";
  BOOST_TEST(pack_error(core, fs, "/models/empty") ==
             "Pack: no model file: /models/empty holds none of scale.txt, factor.txt" + hint);
  // The mistake of packing a folder as if it were the file: a folder carton would
  // save as model/scale.txt/scale.txt, which Load cannot read.
  BOOST_TEST(pack_error(core, fs, "/models/nested") ==
             "Pack: no model file: /models/nested holds none of scale.txt, factor.txt (scale.txt is a directory)" +
                 hint);
  wire::LoadRequest load = load_with(std::nullopt);
  load.fs = core.serve_directory((t.root / "models" / "empty").string(), false);
  load.runner_opts = wire::Map<std::string, wire::RunnerOpt>{{"from_file", wire::BooleanOpt{true}}};
  BOOST_TEST(error_of([&] { core.core().load(load); }) ==
             "Load: no model file: the model directory holds none of scale.txt, factor.txt");
}

BOOST_AUTO_TEST_CASE(pack_refusals_name_the_file_once) {
  PackTree t;
  ScaleHandler handler;
  InProcessCore core(handler);
  const auto fs = core.serve_directory(t.root.string(), true);
  BOOST_TEST(pack_error(core, fs, "/models/bad.txt") ==
             "Pack: /models/bad.txt is not a model this runner loads: it holds no factor");
  BOOST_TEST(pack_error(core, fs, "/models/named.txt") == "Pack: /models/named.txt is not a number");
  BOOST_TEST(pack_error(core, fs, "/models/badfolder") ==
             "Pack: /models/badfolder/factor.txt is not a model this runner loads: it holds no factor");
  BOOST_TEST(pack_error(core, fs, "/models/missing") ==
             "Pack: cannot read /models/missing: No such file or directory (os error 2)");
  BOOST_TEST(stdfs::is_empty(t.root / "tmp" / "pack"));
}

BOOST_AUTO_TEST_CASE(pack_checks_that_load_finds_what_it_produced) {
  PackTree t;
  {
    ScaleHandler handler;
    handler.pack_as = "weights.bin";  // set before serving starts: no race with its threads
    InProcessCore core(handler);
    BOOST_TEST(pack_error(core, core.serve_directory(t.root.string(), true), "/models/s.txt") ==
               "Pack: the runner named the packed file 'weights.bin', which is none of the names its Load looks "
               "for (scale.txt, factor.txt)");
  }
  // A temp_folder already holding a name Load looks for first (carton's is new and
  // empty; another core's may not be).
  t.write("tmp/pack/scale.txt", "9");
  ScaleHandler handler;
  handler.pack_as = "factor.txt";
  InProcessCore core(handler);
  BOOST_TEST(pack_error(core, core.serve_directory(t.root.string(), true), "/models/s.txt") ==
             "Pack: packed /models/s.txt as /tmp/pack/factor.txt, but /tmp/pack already holds "
             "/tmp/pack/scale.txt, which Load would read first");
}

BOOST_AUTO_TEST_SUITE_END()
