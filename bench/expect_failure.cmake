# Runs a program that must fail in a given way: exit status STATUS and REGEX in its stderr.
# Used by the bench.corrupt_results test (a wrong result must make weir-bench exit non-zero).
#
#   cmake -DPROGRAM=<exe> -DARGS="a;b" -DSTATUS=1 -DREGEX=<re> -P expect_failure.cmake
execute_process(COMMAND ${PROGRAM} ${ARGS}
  OUTPUT_VARIABLE out
  ERROR_VARIABLE err
  RESULT_VARIABLE status)
if(NOT status STREQUAL "${STATUS}")
  message(FATAL_ERROR "${PROGRAM} exited with ${status}, expected ${STATUS}\n--- stderr ---\n${err}")
endif()
if(NOT err MATCHES "${REGEX}")
  message(FATAL_ERROR "stderr does not match '${REGEX}':\n${err}")
endif()
message(STATUS "failed as expected: ${err}")
