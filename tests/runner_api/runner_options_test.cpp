// RunnerOptions: a model's runner_opts read strictly, every error naming the option.
#include <boost/test/unit_test.hpp>

#include <cmath>
#include <stdexcept>
#include <string>

#include "carton/runner/runner_options.hpp"

using namespace carton;
using runner::RunnerOptions;

namespace {

RunnerOptions::Options options() {
  RunnerOptions::Options o;
  o.insert_or_assign("nthread", wire::RunnerOpt{wire::IntegerOpt{4}});
  o.insert_or_assign("missing", wire::RunnerOpt{wire::DoubleOpt{-1.5}});
  o.insert_or_assign("margin", wire::RunnerOpt{wire::BooleanOpt{true}});
  o.insert_or_assign("file", wire::RunnerOpt{wire::StringOpt{"m.ubj"}});
  o.insert_or_assign("whole", wire::RunnerOpt{wire::IntegerOpt{3}});
  return o;
}

template <class F>
std::string error_of(F&& f) {
  try {
    f();
  } catch (const std::invalid_argument& e) {
    return e.what();
  }
  return "no error";
}

}  // namespace

BOOST_AUTO_TEST_CASE(values_and_defaults) {
  const auto o = options();
  RunnerOptions r(o);
  BOOST_TEST(r.integer("nthread", 0) == 4);
  BOOST_TEST(r.number("missing", 0.0) == -1.5);
  BOOST_TEST(r.boolean("margin", false));
  BOOST_TEST(r.string("file", "model.json") == "m.ubj");
  BOOST_TEST(r.number("whole", 0.0) == 3.0);  // an integer where a float is taken
  BOOST_TEST(r.integer("absent", 7) == 7);
  BOOST_TEST(!r.integer("absent").has_value());
  BOOST_TEST(std::isnan(r.number("absent_too", std::nan(""))));
  r.refuse_unknown();  // every option was asked for

  RunnerOptions none(std::optional<RunnerOptions::Options>{});
  BOOST_TEST(none.string("file", "model.json") == "model.json");
  none.refuse_unknown();
}

BOOST_AUTO_TEST_CASE(wrong_types_name_the_option_its_value_and_the_type_taken) {
  const auto o = options();
  RunnerOptions r(o);
  BOOST_TEST(error_of([&] { r.integer("file", 0); }) ==
             "runner option 'file' is a string (\"m.ubj\"); it takes an integer");
  BOOST_TEST(error_of([&] { r.boolean("nthread", false); }) ==
             "runner option 'nthread' is an integer (4); it takes a boolean");
  BOOST_TEST(error_of([&] { r.string("margin", ""); }) == "runner option 'margin' is a boolean (true); it takes a string");
  BOOST_TEST(error_of([&] { r.integer("missing"); }) == "runner option 'missing' is a float (-1.5); it takes an integer");
}

BOOST_AUTO_TEST_CASE(integers_a_float_cannot_hold_exactly_are_refused) {
  RunnerOptions::Options o;
  o.insert_or_assign("big", wire::RunnerOpt{wire::IntegerOpt{(std::int64_t{1} << 53) + 1}});
  o.insert_or_assign("edge", wire::RunnerOpt{wire::IntegerOpt{-(std::int64_t{1} << 53)}});
  RunnerOptions r(o);
  BOOST_TEST(r.number("edge", 0.0) == -9007199254740992.0);
  BOOST_TEST(error_of([&] { r.number("big", 0.0); }) ==
             "runner option 'big' is an integer (9007199254740993); it takes a float (an integer only up to 2^53 in "
             "magnitude, which a float holds exactly)");
}

BOOST_AUTO_TEST_CASE(unknown_options_are_named_with_the_ones_taken) {
  const auto o = options();
  RunnerOptions r(o);
  r.integer("nthread", 0);
  r.string("file", "");
  BOOST_TEST(error_of([&] { r.refuse_unknown(); }) ==
             "unknown runner options 'missing', 'margin', 'whole' (this runner takes: file, nthread)");
  r.number("missing", 0.0);
  r.boolean("margin", false);
  BOOST_TEST(error_of([&] { r.refuse_unknown(); }) ==
             "unknown runner option 'whole' (this runner takes: file, margin, missing, nthread)");
}

BOOST_AUTO_TEST_CASE(integers_in_a_range) {
  const auto o = options();
  RunnerOptions r(o);
  BOOST_TEST(r.integer_in("nthread", 0, 0, 8, "threads") == 4);
  BOOST_TEST(r.integer_in("absent", 9, 0, 8, "threads") == 9);  // the default is the runner's, unchecked
  BOOST_TEST(!r.integer_in("absent_too", 0, 8, "threads").has_value());
  BOOST_TEST(error_of([&] { r.integer_in("whole", 0, 4, 8, "at least four"); }) ==
             "runner option 'whole' is 3; it takes 4 to 8 (at least four)");
  BOOST_TEST(error_of([&] { r.integer_in("file", 0, 0, 8, "threads"); }) ==
             "runner option 'file' is a string (\"m.ubj\"); it takes an integer");
}
