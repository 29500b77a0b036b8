# Every dependency comes from a Debian bookworm package; scripts/install-deps.sh
# installs them. Each failure names the package that provides what is missing.

find_package(Threads REQUIRED)

find_package(FlatBuffers CONFIG)
if(NOT TARGET flatbuffers::flatc)
  message(FATAL_ERROR "flatc not found: install the Debian packages flatbuffers-compiler "
                      "and libflatbuffers-dev (scripts/install-deps.sh does).")
endif()

find_package(Boost 1.74 REQUIRED COMPONENTS unit_test_framework log log_setup thread system)
find_package(CLI11 CONFIG)
if(NOT TARGET CLI11::CLI11)
  message(FATAL_ERROR "CLI11 not found: install the Debian package libcli11-dev.")
endif()

# The generator needs Debian's python3-jinja2 and python3-flatbuffers. Those live in
# /usr/lib/python3/dist-packages, which a python3 from pyenv or a venv earlier on PATH
# does not see, so Debian's interpreter is preferred and then checked.
find_program(CARTON_PYTHON NAMES python3 PATHS /usr/bin NO_DEFAULT_PATH)
if(NOT CARTON_PYTHON)
  find_program(CARTON_PYTHON NAMES python3)
endif()
if(NOT CARTON_PYTHON)
  message(FATAL_ERROR "No python3 found for the code generator: install python3.")
endif()
execute_process(
  COMMAND ${CARTON_PYTHON} -c "import jinja2, flatbuffers"
  RESULT_VARIABLE _carton_py_ok OUTPUT_QUIET ERROR_VARIABLE _carton_py_err)
if(NOT _carton_py_ok EQUAL 0)
  message(FATAL_ERROR "${CARTON_PYTHON} cannot import jinja2 and flatbuffers (${_carton_py_err}). "
                      "Install the Debian packages python3-jinja2 and python3-flatbuffers, "
                      "or point -DCARTON_PYTHON at an interpreter that has them.")
endif()
get_target_property(CARTON_FLATC flatbuffers::flatc LOCATION)
