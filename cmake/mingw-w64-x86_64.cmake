# CMake toolchain file: cross-compile wisp.exe for 64-bit Windows with
# mingw-w64 (Debian: gcc-mingw-w64-x86-64). From the repository root:
#   cmake -S . -B build-windows/cmake -G 'Unix Makefiles' \
#         -DCMAKE_TOOLCHAIN_FILE=cmake/mingw-w64-x86_64.cmake
#   cmake --build build-windows/cmake
set(CMAKE_SYSTEM_NAME Windows)
set(CMAKE_SYSTEM_PROCESSOR x86_64)

set(WISP_MINGW_PREFIX x86_64-w64-mingw32 CACHE STRING "mingw-w64 tool prefix")
set(CMAKE_C_COMPILER ${WISP_MINGW_PREFIX}-gcc)
set(CMAKE_RC_COMPILER ${WISP_MINGW_PREFIX}-windres)

# Libraries and headers come from the mingw-w64 tree only, programs from the host.
set(CMAKE_FIND_ROOT_PATH /usr/${WISP_MINGW_PREFIX})
set(CMAKE_FIND_ROOT_PATH_MODE_PROGRAM NEVER)
set(CMAKE_FIND_ROOT_PATH_MODE_LIBRARY ONLY)
set(CMAKE_FIND_ROOT_PATH_MODE_INCLUDE ONLY)
set(CMAKE_FIND_ROOT_PATH_MODE_PACKAGE ONLY)
