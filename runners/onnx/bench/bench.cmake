# The ONNX runner against OpenCV in-process and the plain ping-pong (bench/README.md,
# "ONNX runner benchmarks"). Only when runners/onnx was built. The CNN is
# exported at run time by runners/onnx/tests/make_models.py (python3-torch).
if(TARGET carton-runner-onnx)
  add_executable(onnx_bench ${CMAKE_CURRENT_LIST_DIR}/onnx_bench.cpp)
  target_include_directories(onnx_bench PRIVATE ${CMAKE_CURRENT_SOURCE_DIR})
  target_link_libraries(onnx_bench PRIVATE carton_mock CartonOpenCV::dnn benchmark::benchmark)
  target_compile_definitions(onnx_bench PRIVATE
    CARTON_ONNX_RUNNER="$<TARGET_FILE:carton-runner-onnx>"
    CARTON_PYTHON="${CARTON_PYTHON}"
    CARTON_ONNX_MAKE_MODELS="${PROJECT_SOURCE_DIR}/runners/onnx/tests/make_models.py")
  add_dependencies(onnx_bench carton-runner-onnx)
  carton_bench_run_target(onnx_bench onnx_overhead.py)
  # One stream of OpenCV in-process, for bench/bench_infer.py's IN_PROCESS column.
  add_executable(onnx_stream ${CMAKE_CURRENT_LIST_DIR}/onnx_stream.cpp)
  target_link_libraries(onnx_stream PRIVATE CartonOpenCV::dnn)
endif()
