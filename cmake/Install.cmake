# `cmake --install build --prefix P` (component `sdk`): the SDK as a CMake package, so a
# runner in its own repository does find_package(CartonRunnerSDK CONFIG REQUIRED).
#
#   P/lib/libcarton_*.a                       runtime, generated code, fs client, mock core
#   P/include/carton/                         public headers (runtime/include + generated/)
#   P/bin/                                    carton-wire, carton-conformance, carton-codegen,
#                                             carton-new-runner
#   P/share/carton-runner-sdk/                the generator, its templates and the schema;
#                                             carton-new-runner's project templates
#   P/lib/cmake/CartonRunnerSDK/              package config, version, exported targets,
#                                             CartonRunner.cmake (carton_add_runner),
#                                             CartonFrameworkVersion.cmake (the framework
#                                             version from pkg-config or a header) and
#                                             CartonRunnerToml.cmake, its build step
#
# Every path in the package is relative to P, so the prefix can be moved.
include(CMakePackageConfigHelpers)

set(CARTON_SDK_COMPONENT sdk)
set(CARTON_SDK_DATADIR ${CMAKE_INSTALL_DATADIR}/carton-runner-sdk)
set(CARTON_SDK_CMAKEDIR ${CMAKE_INSTALL_LIBDIR}/cmake/CartonRunnerSDK)

install(TARGETS carton_wire carton_transport carton_logging carton_fs carton_runner carton_mock
        EXPORT CartonRunnerSDKTargets
        ARCHIVE DESTINATION ${CMAKE_INSTALL_LIBDIR} COMPONENT ${CARTON_SDK_COMPONENT})
# The tools are exported too, so a project can run CartonRunnerSDK::carton-conformance
# in its own tests.
install(TARGETS carton-wire carton-conformance EXPORT CartonRunnerSDKTargets
        RUNTIME DESTINATION ${CMAKE_INSTALL_BINDIR} COMPONENT ${CARTON_SDK_COMPONENT})
# Globbed, so headers added to runtime/include or generated/ are installed without
# touching this file.
install(DIRECTORY ${PROJECT_SOURCE_DIR}/runtime/include/ ${CARTON_GENERATED_DIR}/
        DESTINATION ${CMAKE_INSTALL_INCLUDEDIR} COMPONENT ${CARTON_SDK_COMPONENT}
        FILES_MATCHING PATTERN "*.hpp" PATTERN "*.h")

# The generator keeps its repository layout under share/ (codegen/carton_codegen next to
# schema/), which is where it looks for its default schema.
install(DIRECTORY ${PROJECT_SOURCE_DIR}/codegen/carton_codegen DESTINATION ${CARTON_SDK_DATADIR}/codegen
        COMPONENT ${CARTON_SDK_COMPONENT} PATTERN __pycache__ EXCLUDE)
install(DIRECTORY ${PROJECT_SOURCE_DIR}/schema/ DESTINATION ${CARTON_SDK_DATADIR}/schema
        COMPONENT ${CARTON_SDK_COMPONENT})
install(PROGRAMS ${PROJECT_SOURCE_DIR}/codegen/carton-codegen
                 ${PROJECT_SOURCE_DIR}/tools/new_runner/carton-new-runner
        DESTINATION ${CMAKE_INSTALL_BINDIR} COMPONENT ${CARTON_SDK_COMPONENT})
install(DIRECTORY ${PROJECT_SOURCE_DIR}/tools/new_runner/templates/ DESTINATION ${CARTON_SDK_DATADIR}/new-runner
        COMPONENT ${CARTON_SDK_COMPONENT})

install(EXPORT CartonRunnerSDKTargets NAMESPACE CartonRunnerSDK:: DESTINATION ${CARTON_SDK_CMAKEDIR}
        COMPONENT ${CARTON_SDK_COMPONENT})
configure_package_config_file(${CMAKE_CURRENT_LIST_DIR}/CartonRunnerSDKConfig.cmake.in
  ${CMAKE_CURRENT_BINARY_DIR}/CartonRunnerSDKConfig.cmake
  INSTALL_DESTINATION ${CARTON_SDK_CMAKEDIR}
  PATH_VARS CMAKE_INSTALL_BINDIR CARTON_SDK_DATADIR)
# 0.x: a minor release may change the API, so only the same minor version matches.
write_basic_package_version_file(${CMAKE_CURRENT_BINARY_DIR}/CartonRunnerSDKConfigVersion.cmake
  COMPATIBILITY SameMinorVersion)
install(FILES ${CMAKE_CURRENT_BINARY_DIR}/CartonRunnerSDKConfig.cmake
              ${CMAKE_CURRENT_BINARY_DIR}/CartonRunnerSDKConfigVersion.cmake
              ${CMAKE_CURRENT_LIST_DIR}/CartonRunner.cmake
              ${CMAKE_CURRENT_LIST_DIR}/CartonFrameworkVersion.cmake
              ${CMAKE_CURRENT_LIST_DIR}/CartonRunnerToml.cmake
        DESTINATION ${CARTON_SDK_CMAKEDIR} COMPONENT ${CARTON_SDK_COMPONENT})
