# Runs one example program and checks that its standard output is exactly the expected file and
# that it exits with status 0. Portable (cmake -P), so it also runs wasm builds under Node.
#
#   cmake -DPROGRAM=<executable> -DEXPECTED=<file> [-DEMULATOR=<runner>] [-DARGS=<a|b>]
#         -P check_output.cmake
#
# EMULATOR is the cross-compiling emulator (e.g. /usr/bin/node for Emscripten); if it has
# arguments of its own, separate them with '|' instead of ';'. ARGS, the program's arguments, are
# separated the same way.
if(NOT DEFINED PROGRAM OR NOT DEFINED EXPECTED)
  message(FATAL_ERROR "usage: cmake -DPROGRAM=<exe> -DEXPECTED=<file> [-DEMULATOR=<runner>] [-DARGS=<a|b>] -P ${CMAKE_CURRENT_LIST_FILE}")
endif()

set(command)
if(EMULATOR)
  string(REPLACE "|" ";" command "${EMULATOR}")
endif()
list(APPEND command "${PROGRAM}")
if(ARGS)
  string(REPLACE "|" ";" args "${ARGS}")
  list(APPEND command ${args})
endif()

execute_process(COMMAND ${command}
  OUTPUT_VARIABLE actual
  ERROR_VARIABLE errors
  RESULT_VARIABLE status)
file(READ "${EXPECTED}" expected)
# Windows programs (run under Wine) end their lines with CR LF.
string(REPLACE "\r\n" "\n" actual "${actual}")

# message(NOTICE) prints the outputs verbatim (FATAL_ERROR would reflow them).
if(NOT status STREQUAL "0")
  message(NOTICE "--- stdout ---\n${actual}--- stderr ---\n${errors}--- end ---")
  message(FATAL_ERROR "${PROGRAM} exited with status ${status}")
endif()
if(NOT actual STREQUAL expected)
  message(NOTICE "--- expected (${EXPECTED}) ---\n${expected}--- actual stdout ---\n${actual}"
    "--- stderr ---\n${errors}--- end ---")
  message(FATAL_ERROR "${PROGRAM}: stdout differs from ${EXPECTED}")
endif()
message(STATUS "output matches ${EXPECTED}")
