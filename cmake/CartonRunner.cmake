# Building carton runners with CMake. Used in this tree and installed with the SDK
# (CartonRunnerSDKConfig.cmake includes it), so the examples and a runner in its own
# repository go through the same code.
#
# carton_add_runner(<target> RUNNER_NAME <name>
#                   FRAMEWORK_VERSION <x.y.z>
#                   | FRAMEWORK_VERSION_FROM_PKGCONFIG <module> [REGEX <regex>]
#                   | FRAMEWORK_VERSION_FROM_HEADER <header> MAJOR <m> MINOR <m> [PATCH <m>]
#                   | FRAMEWORK_VERSION_FROM_HEADER <header> MACRO <m> [REGEX <regex>]
#                   SOURCES <file>...
#                   [COMPAT_VERSION <n>] [RELEASE_DATE <RFC 3339>]
#                   [INSTALL_DIR <dir>] [COMPONENT <component>] [NO_INSTALL]
#                   [PACKAGE] [PACKAGE_NAME <deb name>] [PACKAGE_DEPENDS <dep>...]
#                   [PACKAGE_SUMMARY <line>] [PACKAGE_DESCRIPTION <text>]
#                   [SANDBOX_READ_ONLY <path>...])
#
#   The runner is confined by run() (docs/sandbox.md). SANDBOX_READ_ONLY names the
#   files and directories it must read beyond the defaults (a framework's data folder);
#   the same as RunnerInfo::sandbox.read_only_paths in code. Absolute paths, no ':'.
#
#   The framework version (runner.toml's framework_version, which carton matches a
#   model's required_framework_version against) is given, or read at configure time
#   from the framework's pkg-config module or header: CartonFrameworkVersion.cmake
#   (carton_framework_version) says how, and normalizes "2.30" to 2.30.0. The result is
#   the target's CARTON_FRAMEWORK_VERSION property.
#
#   Builds the runner executable <target> from SOURCES, linked with
#   CartonRunnerSDK::runner (add more with target_link_libraries), and writes
#   ${CMAKE_BINARY_DIR}/runners/<target>/runner.toml pointing at the built binary, so
#   CARTON_RUNNER_DIR=${CMAKE_BINARY_DIR}/runners finds it without installing.
#
#   install() puts the binary and a second runner.toml, whose runner_path is the bare
#   file name, into <INSTALL_DIR>/<RUNNER_NAME>/: carton resolves a relative runner_path
#   against the directory of its runner.toml, so the installed tree can be moved, and
#   the directory is named after what carton matches, not after the CMake target.
#   INSTALL_DIR defaults to ${CARTON_RUNNER_INSTALL_DIR}, itself
#   ${CMAKE_INSTALL_LIBDIR}/carton/runners: point CARTON_RUNNER_DIR at
#   <prefix>/${CARTON_RUNNER_INSTALL_DIR} and carton finds every runner installed there.
#
#   PACKAGE makes the runner a Debian package of its own, built by `cpack -G DEB` once
#   carton_runner_packages() has run (see there): PACKAGE_NAME (default
#   carton-runner-<RUNNER_NAME>) holding only this runner's directory, installed as
#   /usr/${CARTON_RUNNER_INSTALL_DIR}/<RUNNER_NAME>/ (/usr/lib/carton/runners/<name>/ on
#   Debian, whose CMAKE_INSTALL_LIBDIR is lib for /usr). Its Depends are what
#   dpkg-shlibdeps finds for the binary (the framework's library package among them),
#   plus PACKAGE_DEPENDS (e.g. a plugin the binary loads at run time). The install
#   component is COMPONENT, else PACKAGE_NAME.
#
# carton_runner_packages()
#
#   Sets, in the caller's scope, the CPack variables for every runner added with
#   PACKAGE so far: call it after the last carton_add_runner() and before
#   include(CPack). Appends each runner's component to CPACK_COMPONENTS_ALL, and turns
#   on CPACK_DEB_COMPONENT_INSTALL with CPACK_COMPONENTS_GROUPING IGNORE (one package
#   per component). A project's other packages set their own per-component
#   CPACK_DEBIAN_<COMPONENT>_* variables: the global CPACK_DEBIAN_PACKAGE_* ones would
#   apply to the runners' packages too.
#
# carton_runner_toml(TARGET <runner executable target>
#                    RUNNER_NAME <name> FRAMEWORK_VERSION <x.y.z>
#                    [COMPAT_VERSION <n>] [RELEASE_DATE <RFC 3339>] [DIR <output dir>]
#                    [RUNNER_PATH <path>])
#
#   Writes <DIR>/runner.toml (default: ${CMAKE_BINARY_DIR}/runners/<TARGET>/runner.toml)
#   each time TARGET is linked, as a POST_BUILD step (so call it in the directory that
#   creates TARGET, as add_custom_command(TARGET) requires). runner_path is RUNNER_PATH when
#   given, else the built binary's absolute path. carton searches CARTON_RUNNER_DIR
#   recursively for files named runner.toml.
#
#   runner_release_date is RELEASE_DATE when given; else the time TARGET was linked, in
#   UTC, or SOURCE_DATE_EPOCH's when that is set in the build's environment (reproducible
#   builds). carton takes the newest runner_release_date among the runners that match a
#   model, so the date says which build is newest: it moves when the binary is rebuilt
#   (a changed source, or changed arguments here, which relink it) and not when the
#   project is only configured again. Every runner.toml of one target carries the same
#   date: the first call for a target records it once per link.
include_guard(GLOBAL)
include(GNUInstallDirs)
include(${CMAKE_CURRENT_LIST_DIR}/CartonFrameworkVersion.cmake)

