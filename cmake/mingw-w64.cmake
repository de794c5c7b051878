# Toolchain for the Windows build: mingw-w64's g++ with POSIX threads (Debian package
# g++-mingw-w64-x86-64-posix; the win32-thread variant has no std::thread). Programs and tests run
# under Wine through scripts/wine-run.sh.
set(CMAKE_SYSTEM_NAME Windows)
set(CMAKE_SYSTEM_PROCESSOR x86_64)
set(CMAKE_C_COMPILER x86_64-w64-mingw32-gcc-posix)
set(CMAKE_CXX_COMPILER x86_64-w64-mingw32-g++-posix)
set(CMAKE_RC_COMPILER x86_64-w64-mingw32-windres)
set(CMAKE_FIND_ROOT_PATH /usr/x86_64-w64-mingw32)
set(CMAKE_FIND_ROOT_PATH_MODE_PROGRAM NEVER)
set(CMAKE_FIND_ROOT_PATH_MODE_LIBRARY ONLY)
set(CMAKE_FIND_ROOT_PATH_MODE_INCLUDE ONLY)
set(CMAKE_FIND_ROOT_PATH_MODE_PACKAGE ONLY)
get_filename_component(WEIR_SOURCE_ROOT "${CMAKE_CURRENT_LIST_DIR}/.." ABSOLUTE)
set(CMAKE_CROSSCOMPILING_EMULATOR "${WEIR_SOURCE_ROOT}/scripts/wine-run.sh")

# Link with lld where it is installed (Debian package lld): GNU ld took 106 s to link the test
# program, lld under a second. cmake/mingw-lld-link.sh says how and why through `-wrapper`.
# WEIR_MINGW_GNU_LD=ON keeps GNU ld.
option(WEIR_MINGW_GNU_LD "Link the Windows build with GNU ld rather than lld" OFF)
find_program(WEIR_LD_LLD ld.lld)
if(WEIR_LD_LLD AND NOT WEIR_MINGW_GNU_LD)
  set(CMAKE_EXE_LINKER_FLAGS_INIT "-wrapper ${WEIR_SOURCE_ROOT}/cmake/mingw-lld-link.sh,${WEIR_LD_LLD}")
endif()
