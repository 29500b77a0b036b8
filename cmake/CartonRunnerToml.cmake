# The build-time half of carton_runner_toml() (CartonRunner.cmake), run as POST_BUILD
# steps of a runner target with `cmake -P`:
#
#   -DCARTON_STAMP=F                       records the release date in F: now, in UTC, or
#                                          SOURCE_DATE_EPOCH's when that is set
#                                          (string(TIMESTAMP) reads it), which gives a
#                                          reproducible build a fixed date
#   -DCARTON_STAMP=F -DCARTON_TOML=T ...   writes runner.toml T with F's date, or
#                                          RELEASE_DATE when given
cmake_minimum_required(VERSION 3.25)

if(NOT CARTON_TOML)
  string(TIMESTAMP _now "%Y-%m-%dT%H:%M:%SZ" UTC)
  file(WRITE "${CARTON_STAMP}" "${_now}")
  return()
endif()

if(RELEASE_DATE)
  set(_date "${RELEASE_DATE}")
else()
  file(READ "${CARTON_STAMP}" _date)
endif()

# TOML basic strings: a backslash or a quote in a value must not end the string.
foreach(_var RUNNER_NAME FRAMEWORK_VERSION RUNNER_PATH PLATFORM _date)
  string(REPLACE "\\" "\\\\" _escaped "${${_var}}")
  string(REPLACE "\"" "\\\"" _escaped "${_escaped}")
  set(${_var} "${_escaped}")
endforeach()

file(WRITE "${CARTON_TOML}" "# Written by carton_runner_toml() when the runner was linked.
version = 1

[[runner]]
runner_name = \"${RUNNER_NAME}\"
framework_version = \"${FRAMEWORK_VERSION}\"
runner_compat_version = ${COMPAT_VERSION}
runner_interface_version = 1
runner_release_date = \"${_date}\"
runner_path = \"${RUNNER_PATH}\"
platform = \"${PLATFORM}\"
")
