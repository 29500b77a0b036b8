#define BOOST_TEST_MODULE carton runner API helpers
#include <boost/test/unit_test.hpp>
