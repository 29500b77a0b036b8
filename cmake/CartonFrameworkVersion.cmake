# carton_framework_version(<out-var>
#     FROM_PKGCONFIG <module> [REGEX <regex>]
#   | FROM_HEADER <header> MAJOR <macro> MINOR <macro> [PATCH <macro>]
#   | FROM_HEADER <header> MACRO <macro> [REGEX <regex>])
#
#   Sets <out-var> to the framework version a runner.toml carries, read at configure
#   time from what the framework installs, so it follows the library the runner is
#   built with rather than a number kept in step by hand. carton_add_runner() takes the
#   same forms as FRAMEWORK_VERSION_FROM_PKGCONFIG and FRAMEWORK_VERSION_FROM_HEADER.
#
#   FROM_PKGCONFIG: `pkg-config --modversion <module>` (PKG_CONFIG_PATH is honoured).
#   FROM_HEADER: <header> is a path, absolute or relative to the current source dir,
#   or a name found on the compiler's include path (find_file); the configure runs
#   again when it changes. MAJOR/MINOR/PATCH name three integer macros (a missing
#   PATCH is 0); MACRO names one macro holding the version, a number or a "string".
#   REGEX is matched against that text; its groups 1, 2 and 3 are major, minor and
#   patch (an empty or absent group is 0). liblinear's linear.h, for instance:
#     FROM_HEADER linear.h MACRO LIBLINEAR_VERSION REGEX "^([0-9]+)([0-9][0-9])$"
#   reads `#define LIBLINEAR_VERSION 230` as 2.30.0.
#
#   The result is normalized to the full semver carton parses: "2.30" becomes 2.30.0,
#   a -prerelease or +build suffix is kept. Anything else (one bare number, which is
#   often a packed version, four parts, a leading zero, a Debian 2.3.0~rc1) is a
#   FATAL_ERROR naming the text and where it came from: carton silently ignores a
#   runner.toml whose framework_version does not parse.
#
#   Which version to pick (docs/tutorial.md, "The framework version"): the one the
#   framework itself reports, as the people packing models write it in
#   required_framework_version, not a distribution's renumbering of it.
include_guard(GLOBAL)

# major.minor.patch with semver's optional -prerelease and +build.
set(_CARTON_SEMVER_REGEX
    "^(0|[1-9][0-9]*)\\.(0|[1-9][0-9]*)\\.(0|[1-9][0-9]*)(-[0-9A-Za-z.-]+)?(\\+[0-9A-Za-z.-]+)?$")

# "2.30" -> "2.30.0"; FATAL_ERROR (naming `what`) unless the result is semver.
function(_carton_normalize_version out text what)
  set(_v "${text}")
  # One bare number is refused rather than padded: headers pack versions into one
  # (liblinear's 230 is 2.30), and 230.0.0 would never match a model's requirement.
  if(_v MATCHES "^([0-9]+)(\\.[0-9]+)(\\.[0-9]+)?([-+].*)?$")
    set(_core "${CMAKE_MATCH_1}${CMAKE_MATCH_2}${CMAKE_MATCH_3}")
    set(_suffix "${CMAKE_MATCH_4}")
    if("${CMAKE_MATCH_3}" STREQUAL "")
      string(APPEND _core ".0")
    endif()
    set(_v "${_core}${_suffix}")
  endif()
  if(NOT _v MATCHES "${_CARTON_SEMVER_REGEX}")
    message(FATAL_ERROR "framework version '${text}' (${what}) is not a semver version carton can parse "
                        "(x.y.z, optionally -prerelease or +build; x.y is completed with .0): "
                        "give a REGEX whose groups 1, 2, 3 pick major, minor and patch out of it, or "
                        "FRAMEWORK_VERSION <x.y.z>")
  endif()
  set(${out} "${_v}" PARENT_SCOPE)
endfunction()

# Applies REGEX (if any) to `text`: its groups become major.minor.patch.
function(_carton_version_by_regex out text regex what)
  if(NOT regex)
    set(${out} "${text}" PARENT_SCOPE)
    return()
  endif()
  if(NOT text MATCHES "${regex}")
    message(FATAL_ERROR "framework version: REGEX '${regex}' does not match '${text}' (${what})")
  endif()
  # Copied first: every MATCHES below resets CMAKE_MATCH_<n>.
  foreach(_i 1 2 3)
    set(_group${_i} "${CMAKE_MATCH_${_i}}")
  endforeach()
  set(_parts)
  foreach(_i 1 2 3)
    set(_p "${_group${_i}}")
    if("${_p}" STREQUAL "")
      set(_p 0)
    endif()
    if(NOT _p MATCHES "^[0-9]+$")
      message(FATAL_ERROR "framework version: group ${_i} of REGEX '${regex}' is '${_p}' in '${text}' "
                          "(${what}), not a number")
    endif()
    math(EXPR _p "${_p}")  # "05" -> 5: a packed number's digits, not a semver part
    list(APPEND _parts ${_p})
  endforeach()
  list(JOIN _parts "." _v)
  set(${out} "${_v}" PARENT_SCOPE)
endfunction()

