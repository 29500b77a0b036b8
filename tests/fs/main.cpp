#define BOOST_TEST_MODULE carton_fs
#include <boost/test/unit_test.hpp>
