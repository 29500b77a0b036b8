# ---- opt-in tests against carton's real core (CARTON_REFERENCE_DIR) ----
# CARTON_REFERENCE_DIR is a directory laid out like carton-<version>/{ref-core,
# carton-runner-noop} for the versions 0.0.1 and 2023-09 (docs/conformance.md says how to
# build one from a carton checkout). Without it none of these tests exist, so the normal
# test command needs nothing but this repository.
set(CARTON_REFERENCE_DIR "" CACHE PATH
    "Directory holding carton-0.0.1/ and carton-2023-09/ with carton's ref-core and carton-runner-noop (opt-in real-core tests)")
# ref-core RUNNER <args> (smoke when none) for the example runner carton-runner-<runner>,
# if it is built, at the revision ${_version} of ${_dir}.
function(_carton_reference_core_test runner what fixture pass_regex)
  if(NOT TARGET carton-runner-${runner})
    return()
  endif()
  set(_args ${ARGN})
  if(NOT _args)
    set(_args smoke)
  endif()
  set(_name reference_core_${_version}_${runner}_${what})
  add_test(NAME ${_name} COMMAND ${_dir}/ref-core $<TARGET_FILE:carton-runner-${runner}> ${_args})
  set_tests_properties(${_name} PROPERTIES
    LABELS "conformance;reference"
    ENVIRONMENT "CARTON_CORE_REVISION=${_version};REF_CORE_QUIET_LOGS=1"
    PASS_REGULAR_EXPRESSION "${pass_regex}")
  if(fixture)
    set_tests_properties(${_name} PROPERTIES FIXTURES_REQUIRED ${fixture})
  endif()
  if(runner STREQUAL "torchscript")
    set_property(TEST ${_name} APPEND PROPERTY LABELS torch)
  endif()
endfunction()

