#define BOOST_TEST_MODULE carton_onnx
#include <boost/test/unit_test.hpp>