set(CARTON_RUNNER_INSTALL_DIR "${CMAKE_INSTALL_LIBDIR}/carton/runners" CACHE STRING
    "Where install() puts runners, one directory each (relative to the install prefix)")
# The build-time half (cmake -P), beside this file in the tree and in the package.
set_property(GLOBAL PROPERTY CARTON_RUNNER_TOML_SCRIPT "${CMAKE_CURRENT_LIST_DIR}/CartonRunnerToml.cmake")

function(carton_runner_toml)
  cmake_parse_arguments(ARG "" "TARGET;RUNNER_NAME;FRAMEWORK_VERSION;COMPAT_VERSION;RELEASE_DATE;DIR;RUNNER_PATH" "" ${ARGN})
  if(NOT ARG_TARGET OR NOT ARG_RUNNER_NAME OR NOT ARG_FRAMEWORK_VERSION)
    message(FATAL_ERROR "carton_runner_toml needs TARGET, RUNNER_NAME and FRAMEWORK_VERSION")
  endif()
  if(NOT TARGET ${ARG_TARGET})
    message(FATAL_ERROR "carton_runner_toml: TARGET ${ARG_TARGET} is not a target of this project")
  endif()
  if(NOT ARG_FRAMEWORK_VERSION MATCHES "^[0-9]+\\.[0-9]+\\.[0-9]+")
    # carton parses it as a full semver version and silently ignores the file otherwise.
    message(FATAL_ERROR "FRAMEWORK_VERSION must be a full semver version such as 1.0.0, not '${ARG_FRAMEWORK_VERSION}'")
  endif()
  if(NOT ARG_COMPAT_VERSION)
    set(ARG_COMPAT_VERSION 1)
  endif()
  if(NOT ARG_DIR)
    set(ARG_DIR ${CMAKE_BINARY_DIR}/runners/${ARG_TARGET})
  endif()
  if(NOT ARG_RUNNER_PATH)
    set(ARG_RUNNER_PATH "$<TARGET_FILE:${ARG_TARGET}>")
  endif()
  # carton compares `platform` with the Rust target triple of its own build.
  string(TOLOWER "${CMAKE_SYSTEM_PROCESSOR}" _arch)
  if(_arch STREQUAL "amd64")
    set(_arch x86_64)
  elseif(_arch STREQUAL "arm64")
    set(_arch aarch64)
  endif()
  if(APPLE)
    set(_platform "${_arch}-apple-darwin")
  else()
    set(_platform "${_arch}-unknown-linux-gnu")
  endif()

  get_property(_script GLOBAL PROPERTY CARTON_RUNNER_TOML_SCRIPT)
  # The link time, taken once per link by the first POST_BUILD step of the target and
  # read by each runner.toml it writes.
  get_target_property(_stamp ${ARG_TARGET} CARTON_RUNNER_RELEASE_DATE_FILE)
  if(NOT _stamp)
    set(_stamp ${CMAKE_CURRENT_BINARY_DIR}/CartonRunnerToml/${ARG_TARGET}.release_date)
    set_target_properties(${ARG_TARGET} PROPERTIES CARTON_RUNNER_RELEASE_DATE_FILE ${_stamp})
    add_custom_command(TARGET ${ARG_TARGET} POST_BUILD
      COMMAND ${CMAKE_COMMAND} -DCARTON_STAMP=${_stamp} -P ${_script}
      VERBATIM)
  endif()
  # Every value is on the command line, so changing one changes the link step's command,
  # which relinks the runner and so rewrites the file.
  add_custom_command(TARGET ${ARG_TARGET} POST_BUILD
    COMMAND ${CMAKE_COMMAND} -DCARTON_STAMP=${_stamp} -DCARTON_TOML=${ARG_DIR}/runner.toml
            -DRUNNER_NAME=${ARG_RUNNER_NAME} -DFRAMEWORK_VERSION=${ARG_FRAMEWORK_VERSION}
            -DCOMPAT_VERSION=${ARG_COMPAT_VERSION} -DRELEASE_DATE=${ARG_RELEASE_DATE}
            -DRUNNER_PATH=${ARG_RUNNER_PATH} -DPLATFORM=${_platform} -P ${_script}
    VERBATIM)
