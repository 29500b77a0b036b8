#define BOOST_TEST_MODULE carton_torch
#include <boost/test/unit_test.hpp>
