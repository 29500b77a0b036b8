# The SDK from outside this tree (tests/sdk/sdk_test.py): one installed prefix and one
# .deb, made once (fixtures) and shared by the tests that build runner projects on them.
set(_sdk_work ${CMAKE_BINARY_DIR}/sdk-test)
set(_sdk_test ${CARTON_PYTHON} ${CMAKE_CURRENT_LIST_DIR}/sdk_test.py)
set(_standalone ${PROJECT_SOURCE_DIR}/examples/standalone)

add_test(NAME sdk.install COMMAND ${_sdk_test} install ${CMAKE_BINARY_DIR} ${_sdk_work})
add_test(NAME sdk.standalone COMMAND ${_sdk_test} standalone ${_sdk_work} ${_standalone})
add_test(NAME sdk.new_runner COMMAND ${_sdk_test} new-runner ${_sdk_work})
add_test(NAME sdk.path_loader COMMAND ${_sdk_test} path-loader ${_sdk_work} ${PROJECT_SOURCE_DIR}/examples/path_loader)
add_test(NAME sdk.deb_package COMMAND ${_sdk_test} deb-package ${CMAKE_BINARY_DIR} ${_sdk_work})
add_test(NAME sdk.deb COMMAND ${_sdk_test} deb ${_sdk_work} ${_standalone})
# runner.toml's release date follows the runner's link, not the configure.
add_test(NAME sdk.runner_toml_date
  COMMAND ${CARTON_PYTHON} ${CMAKE_CURRENT_LIST_DIR}/runner_toml_test.py ${PROJECT_SOURCE_DIR} ${_sdk_work}/runner-toml)
# carton_framework_version(): the framework version from a header or pkg-config.
add_test(NAME sdk.framework_version
  COMMAND ${CARTON_PYTHON} ${CMAKE_CURRENT_LIST_DIR}/framework_version_test.py ${PROJECT_SOURCE_DIR} ${_sdk_work}/framework-version)

set_tests_properties(sdk.install PROPERTIES FIXTURES_SETUP sdk_prefix)
set_tests_properties(sdk.standalone sdk.new_runner sdk.path_loader PROPERTIES FIXTURES_REQUIRED sdk_prefix)
set_tests_properties(sdk.deb_package PROPERTIES FIXTURES_SETUP sdk_deb)
set_tests_properties(sdk.deb PROPERTIES FIXTURES_REQUIRED sdk_deb)
# Installing from the build tree (cmake --install, cpack) one test at a time: cpack runs
# the Makefile generator's preinstall target, a make pass over this tree, and each
# writes its install manifest here; two at once race (package.xgboost failed once so in
# a full `ctest -j2`). runner_package.cmake's package.* tests take the same lock.
set_tests_properties(sdk.install sdk.deb_package PROPERTIES RESOURCE_LOCK carton_build_tree_install)
# Each project build runs `cmake --build -j 2`, which fills CI's two cores.
set_tests_properties(sdk.standalone sdk.new_runner sdk.path_loader sdk.deb PROPERTIES PROCESSORS 2)
set_tests_properties(sdk.install sdk.standalone sdk.new_runner sdk.path_loader sdk.deb_package sdk.deb sdk.runner_toml_date
                     sdk.framework_version PROPERTIES
  LABELS sdk SKIP_RETURN_CODE 77
  ENVIRONMENT "CARTON_CMAKE=${CMAKE_COMMAND};CARTON_CTEST=${CMAKE_CTEST_COMMAND};CARTON_CPACK=${CMAKE_CPACK_COMMAND};CARTON_CMAKE_GENERATOR=${CMAKE_GENERATOR};CARTON_CXX_LAUNCHER=${CMAKE_CXX_COMPILER_LAUNCHER}")
