# `cpack -G DEB` (run in the build directory): one Debian package per component, all
# under /usr:
#
#   libcarton-runner-sdk-dev_<v>_amd64.deb   the `sdk` install component (cmake/Install.cmake)
#   carton-runner-<name>_<v>_amd64.deb       each runner added with carton_add_runner(... PACKAGE),
#                                            e.g. carton-runner-xgboost, carton-runner-torchscript
#
# `cpack -G DEB -D CPACK_COMPONENTS_ALL=sdk` builds only the SDK's. The noop and file
# example runners (component `examples`) are in none of them.
#
# Every package's fields are set per component (CPACK_DEBIAN_<COMPONENT>_*): CPack
# applies the global CPACK_DEBIAN_PACKAGE_* ones to every component that lacks its own.
set(CPACK_PACKAGE_NAME carton-runner-sdk)
set(CPACK_PACKAGE_VENDOR "carton-runner-sdk")
set(CPACK_PACKAGE_CONTACT "carton-runner-sdk maintainers <carton-runner-sdk@localhost>")
set(CPACK_PACKAGE_VERSION ${PROJECT_VERSION})
# No CPACK_PACKAGE_DESCRIPTION_SUMMARY: CPack would put it before every component's
# description, so each package's summary would be the SDK's. Each description's first
# line is its package's summary instead.
set(CPACK_GENERATOR DEB)
set(CPACK_PACKAGING_INSTALL_PREFIX /usr)
set(CPACK_DEB_COMPONENT_INSTALL ON)
set(CPACK_COMPONENTS_ALL ${CARTON_SDK_COMPONENT})
set(CPACK_COMPONENTS_GROUPING IGNORE)
set(CPACK_DEBIAN_FILE_NAME DEB-DEFAULT)

string(TOUPPER ${CARTON_SDK_COMPONENT} _sdk)
set(CPACK_DEBIAN_${_sdk}_PACKAGE_NAME libcarton-runner-sdk-dev)
set(CPACK_DEBIAN_${_sdk}_FILE_NAME DEB-DEFAULT)
set(CPACK_DEBIAN_${_sdk}_PACKAGE_SECTION libdevel)
set(CPACK_DEBIAN_${_sdk}_DESCRIPTION "C++ SDK for writing carton runners
Static libraries, headers and a CMake package (find_package(CartonRunnerSDK),
carton_add_runner()) for runners that the carton core loads over its runner
protocol, with a mock core for tests, carton-conformance, carton-wire, the
code generator and carton-new-runner, which starts a runner project.")
# What a project built with the package needs: the Boost parts the exported targets
# name (Asio headers, Boost.Log, Boost.Thread), Boost.Test for the mock-core tests that
# carton-new-runner writes, CMake for the package itself, and for carton-codegen
# python3 with jinja2 and flatbuffers, and flatc. CLI11 and the FlatBuffers C++ headers
# are not among them: no installed header includes them.
set(CPACK_DEBIAN_${_sdk}_PACKAGE_DEPENDS
  "cmake (>= 3.25), libboost-dev (>= 1.74), libboost-log-dev (>= 1.74), libboost-thread-dev (>= 1.74), libboost-test-dev (>= 1.74), python3, python3-jinja2, python3-flatbuffers, flatbuffers-compiler")
# The tools' shared libraries (libc, libstdc++, Boost.Log) come from dpkg-shlibdeps.
find_program(CARTON_DPKG_SHLIBDEPS dpkg-shlibdeps)
if(CARTON_DPKG_SHLIBDEPS)
  set(CPACK_DEBIAN_${_sdk}_PACKAGE_SHLIBDEPS ON)
endif()

# The runners' packages (carton_add_runner(... PACKAGE)).
carton_runner_packages()
include(CPack)
