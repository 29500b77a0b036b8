# test_fs: Boost.Test suite for carton_fs (client <-> server over real socketpairs).
# Included from tests/CMakeLists.txt.
add_executable(test_fs
  ${CMAKE_CURRENT_LIST_DIR}/main.cpp
  ${CMAKE_CURRENT_LIST_DIR}/client_server_test.cpp
  ${CMAKE_CURRENT_LIST_DIR}/escape_test.cpp
  ${CMAKE_CURRENT_LIST_DIR}/stress_test.cpp
  ${CMAKE_CURRENT_LIST_DIR}/replay_test.cpp
)
target_link_libraries(test_fs PRIVATE carton_fs carton_conformance_data Boost::unit_test_framework)
target_compile_definitions(test_fs PRIVATE BOOST_TEST_DYN_LINK CARTON_SOURCE_DIR="${PROJECT_SOURCE_DIR}")
add_test(NAME test_fs COMMAND test_fs)
set_tests_properties(test_fs PROPERTIES LABELS "fs" TIMEOUT 600)