if(CARTON_REFERENCE_DIR)
  set(_versions 0.0.1 2023-09)
  foreach(_version IN LISTS _versions)
    set(_dir ${CARTON_REFERENCE_DIR}/carton-${_version})
    foreach(_tool ref-core carton-runner-noop)
      if(NOT EXISTS ${_dir}/${_tool})
        message(FATAL_ERROR "CARTON_REFERENCE_DIR: ${_dir}/${_tool} does not exist")
      endif()
    endforeach()
    # The real core drives each example runner; a runner built on this SDK is told the
    # revision through CARTON_CORE_REVISION (carton itself cannot signal it). The noop
    # runner takes ref-core's whole smoke run (which expects an echo runner); the file and
    # TorchScript runners load a model through the real core's filesystem server and
    # infer.
    set(_file_model ${CMAKE_CURRENT_SOURCE_DIR}/conformance/file_model)
    set(_input ${CMAKE_CURRENT_SOURCE_DIR}/conformance/doubler_input.json)
    _carton_reference_core_test(noop smoke "" "smoke: [0-9]+ passed, 0 failed")
    _carton_reference_core_test(file load_infer "" "OUTPUT .*\"model\".*\"conformance model\""
      load-infer --dir ${_file_model} --input ${_input})
    # make_models.py's doubler, made by the torch_models fixture.
    _carton_reference_core_test(torchscript load_infer torch_models "OUTPUT .*\"x\".*2(\\.0)?, *-6(\\.0)?, *1(\\.0)?"
      load-infer --dir ${CMAKE_CURRENT_BINARY_DIR}/torch_models/doubler --input ${_input})
    # The ONNX runner: the exported models through the real core, checked against
    # torch (runners/onnx/tests/ref_core_check.py), and carton's discovery finding it.
    if(TARGET carton-runner-onnx)
      add_test(NAME reference_core_${_version}_onnx_load_infer
        COMMAND ${CARTON_PYTHON} ${PROJECT_SOURCE_DIR}/runners/onnx/tests/ref_core_check.py ${_dir}/ref-core
                $<TARGET_FILE:carton-runner-onnx> ${CMAKE_CURRENT_BINARY_DIR}/onnx_models)
      set_tests_properties(reference_core_${_version}_onnx_load_infer PROPERTIES
        LABELS "conformance;reference;onnx" FIXTURES_REQUIRED onnx_models
        ENVIRONMENT "CARTON_CORE_REVISION=${_version};REF_CORE_QUIET_LOGS=1"
        PASS_REGULAR_EXPRESSION "\n6 passed, 0 failed\n")
      add_test(NAME reference_core_${_version}_onnx_discover
        COMMAND ${_dir}/ref-core discover --runner-dir ${CMAKE_BINARY_DIR}/runners --runner-name onnx
                --framework-version ">=1.12, <2")
      set_tests_properties(reference_core_${_version}_onnx_discover PROPERTIES
        LABELS "conformance;reference;onnx"
        PASS_REGULAR_EXPRESSION "MATCH [^\n]*/carton-runner-onnx\n")
    endif()
    # The XGBoost runner likewise: every case of runners/xgboost/tests/make_models.py through
    # the real core, against python's predict, and carton's discovery finding it.
    if(TARGET carton-runner-xgboost)
      add_test(NAME reference_core_${_version}_xgboost_load_infer
        COMMAND ${CARTON_PYTHON} ${PROJECT_SOURCE_DIR}/runners/xgboost/tests/ref_core_check.py ${_dir}/ref-core
                $<TARGET_FILE:carton-runner-xgboost> ${CMAKE_CURRENT_BINARY_DIR}/xgboost_models)
      set_tests_properties(reference_core_${_version}_xgboost_load_infer PROPERTIES
        LABELS "conformance;reference;xgboost" FIXTURES_REQUIRED xgboost_models
        ENVIRONMENT "CARTON_CORE_REVISION=${_version};REF_CORE_QUIET_LOGS=1"
        PASS_REGULAR_EXPRESSION "\n[0-9]+ passed, 0 failed\n")
      add_test(NAME reference_core_${_version}_xgboost_discover
        COMMAND ${_dir}/ref-core discover --runner-dir ${CMAKE_BINARY_DIR}/runners --runner-name xgboost
                --framework-version ">=1.7")
      set_tests_properties(reference_core_${_version}_xgboost_discover PROPERTIES
        LABELS "conformance;reference;xgboost"
        PASS_REGULAR_EXPRESSION "MATCH [^\n]*/carton-runner-xgboost\n")
    endif()
    # carton's own noop runner passes the suite at its own version...
    add_test(NAME reference_rust_noop_${_version}_suite
      COMMAND $<TARGET_FILE:carton-conformance> --runner ${_dir}/carton-runner-noop
              --core-version ${_version} --suite protocol,echo)
    set_tests_properties(reference_rust_noop_${_version}_suite PROPERTIES
      LABELS "conformance;reference"
      PASS_REGULAR_EXPRESSION "\n[0-9]+ passed, 0 failed(, [0-9]+ skipped)?\n")
  endforeach()
  # ...and, played the other version, is named as speaking its own.
  foreach(_pair "0.0.1;2023-09" "2023-09;0.0.1")
    list(GET _pair 0 _runner_version)
    list(GET _pair 1 _core_version)
    add_test(NAME reference_rust_noop_${_runner_version}_against_${_core_version}
      COMMAND $<TARGET_FILE:carton-conformance>
              --runner ${CARTON_REFERENCE_DIR}/carton-${_runner_version}/carton-runner-noop
              --core-version all --suite protocol --case protocol/load)
    set_tests_properties(reference_rust_noop_${_runner_version}_against_${_core_version} PROPERTIES
      LABELS "conformance;reference"
      PASS_REGULAR_EXPRESSION
        "FAIL protocol/load@${_core_version}: [^\n]*the runner speaks revision ${_runner_version}; start it with `--core-revision ${_core_version}` or `CARTON_CORE_REVISION=${_core_version}`.*#   core ${_core_version}: 0 pass, 1 fail, 0 skip; the runner speaks revision ${_runner_version}")
  endforeach()
endif()
# ---- end opt-in real-core tests ----
