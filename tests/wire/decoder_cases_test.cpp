// conformance/cases/*.case: each hand-documented byte sequence decodes to its named
// outcome (PASS or a specific decode error), for both channels and directions.
#include <boost/test/unit_test.hpp>

#include "carton/conformance/decoder_cases.hpp"

using namespace carton;

BOOST_AUTO_TEST_CASE(every_decoder_case_has_its_expected_outcome) {
  const auto cases = conformance::load_decoder_cases(std::string(CARTON_SOURCE_DIR) + "/conformance/cases");
  BOOST_TEST(cases.size() >= 30u);
  int errors = 0;
  for (const auto& c : cases) {
    const auto r = conformance::run_decoder_case(c);
    BOOST_TEST_CONTEXT(c.name << ": expected " << c.expect << ", got " << r.got << " (" << r.message << ")") {
      BOOST_TEST(r.ok);
    }
    errors += c.expect != "PASS";
  }
  BOOST_TEST(errors >= 20);
}
