# ---- opt-in: carton's user path through carton's own `carton` crate (ref-carton) ----
# carton_add_ref_carton_test(<runner> MODELS <dir> FIXTURE <fixture> [LABELS ...])
# With CARTON_REFERENCE_DIR (tests/conformance/reference.cmake), runs
# runners/<runner>/tests/ref_carton_check.py: the runner's test models packed by
# Carton::pack from a model file and from a folder, with carton's discovery picking the
# build's runner (CARTON_RUNNER_DIR = the build's runners/) by name and ">=1.7", then
# loaded by Carton::load from the .carton and from its unpacked folder and compared with
# the framework's own outputs (tests/conformance/ref_carton_matrix.py). Without the
# reference directory, or the runner, no test exists.
function(carton_add_ref_carton_test runner)
  cmake_parse_arguments(ARG "" "MODELS;FIXTURE" "LABELS" ${ARGN})
  if(NOT CARTON_REFERENCE_DIR OR NOT TARGET carton-runner-${runner})
    return()
  endif()
  set(_ref_carton ${CARTON_REFERENCE_DIR}/carton-0.0.1/ref-carton)
  if(NOT EXISTS ${_ref_carton})
    message(STATUS "reference_carton_${runner}_user_path: not run (no ${_ref_carton})")
    return()
  endif()
  set(_name reference_carton_${runner}_user_path)
  add_test(NAME ${_name}
    COMMAND ${CARTON_PYTHON} ${PROJECT_SOURCE_DIR}/runners/${runner}/tests/ref_carton_check.py ${_ref_carton}
            ${CMAKE_BINARY_DIR}/runners ${ARG_MODELS})
  # Each load starts a runner through carton; a few dozen of them on a busy machine.
  set_tests_properties(${_name} PROPERTIES
    LABELS "conformance;reference;${ARG_LABELS}" FIXTURES_REQUIRED ${ARG_FIXTURE} TIMEOUT 1500
    PASS_REGULAR_EXPRESSION "\n[0-9]+ passed, 0 failed\n")
endfunction()
