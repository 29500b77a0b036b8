# ---- carton-conformance --model-check (tests/conformance/test_model_check.py) ----
# One CTest per test class: the noop and file runners always, the TorchScript runner
# with make_models.py's doubler when it is built; and the comparison itself.
carton_add_test(test_model_check SOURCES ${CMAKE_CURRENT_LIST_DIR}/model_check_test.cpp
  LIBS carton_conformance_suite LABELS conformance)
if(TARGET carton-runner-noop AND TARGET carton-conformance)
  set(_model_check_env
    "CARTON_CONFORMANCE=$<TARGET_FILE:carton-conformance>;CARTON_NOOP_RUNNER=$<TARGET_FILE:carton-runner-noop>;CARTON_FILE_RUNNER=$<TARGET_FILE:carton-runner-file>")
  add_test(NAME carton_conformance_model_check
    COMMAND ${CARTON_PYTHON} ${CMAKE_CURRENT_LIST_DIR}/test_model_check.py ModelCheckTest)
  set_tests_properties(carton_conformance_model_check PROPERTIES LABELS conformance ENVIRONMENT "${_model_check_env}")
  if(TARGET carton-runner-torchscript)
    add_test(NAME torch_conformance_model_check
      COMMAND ${CARTON_PYTHON} ${CMAKE_CURRENT_LIST_DIR}/test_model_check.py TorchScriptModelCheckTest)
    set_tests_properties(torch_conformance_model_check PROPERTIES LABELS "conformance;torch"
      FIXTURES_REQUIRED torch_models
      ENVIRONMENT "${_model_check_env};CARTON_TORCHSCRIPT_RUNNER=$<TARGET_FILE:carton-runner-torchscript>;CARTON_TORCH_MODELS=${CMAKE_CURRENT_BINARY_DIR}/torch_models")
  endif()
endif()
# ---- end --model-check ----
