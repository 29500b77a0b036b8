# carton_add_runner_package_test(<runner target> RUNNER_NAME <name> REQUIREMENT <semver req>
#                                [COMPONENT <component>] [MODEL_DIR <dir> INPUT <json> FIXTURES <fixture>] [LABELS <label>...])
#
# The CTest test package.<name> (tests/sdk/runner_package.py): builds the runner's own
# .deb (carton_add_runner(... PACKAGE)), extracts it into a scratch root and discovers
# the runner there. With CARTON_REFERENCE_DIR (opt-in) carton's own discovery must
# MATCH it and, given MODEL_DIR and INPUT, carton's core load the model with it.
function(carton_add_runner_package_test target)
  cmake_parse_arguments(ARG "" "RUNNER_NAME;REQUIREMENT;COMPONENT;MODEL_DIR;INPUT;FIXTURES" "LABELS" ${ARGN})
  set(_name package.${ARG_RUNNER_NAME})
  set(_component ${ARG_COMPONENT})
  if(NOT _component)
    set(_component carton-runner-${ARG_RUNNER_NAME})  # carton_add_runner's default
  endif()
  set(_model)
  if(ARG_MODEL_DIR)
    set(_model ${ARG_MODEL_DIR} ${ARG_INPUT})
  endif()
  add_test(NAME ${_name}
    COMMAND ${CARTON_PYTHON} ${PROJECT_SOURCE_DIR}/tests/sdk/runner_package.py ${CMAKE_BINARY_DIR}
            ${CMAKE_BINARY_DIR}/package-test/${ARG_RUNNER_NAME} ${_component} ${ARG_RUNNER_NAME}
            ${ARG_REQUIREMENT} ${_model})
  set(_env "CARTON_CPACK=${CMAKE_CPACK_COMMAND}")
  if(CARTON_REFERENCE_DIR)
    list(APPEND _env "CARTON_REF_DIR=${CARTON_REFERENCE_DIR}")
  endif()
  # cpack installs the component from the build tree: the runner must be built first,
  # which `all` does (CTest runs after the build).
  set_tests_properties(${_name} PROPERTIES LABELS "sdk;package;${ARG_LABELS}" SKIP_RETURN_CODE 77
                                           ENVIRONMENT "${_env}" RESOURCE_LOCK carton_build_tree_install)
  if(ARG_FIXTURES)
    set_tests_properties(${_name} PROPERTIES FIXTURES_REQUIRED ${ARG_FIXTURES})
  endif()
endfunction()
