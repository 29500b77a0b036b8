// The runner options' defaults that depend on the model and the machine: `networks`
// unset is one network per usable core, at most kAutoNetworks, fewer for a model whose
// copies would pass kAutoNetworksBytes; set, it is what was asked. Either way the SDK
// runs that many forwards at once (InferPolicy::instances).
#include <boost/test/unit_test.hpp>

#include "options.hpp"

using namespace carton::runners::onnx;

BOOST_AUTO_TEST_SUITE(onnx_options)

BOOST_AUTO_TEST_CASE(unset_networks_follow_the_cores_and_the_models_size) {
  constexpr std::uint64_t kMiB = std::uint64_t(1) << 20;
  BOOST_TEST(auto_networks(100 * 1024, 1) == 1);
  BOOST_TEST(auto_networks(100 * 1024, 2) == 2);
  BOOST_TEST(auto_networks(100 * 1024, 64) == kAutoNetworks);
  BOOST_TEST(auto_networks(100 * kMiB, 8) == 4);  // 400 MiB of copies
  BOOST_TEST(auto_networks(200 * kMiB, 8) == 2);  // 4 or 3 would pass 512 MiB
  BOOST_TEST(auto_networks(300 * kMiB, 8) == 1);
  BOOST_TEST(auto_networks(4096 * kMiB, 8) == 1);  // one, however large
  BOOST_TEST(auto_networks(1024, 0) == 1);         // no affinity mask read: one
  BOOST_TEST(usable_cores() >= 1);
}

BOOST_AUTO_TEST_CASE(resolved_options_run_as_many_forwards_as_networks) {
  const OnnxOptions unset = read_options(std::nullopt);
  BOOST_TEST(unset.networks == 0);
  const OnnxOptions automatic = unset.resolved(1024);
  BOOST_TEST(automatic.networks == auto_networks(1024, usable_cores()));
  BOOST_TEST(automatic.infer.instances == static_cast<std::size_t>(automatic.networks));

  carton::wire::Map<std::string, carton::wire::RunnerOpt> asked;
  asked.insert_or_assign("networks", carton::wire::IntegerOpt{3});
  const OnnxOptions three = read_options(asked).resolved(std::uint64_t(1) << 40);
  BOOST_TEST(three.networks == 3);
  BOOST_TEST(three.infer.instances == 3u);
}

BOOST_AUTO_TEST_SUITE_END()
