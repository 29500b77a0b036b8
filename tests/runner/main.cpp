#define BOOST_TEST_MODULE carton_runner
#include <boost/test/unit_test.hpp>
