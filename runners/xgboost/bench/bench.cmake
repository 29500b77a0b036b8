# The XGBoost runner against XGBoost's in-process prediction and the plain ping-pong
# (bench/README.md, "XGBoost runner benchmarks"). Only when runners/xgboost was
# built. The model is trained at run time by make_xgboost_bench_model.py (python3-xgboost).
if(TARGET carton-runner-xgboost)
  add_executable(xgboost_bench ${CMAKE_CURRENT_LIST_DIR}/xgboost_bench.cpp)
  target_include_directories(xgboost_bench PRIVATE ${CMAKE_CURRENT_SOURCE_DIR})
  target_link_libraries(xgboost_bench PRIVATE carton_mock carton_xgboost_handler benchmark::benchmark)
  target_compile_definitions(xgboost_bench PRIVATE
    CARTON_XGBOOST_RUNNER="$<TARGET_FILE:carton-runner-xgboost>"
    CARTON_PYTHON="${CARTON_PYTHON}"
    CARTON_XGBOOST_BENCH_MODEL="${CMAKE_CURRENT_LIST_DIR}/make_xgboost_bench_model.py")
  add_dependencies(xgboost_bench carton-runner-xgboost)
  carton_bench_run_target(xgboost_bench xgboost_overhead.py)
endif()
