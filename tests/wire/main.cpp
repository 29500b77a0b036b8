#define BOOST_TEST_MODULE carton_wire
#include <boost/test/unit_test.hpp>
