# The ONNX runner's tests: Boost.Test suites through the mock core with models that
# make_models.py exports with python3-torch at test time; the conformance suites with
# one of those models; and a subset of ONNX's backend corpus through the runner,
# checked against OpenCV run in-process on the same models (runners/onnx/corpus).
if(NOT TARGET carton-runner-onnx)
  return()
endif()
set(_dir ${CMAKE_CURRENT_LIST_DIR})
execute_process(COMMAND ${CARTON_PYTHON} -c "import torch, onnx, numpy"
                RESULT_VARIABLE _onnx_py_ok OUTPUT_QUIET ERROR_QUIET)
if(NOT _onnx_py_ok EQUAL 0)
  message(STATUS "runners/onnx/tests: not run (${CARTON_PYTHON} cannot import torch, onnx and numpy: install "
                 "python3-torch, python3-onnx and python3-numpy, as scripts/install-deps.sh does)")
  return()
endif()

carton_add_test(test_onnx
  SOURCES ${_dir}/main.cpp ${_dir}/onnx_models.cpp ${_dir}/infer_test.cpp ${_dir}/errors_test.cpp ${_dir}/lifecycle_test.cpp
          ${_dir}/adaptive_threads_test.cpp ${_dir}/options_test.cpp
  LIBS carton_mock carton_onnx_handler CartonOpenCV::dnn
  LABELS onnx)
target_compile_definitions(test_onnx PRIVATE
  CARTON_ONNX_RUNNER="$<TARGET_FILE:carton-runner-onnx>"
  CARTON_PYTHON="${CARTON_PYTHON}"
  CARTON_ONNX_MAKE_MODELS="${_dir}/make_models.py")
add_dependencies(test_onnx carton-runner-onnx)

set(_onnx_models ${CMAKE_CURRENT_BINARY_DIR}/onnx_models)
add_test(NAME onnx_models COMMAND ${CARTON_PYTHON} ${_dir}/make_models.py ${_onnx_models})
set_tests_properties(onnx_models PROPERTIES LABELS onnx FIXTURES_SETUP onnx_models)
# Its own .deb, extracted and discovered (with CARTON_REFERENCE_DIR: by carton too, and
# the MLP loaded and run through carton's core).
carton_add_runner_package_test(carton-runner-onnx RUNNER_NAME onnx REQUIREMENT ">=1.12"
  MODEL_DIR ${_onnx_models}/mlp INPUT ${_dir}/mlp_input.json FIXTURES onnx_models LABELS onnx)
if(TARGET carton-conformance)
  add_test(NAME onnx_conformance_with_model
    COMMAND $<TARGET_FILE:carton-conformance> --runner $<TARGET_FILE:carton-runner-onnx>
            --core-version all --suite protocol,robustness --model-dir ${_onnx_models}/cnn
            --model-check ${_onnx_models}/expected/cnn_check.json)
  set_tests_properties(onnx_conformance_with_model PROPERTIES LABELS onnx FIXTURES_REQUIRED onnx_models)
  add_test(NAME onnx_conformance_without_model
    COMMAND $<TARGET_FILE:carton-conformance> --runner $<TARGET_FILE:carton-runner-onnx>
            --core-version all --suite protocol,robustness)
  set_tests_properties(onnx_conformance_without_model PROPERTIES LABELS onnx)
endif()

# ONNX's corpus (libonnx-testdata), a subset chosen to cover every category and verdict
# (corpus_subset.txt says how): OpenCV in-process first, then the runner, which
# fails on a crash, a hang, or a model OpenCV passes and the runner does not. The
# whole corpus is in scripts/main.sh (docs/runners/onnx.md has both tables and times).
set(_onnx_corpus /usr/share/libonnx-testdata/data)
if(TARGET carton-onnx-corpus AND EXISTS ${_onnx_corpus})
  set(_subset ${_dir}/corpus_subset.txt)
  set(_baseline ${CMAKE_CURRENT_BINARY_DIR}/onnx_corpus_opencv.tsv)
  add_test(NAME onnx_corpus_opencv
    COMMAND $<TARGET_FILE:carton-onnx-corpus> --engine opencv --list ${_subset} --report ${_baseline} ${_onnx_corpus})
  set_tests_properties(onnx_corpus_opencv PROPERTIES LABELS onnx FIXTURES_SETUP onnx_corpus_baseline)
  add_test(NAME onnx_corpus_runner
    COMMAND $<TARGET_FILE:carton-onnx-corpus> --engine runner --runner $<TARGET_FILE:carton-runner-onnx>
            --list ${_subset} --baseline ${_baseline} ${_onnx_corpus})
  set_tests_properties(onnx_corpus_runner PROPERTIES LABELS onnx FIXTURES_REQUIRED onnx_corpus_baseline TIMEOUT 900)
endif()
# With CARTON_REFERENCE_DIR: the models packed, loaded and run by carton itself
# (ref_carton_check.py).
carton_add_ref_carton_test(onnx MODELS ${_onnx_models} FIXTURE onnx_models LABELS onnx)
