# carton_transport: frame reader, bootstrap, framed channels, parent-death watch.
# Included from runtime/CMakeLists.txt; paths are relative to this file so it also
# builds when included from elsewhere.
add_library(carton_transport STATIC
  ${CMAKE_CURRENT_LIST_DIR}/src/runtime/bootstrap.cpp
  ${CMAKE_CURRENT_LIST_DIR}/src/runtime/frame_channel.cpp
  ${CMAKE_CURRENT_LIST_DIR}/src/runtime/frame_channel_write.cpp
  ${CMAKE_CURRENT_LIST_DIR}/src/runtime/frame_reader.cpp
  ${CMAKE_CURRENT_LIST_DIR}/src/runtime/handler_scope.cpp
  ${CMAKE_CURRENT_LIST_DIR}/src/runtime/large_buffer_pool.cpp
  ${CMAKE_CURRENT_LIST_DIR}/src/runtime/parent_death.cpp
)
target_include_directories(carton_transport PUBLIC
  $<BUILD_INTERFACE:${CMAKE_CURRENT_LIST_DIR}/include>
  $<INSTALL_INTERFACE:${CMAKE_INSTALL_INCLUDEDIR}>)
target_link_libraries(carton_transport PUBLIC carton_wire Boost::headers Threads::Threads)
# Runners may be shared libraries (e.g. loaded by a Python host), so the SDK is PIC.
set_target_properties(carton_transport PROPERTIES POSITION_INDEPENDENT_CODE ON)
add_library(carton::transport ALIAS carton_transport)
