# ---- opt-in tests against carton's real core (CARTON_REFERENCE_DIR) ----
# CARTON_REFERENCE_DIR is a directory laid out like carton-<version>/{ref-core,
# carton-runner-noop} for the versions 0.0.1 and 2023-09 (docs/conformance.md says how to
# build one from a carton checkout). Without it none of these tests exist, so the normal
# test command needs nothing but this repository.
set(CARTON_REFERENCE_DIR "" CACHE PATH
    "Directory holding carton-0.0.1/ and carton-2023-09/ with carton's ref-core and carton-runner-noop (opt-in real-core tests)")
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
    # runner echoes, so it takes ref-core's whole smoke run; the file runner answers with
    # its model, so it loads one through the real core's filesystem server and infers.
    set(_ref_env "CARTON_CORE_REVISION=${_version};REF_CORE_QUIET_LOGS=1")
    if(TARGET carton-runner-noop)
      add_test(NAME reference_core_${_version}_noop_smoke
        COMMAND ${_dir}/ref-core $<TARGET_FILE:carton-runner-noop> smoke)
      set_tests_properties(reference_core_${_version}_noop_smoke PROPERTIES
        LABELS "conformance;reference" ENVIRONMENT "${_ref_env}"
        PASS_REGULAR_EXPRESSION "smoke: [0-9]+ passed, 0 failed")
    endif()
    if(TARGET carton-runner-file)
      add_test(NAME reference_core_${_version}_file_load_infer
        COMMAND ${_dir}/ref-core $<TARGET_FILE:carton-runner-file> load-infer
                --dir ${CMAKE_CURRENT_SOURCE_DIR}/conformance/file_model
                --input ${CMAKE_CURRENT_SOURCE_DIR}/conformance/doubler_input.json)
      set_tests_properties(reference_core_${_version}_file_load_infer PROPERTIES
        LABELS "conformance;reference" ENVIRONMENT "${_ref_env}"
        PASS_REGULAR_EXPRESSION "OUTPUT .*\"model\".*\"conformance model\"")
    endif()
    if(TARGET carton-runner-torchscript)
      add_test(NAME reference_core_${_version}_torchscript_smoke
        COMMAND ${_dir}/ref-core $<TARGET_FILE:carton-runner-torchscript> smoke)
      set_tests_properties(reference_core_${_version}_torchscript_smoke PROPERTIES
        LABELS "conformance;reference;torch"
        ENVIRONMENT "${_ref_env}"
        PASS_REGULAR_EXPRESSION "smoke: [0-9]+ passed, 0 failed")
      # A real model through the real core: make_models.py's doubler (fixture torch_models).
      add_test(NAME reference_core_${_version}_torchscript_load_infer
        COMMAND ${_dir}/ref-core $<TARGET_FILE:carton-runner-torchscript> load-infer
                --dir ${CMAKE_CURRENT_BINARY_DIR}/torch_models/doubler
                --input ${CMAKE_CURRENT_SOURCE_DIR}/conformance/doubler_input.json)
      set_tests_properties(reference_core_${_version}_torchscript_load_infer PROPERTIES
        LABELS "conformance;reference;torch"
        FIXTURES_REQUIRED torch_models
        ENVIRONMENT "${_ref_env}"
        PASS_REGULAR_EXPRESSION "OUTPUT .*\"x\".*2(\\.0)?, *-6(\\.0)?, *1(\\.0)?")
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