endfunction()

function(carton_add_runner target)
  cmake_parse_arguments(ARG "NO_INSTALL;PACKAGE"
    "RUNNER_NAME;FRAMEWORK_VERSION;COMPAT_VERSION;RELEASE_DATE;INSTALL_DIR;COMPONENT;PACKAGE_NAME;PACKAGE_SUMMARY;PACKAGE_DESCRIPTION"
    "SOURCES;PACKAGE_DEPENDS;FRAMEWORK_VERSION_FROM_PKGCONFIG;FRAMEWORK_VERSION_FROM_HEADER;SANDBOX_READ_ONLY" ${ARGN})
  if(NOT ARG_SOURCES)
    message(FATAL_ERROR "carton_add_runner(${target}) needs SOURCES")
  endif()
  if(ARG_UNPARSED_ARGUMENTS)
    message(FATAL_ERROR "carton_add_runner(${target}): unknown arguments ${ARG_UNPARSED_ARGUMENTS}")
  endif()
  set(_given 0)
  foreach(_form FRAMEWORK_VERSION FRAMEWORK_VERSION_FROM_PKGCONFIG FRAMEWORK_VERSION_FROM_HEADER)
    if(DEFINED ARG_${_form})
      math(EXPR _given "${_given} + 1")
    endif()
  endforeach()
  if(NOT _given EQUAL 1)
    message(FATAL_ERROR "carton_add_runner(${target}) needs one of FRAMEWORK_VERSION <x.y.z>, "
                        "FRAMEWORK_VERSION_FROM_PKGCONFIG <module> or FRAMEWORK_VERSION_FROM_HEADER <header> ...")
  endif()
  if(DEFINED ARG_FRAMEWORK_VERSION_FROM_PKGCONFIG)
    carton_framework_version(ARG_FRAMEWORK_VERSION FROM_PKGCONFIG ${ARG_FRAMEWORK_VERSION_FROM_PKGCONFIG})
    message(STATUS "${target}: framework_version ${ARG_FRAMEWORK_VERSION} (pkg-config "
                   "${ARG_FRAMEWORK_VERSION_FROM_PKGCONFIG})")
  elseif(DEFINED ARG_FRAMEWORK_VERSION_FROM_HEADER)
    carton_framework_version(ARG_FRAMEWORK_VERSION FROM_HEADER ${ARG_FRAMEWORK_VERSION_FROM_HEADER})
    list(GET ARG_FRAMEWORK_VERSION_FROM_HEADER 0 _header)
    message(STATUS "${target}: framework_version ${ARG_FRAMEWORK_VERSION} (from ${_header})")
  endif()
  if(ARG_NO_INSTALL AND ARG_PACKAGE)
    message(FATAL_ERROR "carton_add_runner(${target}): PACKAGE needs the install rules that NO_INSTALL leaves out")
  endif()
  set(_sources ${ARG_SOURCES})
  if(ARG_SANDBOX_READ_ONLY)
    foreach(_path IN LISTS ARG_SANDBOX_READ_ONLY)
      if(NOT IS_ABSOLUTE "${_path}" OR _path MATCHES "[:\"\\]")
        message(FATAL_ERROR "carton_add_runner(${target}): SANDBOX_READ_ONLY '${_path}' must be an absolute path without : \" or \\")
      endif()
    endforeach()
    list(JOIN ARG_SANDBOX_READ_ONLY ":" _paths)
    # run() reads this weak symbol (runtime/src/runner/run.cpp).
    set(_sandbox_source ${CMAKE_CURRENT_BINARY_DIR}/CartonRunnerSandbox/${target}.cpp)
    file(CONFIGURE OUTPUT ${_sandbox_source} CONTENT
      "extern \"C\" const char* const carton_sandbox_read_only_paths = \"${_paths}\";\n" @ONLY)
    list(APPEND _sources ${_sandbox_source})
  endif()
  add_executable(${target} ${_sources})
  target_link_libraries(${target} PRIVATE CartonRunnerSDK::runner)
  set_target_properties(${target} PROPERTIES CARTON_FRAMEWORK_VERSION "${ARG_FRAMEWORK_VERSION}")

  # Both files get the date of the same link (carton_runner_toml), so the build tree
  # and the install agree.
  set(_toml_args TARGET ${target} RUNNER_NAME "${ARG_RUNNER_NAME}" FRAMEWORK_VERSION "${ARG_FRAMEWORK_VERSION}")
  if(ARG_RELEASE_DATE)
    list(APPEND _toml_args RELEASE_DATE "${ARG_RELEASE_DATE}")
  endif()
  if(ARG_COMPAT_VERSION)
    list(APPEND _toml_args COMPAT_VERSION ${ARG_COMPAT_VERSION})
  endif()
  carton_runner_toml(${_toml_args})
  if(ARG_NO_INSTALL)
    return()
  endif()

  if(NOT ARG_INSTALL_DIR)
    set(ARG_INSTALL_DIR "${CARTON_RUNNER_INSTALL_DIR}")
  endif()
  # Two runners installed into one directory would overwrite each other's runner.toml.
  set(_dest "${ARG_INSTALL_DIR}/${ARG_RUNNER_NAME}")
  get_property(_owner GLOBAL PROPERTY "CARTON_RUNNER_INSTALLED_AT_${_dest}")
  if(_owner)
    message(FATAL_ERROR "carton_add_runner(${target}): ${_owner} already installs into ${_dest} "
                        "(runner_name ${ARG_RUNNER_NAME}); give one of them another INSTALL_DIR")
  endif()
  set_property(GLOBAL PROPERTY "CARTON_RUNNER_INSTALLED_AT_${_dest}" ${target})

  if(ARG_PACKAGE)
    if(NOT ARG_PACKAGE_NAME)
      # A runner_name such as "acme/tabular" gives carton-runner-acme-tabular.
      string(TOLOWER "carton-runner-${ARG_RUNNER_NAME}" ARG_PACKAGE_NAME)
      string(REGEX REPLACE "[^a-z0-9.+-]" "-" ARG_PACKAGE_NAME "${ARG_PACKAGE_NAME}")
    endif()
    # Debian policy 5.6.1: lower case letters, digits and + - . only, starting with a
    # letter or digit; dpkg-deb refuses anything else when cpack runs, far from here.
    if(NOT ARG_PACKAGE_NAME MATCHES "^[a-z0-9][a-z0-9.+-]+$")
      message(FATAL_ERROR "carton_add_runner(${target}): PACKAGE_NAME '${ARG_PACKAGE_NAME}' is not a Debian "
                          "package name (lower case letters, digits, + - . ; two or more characters)")
    endif()
    if(NOT ARG_COMPONENT)
      set(ARG_COMPONENT ${ARG_PACKAGE_NAME})
    endif()
    if(NOT ARG_PACKAGE_SUMMARY)
      set(ARG_PACKAGE_SUMMARY "carton runner '${ARG_RUNNER_NAME}' (framework ${ARG_FRAMEWORK_VERSION})")
    endif()
    if(NOT ARG_PACKAGE_DESCRIPTION)
      set(ARG_PACKAGE_DESCRIPTION "The runner ${target} and its runner.toml, which carton finds with
CARTON_RUNNER_DIR=/usr/${ARG_INSTALL_DIR}.")
    endif()
    set_property(GLOBAL APPEND PROPERTY CARTON_RUNNER_PACKAGE_COMPONENTS ${ARG_COMPONENT})
    foreach(_field NAME DEPENDS SUMMARY DESCRIPTION)
      set_property(GLOBAL PROPERTY "CARTON_RUNNER_PACKAGE_${ARG_COMPONENT}_${_field}" "${ARG_PACKAGE_${_field}}")
    endforeach()
  endif()

  set(_install_toml_dir ${CMAKE_CURRENT_BINARY_DIR}/CartonRunnerInstall/${target})
  carton_runner_toml(${_toml_args} DIR ${_install_toml_dir} RUNNER_PATH "$<TARGET_FILE_NAME:${target}>")
  set(_component)
  if(ARG_COMPONENT)
    set(_component COMPONENT ${ARG_COMPONENT})
  endif()
  install(TARGETS ${target} RUNTIME DESTINATION "${_dest}" ${_component})
  install(FILES ${_install_toml_dir}/runner.toml DESTINATION "${_dest}" ${_component})
endfunction()

function(carton_runner_packages)
  get_property(_components GLOBAL PROPERTY CARTON_RUNNER_PACKAGE_COMPONENTS)
  if(NOT _components)
    return()
  endif()
  find_program(CARTON_DPKG_SHLIBDEPS dpkg-shlibdeps)
  set(_all ${CPACK_COMPONENTS_ALL})
  foreach(_component IN LISTS _components)
    foreach(_field NAME DEPENDS SUMMARY DESCRIPTION)
      get_property(_${_field} GLOBAL PROPERTY "CARTON_RUNNER_PACKAGE_${_component}_${_field}")
    endforeach()
    string(TOUPPER "${_component}" _C)
    list(APPEND _all ${_component})
    list(JOIN _DEPENDS ", " _DEPENDS)
    set(CPACK_DEBIAN_${_C}_PACKAGE_NAME "${_NAME}" PARENT_SCOPE)
    set(CPACK_DEBIAN_${_C}_FILE_NAME DEB-DEFAULT PARENT_SCOPE)
    set(CPACK_DEBIAN_${_C}_PACKAGE_SECTION misc PARENT_SCOPE)
    set(CPACK_DEBIAN_${_C}_DESCRIPTION "${_SUMMARY}\n${_DESCRIPTION}" PARENT_SCOPE)
    set(CPACK_DEBIAN_${_C}_PACKAGE_DEPENDS "${_DEPENDS}" PARENT_SCOPE)
    if(CARTON_DPKG_SHLIBDEPS)
      set(CPACK_DEBIAN_${_C}_PACKAGE_SHLIBDEPS ON PARENT_SCOPE)
    else()
      message(WARNING "${_NAME}: dpkg-shlibdeps not found, so the package's Depends name only "
                      "'${_DEPENDS}', not the shared libraries the runner links")
    endif()
  endforeach()
  list(REMOVE_DUPLICATES _all)
  set(CPACK_COMPONENTS_ALL ${_all} PARENT_SCOPE)
  set(CPACK_DEB_COMPONENT_INSTALL ON PARENT_SCOPE)
  set(CPACK_COMPONENTS_GROUPING IGNORE PARENT_SCOPE)
endfunction()
