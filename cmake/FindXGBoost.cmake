# Finds XGBoost's C API (Debian bookworm: libxgboost-dev 1.7.4).
#
# Why a find module: the xgboost-config.cmake that libxgboost-dev ships names
# /usr/bin/xgboost (the CLI, which Debian does not install) among its imported targets,
# so `find_package(xgboost CONFIG)` fails on a machine with only the library. The C API
# is one header directory and one shared library; this finds those.
#
# Defines XGBoost_FOUND, XGBoost_VERSION (from xgboost/version_config.h) and the target
# XGBoost::xgboost. QUIET-friendly: the runner is optional.
find_path(XGBoost_INCLUDE_DIR xgboost/c_api.h)
find_library(XGBoost_LIBRARY xgboost)

set(XGBoost_VERSION "")
if(XGBoost_INCLUDE_DIR AND EXISTS "${XGBoost_INCLUDE_DIR}/xgboost/version_config.h")
  file(STRINGS "${XGBoost_INCLUDE_DIR}/xgboost/version_config.h" _carton_xgb_lines
       REGEX "#define XGBOOST_VER_(MAJOR|MINOR|PATCH) ")
  foreach(_part MAJOR MINOR PATCH)
    string(REGEX REPLACE ".*#define XGBOOST_VER_${_part} +([0-9]+).*" "\\1" _carton_xgb_${_part} "${_carton_xgb_lines}")
  endforeach()
  set(XGBoost_VERSION "${_carton_xgb_MAJOR}.${_carton_xgb_MINOR}.${_carton_xgb_PATCH}")
endif()

include(FindPackageHandleStandardArgs)
find_package_handle_standard_args(XGBoost REQUIRED_VARS XGBoost_INCLUDE_DIR XGBoost_LIBRARY
                                  VERSION_VAR XGBoost_VERSION)

if(XGBoost_FOUND AND NOT TARGET XGBoost::xgboost)
  add_library(XGBoost::xgboost UNKNOWN IMPORTED GLOBAL)
  set_target_properties(XGBoost::xgboost PROPERTIES
    IMPORTED_LOCATION "${XGBoost_LIBRARY}"
    INTERFACE_INCLUDE_DIRECTORIES "${XGBoost_INCLUDE_DIR}")
endif()
