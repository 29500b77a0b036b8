#define BOOST_TEST_MODULE carton_transport
#include <boost/test/unit_test.hpp>

// Under AddressSanitizer a failed huge allocation aborts by default; the frame reader
// test that asks for 2^63 bytes checks that the reader reports it instead.
extern "C" __attribute__((used)) const char* __asan_default_options() {
  return "allocator_may_return_null=1";
}
