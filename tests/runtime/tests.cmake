# test_transport: Boost.Test suite for carton_transport. Included from tests/CMakeLists.txt.
add_executable(test_transport
  ${CMAKE_CURRENT_LIST_DIR}/transport_main.cpp
  ${CMAKE_CURRENT_LIST_DIR}/bootstrap_test.cpp
  ${CMAKE_CURRENT_LIST_DIR}/frame_channel_test.cpp
  ${CMAKE_CURRENT_LIST_DIR}/frame_reader_test.cpp
  ${CMAKE_CURRENT_LIST_DIR}/parent_death_test.cpp
)
target_link_libraries(test_transport PRIVATE carton_transport Boost::unit_test_framework)
target_compile_definitions(test_transport PRIVATE BOOST_TEST_DYN_LINK)
add_test(NAME test_transport COMMAND test_transport)
set_tests_properties(test_transport PROPERTIES LABELS "runtime")
