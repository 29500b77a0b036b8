# The sandbox from inside a real runner process (tests/sandbox/sandbox_probe_test.cpp).
if(TARGET carton_mock AND TARGET carton_noop_handler)
  carton_add_runner(carton-runner-sandbox-probe NO_INSTALL
    SOURCES ${CMAKE_CURRENT_LIST_DIR}/probe_runner.cpp ${CMAKE_CURRENT_LIST_DIR}/probe_acts.cpp
    RUNNER_NAME sandbox-probe FRAMEWORK_VERSION 1.0.0)
  target_link_libraries(carton-runner-sandbox-probe PRIVATE carton_noop_handler)
  target_compile_definitions(carton-runner-sandbox-probe PRIVATE
    CARTON_PROBE_USER_FILE="${PROJECT_SOURCE_DIR}/README.md")
  carton_add_test(test_sandbox
    SOURCES ${CMAKE_CURRENT_LIST_DIR}/main.cpp ${CMAKE_CURRENT_LIST_DIR}/sandbox_probe_test.cpp
            ${CMAKE_CURRENT_LIST_DIR}/probe_acts.cpp ${CMAKE_CURRENT_LIST_DIR}/bpf_program_test.cpp
    LIBS carton_mock
    LABELS sandbox)
  target_include_directories(test_sandbox PRIVATE ${PROJECT_SOURCE_DIR}/runtime/src)
  target_compile_definitions(test_sandbox PRIVATE CARTON_PROBE_RUNNER="$<TARGET_FILE:carton-runner-sandbox-probe>")
  add_dependencies(test_sandbox carton-runner-sandbox-probe)
endif()
