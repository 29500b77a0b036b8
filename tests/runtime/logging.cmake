# test_logging: Boost.Test suite for carton_logging. Included from tests/CMakeLists.txt.
add_executable(test_logging ${CMAKE_CURRENT_LIST_DIR}/logging_test.cpp)
target_link_libraries(test_logging PRIVATE carton_logging Boost::unit_test_framework)
target_compile_definitions(test_logging PRIVATE BOOST_TEST_DYN_LINK)
add_test(NAME test_logging COMMAND test_logging)
set_tests_properties(test_logging PROPERTIES LABELS "runtime")
