#define BOOST_TEST_MODULE carton_xgboost
#include <boost/test/unit_test.hpp>
