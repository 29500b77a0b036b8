# The TorchScript runner's tests (included by tests/CMakeLists.txt, whose carton_add_test
# they use; their helpers come from carton/mock/runner_test_support.hpp): Boost.Test suites through the mock core, the conformance
# suites with a model and without, and its own .deb.
if(NOT TARGET carton-runner-torchscript)
  return()
endif()
set(_dir ${CMAKE_CURRENT_LIST_DIR})
# The models are made at test time by make_models.py with Debian's python3-torch,
# so no binary model is checked in.
carton_add_test(test_torch
  SOURCES ${_dir}/main.cpp ${_dir}/torch_models.cpp ${_dir}/infer_test.cpp ${_dir}/errors_test.cpp
          ${_dir}/lifecycle_test.cpp
  LIBS carton_mock
  LABELS torch)
target_compile_definitions(test_torch PRIVATE
  CARTON_TORCHSCRIPT_RUNNER="$<TARGET_FILE:carton-runner-torchscript>"
  CARTON_PYTHON="${CARTON_PYTHON}"
  CARTON_TORCH_MAKE_MODELS="${_dir}/make_models.py")
add_dependencies(test_torch carton-runner-torchscript)
if(TARGET carton-conformance)
  # The conformance suites against the runner, for both core revisions: once with a
  # real model served to every Load (make_models.py's doubler, made by a fixture), so
  # that Load must succeed and the infers run, and once with an empty model directory,
  # where Load and the infers answer Error (which the suites accept).
  set(_torch_models ${CMAKE_CURRENT_BINARY_DIR}/torch_models)
  add_test(NAME torch_conformance_models
    COMMAND ${CARTON_PYTHON} ${_dir}/make_models.py ${_torch_models})
  set_tests_properties(torch_conformance_models PROPERTIES LABELS torch FIXTURES_SETUP torch_models)
  add_test(NAME torch_conformance_with_model
    COMMAND $<TARGET_FILE:carton-conformance> --runner $<TARGET_FILE:carton-runner-torchscript>
            --core-version all --suite protocol,robustness --model-dir ${_torch_models}/doubler)
  set_tests_properties(torch_conformance_with_model PROPERTIES LABELS torch FIXTURES_REQUIRED torch_models)
  add_test(NAME torch_conformance_without_model
    COMMAND $<TARGET_FILE:carton-conformance> --runner $<TARGET_FILE:carton-runner-torchscript>
            --core-version all --suite protocol,robustness)
  set_tests_properties(torch_conformance_without_model PROPERTIES LABELS torch)
endif()
# Its own .deb, extracted and discovered (with CARTON_REFERENCE_DIR: by carton too,
# and the doubler loaded and run through carton's core).
carton_add_runner_package_test(carton-runner-torchscript RUNNER_NAME torchscript REQUIREMENT ">=1.13"
  MODEL_DIR ${CMAKE_CURRENT_BINARY_DIR}/torch_models/doubler
  INPUT ${PROJECT_SOURCE_DIR}/tests/conformance/doubler_input.json FIXTURES torch_models LABELS torch)
# With CARTON_REFERENCE_DIR: the models packed, loaded and run by carton itself
# (ref_carton_check.py).
carton_add_ref_carton_test(torchscript MODELS ${CMAKE_CURRENT_BINARY_DIR}/torch_models FIXTURE torch_models LABELS torch)
