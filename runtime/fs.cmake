# carton_fs: the remote filesystem (carton's `anywhere` protocol): the multiplexer of the
# FileSystem channel, the runner-side client (FileSystem, File, InputStream) and the
# core-side DirectoryServer. Included from runtime/CMakeLists.txt.
add_library(carton_fs STATIC
  ${CMAKE_CURRENT_LIST_DIR}/src/fs/async_ops.cpp
  ${CMAKE_CURRENT_LIST_DIR}/src/fs/directory_ops.cpp
  ${CMAKE_CURRENT_LIST_DIR}/src/fs/directory_server.cpp
  ${CMAKE_CURRENT_LIST_DIR}/src/fs/file.cpp
  ${CMAKE_CURRENT_LIST_DIR}/src/fs/file_system.cpp
  ${CMAKE_CURRENT_LIST_DIR}/src/fs/host_io.cpp
  ${CMAKE_CURRENT_LIST_DIR}/src/fs/input_stream.cpp
  ${CMAKE_CURRENT_LIST_DIR}/src/fs/local_root.cpp
  ${CMAKE_CURRENT_LIST_DIR}/src/fs/multiplexer.cpp
  ${CMAKE_CURRENT_LIST_DIR}/src/fs/os_error.cpp
  ${CMAKE_CURRENT_LIST_DIR}/src/fs/types.cpp
)
target_include_directories(carton_fs PUBLIC
  $<BUILD_INTERFACE:${CMAKE_CURRENT_LIST_DIR}/include>
  $<INSTALL_INTERFACE:${CMAKE_INSTALL_INCLUDEDIR}>)
target_link_libraries(carton_fs
  PUBLIC carton_transport carton_wire Boost::headers Threads::Threads
  # Logging goes through the SDK logger (src/fs/fs_log.hpp).
  PRIVATE carton_logging)
# Runners may be shared libraries (e.g. loaded by a Python host), so the SDK is PIC.
set_target_properties(carton_fs PROPERTIES POSITION_INDEPENDENT_CODE ON)
add_library(carton::fs ALIAS carton_fs)
