# Builds wasm/toolchain/eh_pad_entry_split.cpp, a clang pass plugin, with the host's clang and
# LLVM headers of the same version as em++'s clang, and loads it into every compile of the
# target given (PUBLIC: the programs' own coroutines need it as much as weir's).
#
# Why: clang 18 and later mistranslate a coroutine whose exception handler is an entry of an
# irreducible cycle (a try around a co_await in a loop), and the catch is skipped; the plugin's
# comment explains it and docs/wasm.md, "Known defects", shows the code that hits it. The
# plugin's file name carries a hash of its source, so a changed plugin changes the compile
# command line and ccache does not hand back objects made without it.
# -DWEIR_WASM_EH_PLUGIN=OFF leaves it out: only to see the defect (the tests that catch it fail).
option(WEIR_WASM_EH_PLUGIN "Load the wasm EH pass plugin (clang 18+, native wasm exceptions)" ON)
function(weir_use_wasm_eh_pad_plugin target)
  string(REGEX MATCH "^[0-9]+" major "${CMAKE_CXX_COMPILER_VERSION}")
  if(major LESS 18 OR NOT WEIR_WASM_EH_PLUGIN)
    return()
  endif()
  set(src ${CMAKE_CURRENT_SOURCE_DIR}/wasm/toolchain/eh_pad_entry_split.cpp)
  set_property(DIRECTORY APPEND PROPERTY CMAKE_CONFIGURE_DEPENDS ${src})
  file(SHA1 ${src} hash)
  string(SUBSTRING "${hash}" 0 12 hash)
  set(plugin ${CMAKE_BINARY_DIR}/weir-eh-pad-entry-split-${hash}.so)
  if(NOT EXISTS ${plugin})
    find_program(WEIR_LLVM_CONFIG NAMES llvm-config-${major} llvm-config)
    find_program(WEIR_HOST_CLANGXX NAMES clang++-${major} clang++)
    if(WEIR_LLVM_CONFIG)
      execute_process(COMMAND ${WEIR_LLVM_CONFIG} --version OUTPUT_VARIABLE llvm_version
        OUTPUT_STRIP_TRAILING_WHITESPACE)
    endif()
    if(NOT WEIR_LLVM_CONFIG OR NOT WEIR_HOST_CLANGXX OR NOT llvm_version MATCHES "^${major}\\.")
      message(FATAL_ERROR "weir: native wasm exceptions with clang ${major} need the plugin "
        "wasm/toolchain/eh_pad_entry_split.cpp, built with LLVM ${major}'s headers "
        "(llvm-config-${major}, clang++-${major}: Debian's llvm-${major}-dev and clang-${major}; "
        "scripts/lib/deps.sh installs them in the trixie chroot). Without it a catch around a "
        "co_await in a loop can be skipped (docs/wasm.md). Or build with -DWEIR_WASM_EXCEPTIONS=js.")
    endif()
    execute_process(COMMAND ${WEIR_LLVM_CONFIG} --cxxflags OUTPUT_VARIABLE cxxflags
      OUTPUT_STRIP_TRAILING_WHITESPACE)
    separate_arguments(cxxflags UNIX_COMMAND "${cxxflags}")
    execute_process(
      COMMAND ${WEIR_HOST_CLANGXX} ${cxxflags} -O2 -shared -fPIC ${src} -o ${plugin}.tmp
      RESULT_VARIABLE rc ERROR_VARIABLE err)
    if(NOT rc EQUAL 0)
      message(FATAL_ERROR "weir: building the pass plugin ${src} failed:\n${err}")
    endif()
    file(RENAME ${plugin}.tmp ${plugin})
    message(STATUS "weir: built the wasm EH pass plugin ${plugin}")
  endif()
  target_compile_options(${target} PUBLIC $<BUILD_INTERFACE:-fpass-plugin=${plugin}>)
endfunction()
