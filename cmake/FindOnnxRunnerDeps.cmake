# What the ONNX runner (runners/onnx) and the corpus tool (runners/onnx/corpus)
# build against, all Debian bookworm packages:
#   libopencv-dnn-dev   OpenCV's DNN module, the engine (it ships no CMake config
#                       without the libopencv-dev metapackage, so it is found here)
#   libonnx-dev         libonnx and libonnx_proto: the model's protobuf, the checker
#   libprotobuf-dev     what libonnx_proto is generated against
# Defines OnnxRunnerDeps_FOUND, OnnxRunnerDeps_OPENCV_VERSION, ONNX_VERSION and the
# targets CartonOpenCV::dnn and onnx (from ONNXConfig.cmake). QUIET-friendly: the
# runner is optional, and its CMakeLists says why it is not built.
find_path(CARTON_OPENCV_INCLUDE_DIR opencv2/dnn.hpp PATH_SUFFIXES opencv4)
find_library(CARTON_OPENCV_DNN_LIBRARY opencv_dnn)
find_library(CARTON_OPENCV_CORE_LIBRARY opencv_core)
find_package(Protobuf QUIET)
find_package(ONNX CONFIG QUIET)

set(OnnxRunnerDeps_OPENCV_VERSION "")
if(CARTON_OPENCV_INCLUDE_DIR AND EXISTS "${CARTON_OPENCV_INCLUDE_DIR}/opencv2/core/version.hpp")
  file(STRINGS "${CARTON_OPENCV_INCLUDE_DIR}/opencv2/core/version.hpp" _carton_cv_lines
       REGEX "#define CV_VERSION_(MAJOR|MINOR|REVISION) ")
  foreach(_part MAJOR MINOR REVISION)
    string(REGEX REPLACE ".*#define CV_VERSION_${_part} +([0-9]+).*" "\\1" _carton_cv_${_part} "${_carton_cv_lines}")
  endforeach()
  set(OnnxRunnerDeps_OPENCV_VERSION "${_carton_cv_MAJOR}.${_carton_cv_MINOR}.${_carton_cv_REVISION}")
endif()

include(FindPackageHandleStandardArgs)
find_package_handle_standard_args(OnnxRunnerDeps
  REQUIRED_VARS CARTON_OPENCV_INCLUDE_DIR CARTON_OPENCV_DNN_LIBRARY CARTON_OPENCV_CORE_LIBRARY Protobuf_FOUND ONNX_FOUND
  VERSION_VAR OnnxRunnerDeps_OPENCV_VERSION)

if(OnnxRunnerDeps_FOUND AND NOT TARGET CartonOpenCV::dnn)
  add_library(CartonOpenCV::dnn INTERFACE IMPORTED GLOBAL)
  target_include_directories(CartonOpenCV::dnn INTERFACE ${CARTON_OPENCV_INCLUDE_DIR})
  target_link_libraries(CartonOpenCV::dnn INTERFACE ${CARTON_OPENCV_DNN_LIBRARY} ${CARTON_OPENCV_CORE_LIBRARY})
endif()
