#define BOOST_TEST_MODULE carton_sandbox
#include <boost/test/unit_test.hpp>
