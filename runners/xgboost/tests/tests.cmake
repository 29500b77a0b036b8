# The XGBoost runner's tests: Boost.Test suites through the mock core with models that
# make_models.py trains with python3-xgboost at test time, checked against python's
# Booster.predict; the conformance suites with one of those models; and its own .deb,
# discovered.
if(NOT TARGET carton-runner-xgboost)
  return()
endif()
set(_dir ${CMAKE_CURRENT_LIST_DIR})
execute_process(COMMAND ${CARTON_PYTHON} -c "import xgboost, numpy"
                RESULT_VARIABLE _xgb_py_ok OUTPUT_QUIET ERROR_QUIET)
if(NOT _xgb_py_ok EQUAL 0)
  message(STATUS "runners/xgboost/tests: not run (${CARTON_PYTHON} cannot import xgboost and numpy: install "
                 "python3-xgboost, as scripts/install-deps.sh does)")
  return()
endif()

carton_add_test(test_xgboost
  SOURCES ${_dir}/main.cpp ${_dir}/xgboost_models.cpp ${_dir}/infer_test.cpp ${_dir}/errors_test.cpp
          ${_dir}/lifecycle_test.cpp ${_dir}/tensor_mapping_test.cpp ${_dir}/tree_walker_test.cpp
          ${_dir}/saved_model_check_test.cpp
  LIBS carton_mock carton_xgboost_handler
  LABELS xgboost)
target_compile_definitions(test_xgboost PRIVATE
  CARTON_XGBOOST_RUNNER="$<TARGET_FILE:carton-runner-xgboost>"
  CARTON_PYTHON="${CARTON_PYTHON}"
  CARTON_XGBOOST_MAKE_MODELS="${_dir}/make_models.py")
add_dependencies(test_xgboost carton-runner-xgboost)

set(_xgb_models ${CMAKE_CURRENT_BINARY_DIR}/xgboost_models)
add_test(NAME xgboost_models COMMAND ${CARTON_PYTHON} ${_dir}/make_models.py ${_xgb_models})
set_tests_properties(xgboost_models PROPERTIES LABELS xgboost FIXTURES_SETUP xgboost_models)
# Its own .deb, extracted and discovered (with CARTON_REFERENCE_DIR: by carton too, and
# a model loaded and run through carton's core).
carton_add_runner_package_test(carton-runner-xgboost RUNNER_NAME xgboost REQUIREMENT ">=1.7"
  MODEL_DIR ${_xgb_models}/binary INPUT ${_xgb_models}/expected/binary.json FIXTURES xgboost_models LABELS xgboost)
if(TARGET carton-conformance)
  add_test(NAME xgboost_conformance_with_model
    COMMAND $<TARGET_FILE:carton-conformance> --runner $<TARGET_FILE:carton-runner-xgboost>
            --core-version all --suite protocol,robustness --model-dir ${_xgb_models}/regression32
            --model-check ${_xgb_models}/expected/regression32_check.json)
  set_tests_properties(xgboost_conformance_with_model PROPERTIES LABELS xgboost FIXTURES_REQUIRED xgboost_models)
  add_test(NAME xgboost_conformance_without_model
    COMMAND $<TARGET_FILE:carton-conformance> --runner $<TARGET_FILE:carton-runner-xgboost>
            --core-version all --suite protocol,robustness)
  set_tests_properties(xgboost_conformance_without_model PROPERTIES LABELS xgboost)
endif()
# With CARTON_REFERENCE_DIR: the models packed, loaded and run by carton itself
# (ref_carton_check.py).
carton_add_ref_carton_test(xgboost MODELS ${_xgb_models} FIXTURE xgboost_models LABELS xgboost)
