# The TorchScript runner beside the noop runner and libtorch in-process (bench/README.md,
# "TorchScript runner benchmarks"). Only when runners/torchscript was built
# (CARTON_WITH_TORCH=ON and libtorch found). The models are written at run time by
# make_torch_bench_models.py with ${CARTON_PYTHON}, which needs Debian's python3-torch.
if(TARGET carton-runner-torchscript AND TARGET carton_torchscript_handler)
  add_executable(torch_bench ${CMAKE_CURRENT_LIST_DIR}/torch_bench.cpp)
  target_include_directories(torch_bench PRIVATE ${CMAKE_CURRENT_SOURCE_DIR})
  # `torch` is the imported target of find_package(Torch GLOBAL) in the runner's
  # directory; it brings libtorch's headers for the in-process rows. The handler
  # library's LoadedModel (runners/torchscript/loaded_model.hpp) is timed
  # in-process too.
  target_link_libraries(torch_bench PRIVATE carton_mock carton_torchscript_handler torch benchmark::benchmark)
  target_compile_definitions(torch_bench PRIVATE
    CARTON_NOOP_RUNNER="$<TARGET_FILE:carton-runner-noop>"
    CARTON_TORCHSCRIPT_RUNNER="$<TARGET_FILE:carton-runner-torchscript>"
    CARTON_PYTHON="${CARTON_PYTHON}"
    CARTON_TORCH_BENCH_MODELS_SCRIPT="${CMAKE_CURRENT_LIST_DIR}/make_torch_bench_models.py")
  add_dependencies(torch_bench carton-runner-noop carton-runner-torchscript)

  carton_bench_run_target(torch_bench torch_overhead.py)  # the overhead table
endif()
