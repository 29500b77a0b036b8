# ---- mutants (tests/conformance/mutants/): carton's noop runner with one bug switched on
# (CARTON_MUTANT); one CTest per fault requires the suite to FAIL it in the case that
# catches it (test_mutants.py's CATCHES), then mutants_score prints the mutation score.
# docs/conformance.md, "Mutants", says how to add a fault. ----
if(TARGET carton-runner-noop AND TARGET carton-conformance)
  add_executable(carton-runner-mutant
    conformance/mutants/main.cpp conformance/mutants/faults.cpp conformance/mutants/tensor_faults.cpp
    conformance/mutants/mutating_sink.cpp conformance/mutants/mutant_handler.cpp)
  target_link_libraries(carton-runner-mutant PRIVATE carton_noop_handler)

  # The faults, as faults.cpp names them: {Fault::kX, "name", ...
  file(STRINGS ${CMAKE_CURRENT_SOURCE_DIR}/conformance/mutants/faults.cpp _fault_lines
       REGEX "{Fault::k[A-Za-z0-9]+, \"[a-z0-9_]+\"")
  set(_faults "")
  foreach(_line IN LISTS _fault_lines)
    string(REGEX REPLACE ".*{Fault::k[A-Za-z0-9]+, \"([a-z0-9_]+)\".*" "\\1" _fault "${_line}")
    list(APPEND _faults ${_fault})
  endforeach()

  set(_results ${CMAKE_CURRENT_BINARY_DIR}/mutant_results)
  set(_script ${CMAKE_CURRENT_SOURCE_DIR}/conformance/test_mutants.py)
  set(_env "CARTON_CONFORMANCE=$<TARGET_FILE:carton-conformance>;CARTON_MUTANT_RUNNER=$<TARGET_FILE:carton-runner-mutant>;MUTANT_RESULTS=${_results};CARTON_SOURCE_DIR=${PROJECT_SOURCE_DIR}")
  add_test(NAME mutants_clear COMMAND ${CMAKE_COMMAND} -E rm -rf ${_results})
  set_tests_properties(mutants_clear PROPERTIES LABELS "conformance;mutants" FIXTURES_SETUP mutants)
  foreach(_fault IN LISTS _faults)
    add_test(NAME mutant_${_fault} COMMAND ${CARTON_PYTHON} ${_script} check ${_fault})
    set_tests_properties(mutant_${_fault} PROPERTIES
      LABELS "conformance;mutants" ENVIRONMENT "${_env}" FIXTURES_REQUIRED mutants)
  endforeach()
  add_test(NAME mutants_score COMMAND ${CARTON_PYTHON} ${_script} score)
  set_tests_properties(mutants_score PROPERTIES
    LABELS "conformance;mutants" ENVIRONMENT "${_env}" FIXTURES_CLEANUP mutants)
  # The control: without a fault the runner passes every case the faults are caught by.
  add_test(NAME mutant_none_passes
    COMMAND $<TARGET_FILE:carton-conformance> --runner $<TARGET_FILE:carton-runner-mutant>
            --suite protocol,robustness,echo)
  set_tests_properties(mutant_none_passes PROPERTIES
    LABELS "conformance;mutants" ENVIRONMENT "CARTON_MUTANT=none"
    PASS_REGULAR_EXPRESSION "\n[0-9]+ passed, 0 failed(, [0-9]+ skipped)?\n")

  # Against carton's real core (opt-in): every fault ref-core's smoke fails at either
  # core version, the suite's catching case fails too.
  if(CARTON_REFERENCE_DIR)
    add_test(NAME reference_mutants_real_core
      COMMAND ${CARTON_PYTHON} ${_script} compare --reference ${CARTON_REFERENCE_DIR})
    set_tests_properties(reference_mutants_real_core PROPERTIES
      LABELS "conformance;reference;mutants" ENVIRONMENT "${_env}" TIMEOUT 1800)
  endif()
endif()
# ---- end mutants ----