# The value of `#define <macro> <value>` in `header`: a number or a quoted string,
# without its quotes, parentheses or trailing comment.
function(_carton_header_macro out header macro)
  file(STRINGS "${header}" _lines REGEX "^[ \t]*#[ \t]*define[ \t]+${macro}[ \t]")
  if(NOT _lines)
    message(FATAL_ERROR "framework version: ${header} does not #define ${macro}")
  endif()
  list(GET _lines 0 _line)
  string(REGEX REPLACE "^[ \t]*#[ \t]*define[ \t]+${macro}[ \t]+" "" _value "${_line}")
  string(REGEX REPLACE "/[/*].*$" "" _value "${_value}")
  string(STRIP "${_value}" _value)
  string(REGEX REPLACE "^\\((.*)\\)$" "\\1" _value "${_value}")
  string(REGEX REPLACE "^\"(.*)\"$" "\\1" _value "${_value}")
  if(_value STREQUAL "")
    message(FATAL_ERROR "framework version: ${macro} in ${header} has no value")
  endif()
  set(${out} "${_value}" PARENT_SCOPE)
endfunction()

function(_carton_find_header out header)
  if(IS_ABSOLUTE "${header}")
    set(_path "${header}")
  elseif(EXISTS "${CMAKE_CURRENT_SOURCE_DIR}/${header}")
    set(_path "${CMAKE_CURRENT_SOURCE_DIR}/${header}")
  else()
    # Not cached: a framework installed or moved later is found on the next configure.
    find_file(_path "${header}" HINTS ${CMAKE_CXX_IMPLICIT_INCLUDE_DIRECTORIES} NO_CACHE)
  endif()
  if(NOT _path OR NOT EXISTS "${_path}")
    message(FATAL_ERROR "framework version: header ${header} not found (a path, absolute or relative to "
                        "${CMAKE_CURRENT_SOURCE_DIR}, or a name on the include path): is the framework's "
                        "development package installed?")
  endif()
  set(${out} "${_path}" PARENT_SCOPE)
endfunction()

function(carton_framework_version out)
  cmake_parse_arguments(ARG "" "FROM_PKGCONFIG;FROM_HEADER;MAJOR;MINOR;PATCH;MACRO;REGEX" "" ${ARGN})
  if(ARG_UNPARSED_ARGUMENTS)
    message(FATAL_ERROR "carton_framework_version: unknown arguments ${ARG_UNPARSED_ARGUMENTS}")
  endif()
  if(ARG_FROM_PKGCONFIG AND NOT ARG_FROM_HEADER)
    if(ARG_MAJOR OR ARG_MINOR OR ARG_PATCH OR ARG_MACRO)
      message(FATAL_ERROR "carton_framework_version: FROM_PKGCONFIG takes only REGEX")
    endif()
    find_program(PKG_CONFIG_EXECUTABLE NAMES pkg-config pkgconf)
    if(NOT PKG_CONFIG_EXECUTABLE)
      message(FATAL_ERROR "framework version: pkg-config not found, so module ${ARG_FROM_PKGCONFIG} "
                          "cannot be asked (apt install pkgconf)")
    endif()
    execute_process(COMMAND ${PKG_CONFIG_EXECUTABLE} --modversion ${ARG_FROM_PKGCONFIG}
                    OUTPUT_VARIABLE _text ERROR_VARIABLE _err RESULT_VARIABLE _rc
                    OUTPUT_STRIP_TRAILING_WHITESPACE ERROR_STRIP_TRAILING_WHITESPACE)
    if(NOT _rc EQUAL 0 OR _text STREQUAL "")
      message(FATAL_ERROR "framework version: pkg-config module ${ARG_FROM_PKGCONFIG} not found "
                          "(${_err}): is the framework's development package installed, or PKG_CONFIG_PATH set?")
    endif()
    set(_what "pkg-config --modversion ${ARG_FROM_PKGCONFIG}")
    _carton_version_by_regex(_text "${_text}" "${ARG_REGEX}" "${_what}")
  elseif(ARG_FROM_HEADER AND NOT ARG_FROM_PKGCONFIG)
    _carton_find_header(_header "${ARG_FROM_HEADER}")
    set_property(DIRECTORY APPEND PROPERTY CMAKE_CONFIGURE_DEPENDS "${_header}")
    if(ARG_MACRO AND NOT (ARG_MAJOR OR ARG_MINOR OR ARG_PATCH))
      _carton_header_macro(_text "${_header}" ${ARG_MACRO})
      set(_what "${ARG_MACRO} in ${_header}")
      _carton_version_by_regex(_text "${_text}" "${ARG_REGEX}" "${_what}")
    elseif(ARG_MAJOR AND ARG_MINOR AND NOT ARG_MACRO AND NOT ARG_REGEX)
      set(_parts)
      foreach(_macro ${ARG_MAJOR} ${ARG_MINOR} ${ARG_PATCH})
        _carton_header_macro(_p "${_header}" ${_macro})
        if(NOT _p MATCHES "^[0-9]+$")
          message(FATAL_ERROR "framework version: ${_macro} in ${_header} is '${_p}', not a number")
        endif()
        math(EXPR _p "${_p}")
        list(APPEND _parts ${_p})
      endforeach()
      list(JOIN _parts "." _text)
      string(REPLACE ";" ", " _what "${ARG_MAJOR};${ARG_MINOR};${ARG_PATCH}")
      set(_what "${_what} in ${_header}")
    else()
      message(FATAL_ERROR "carton_framework_version: FROM_HEADER ${ARG_FROM_HEADER} needs either "
                          "MAJOR <macro> MINOR <macro> [PATCH <macro>], or MACRO <macro> [REGEX <regex>]")
    endif()
  else()
    message(FATAL_ERROR "carton_framework_version: give one of FROM_PKGCONFIG <module> or FROM_HEADER <header>")
  endif()
  _carton_normalize_version(_version "${_text}" "${_what}")
  set(${out} "${_version}" PARENT_SCOPE)
endfunction()
