# carton_logging: Boost.Log front end, forwarding of log records to the core, and the
# Chrome trace writer. Included from runtime/CMakeLists.txt after transport.cmake.
add_library(carton_logging STATIC
  ${CMAKE_CURRENT_LIST_DIR}/src/runtime/boost_log_bridge.cpp
  ${CMAKE_CURRENT_LIST_DIR}/src/runtime/log.cpp
  ${CMAKE_CURRENT_LIST_DIR}/src/runtime/log_forwarder.cpp
  ${CMAKE_CURRENT_LIST_DIR}/src/runtime/trace.cpp
)
target_include_directories(carton_logging PUBLIC
  $<BUILD_INTERFACE:${CMAKE_CURRENT_LIST_DIR}/include>
  $<INSTALL_INTERFACE:${CMAKE_INSTALL_INCLUDEDIR}>)
# Boost::log brings BOOST_LOG_DYN_LINK with Debian's shared Boost; users of the headers
# need it too (the ABI namespace depends on it), hence PUBLIC.
target_link_libraries(carton_logging PUBLIC
  carton_transport Boost::log Boost::log_setup Boost::thread Threads::Threads)
# Runners may be shared libraries (e.g. loaded by a Python host), so the SDK is PIC.
set_target_properties(carton_logging PROPERTIES POSITION_INDEPENDENT_CODE ON)
add_library(carton::logging ALIAS carton_logging)
