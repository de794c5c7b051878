# Builds wasm/toolchain/eh_pad_entry_split.cpp, a clang pass plugin, with the host's clang and
# LLVM headers of the same version as em++'s clang, and loads it into every compile of the
# target given (PUBLIC: the programs' own coroutines need it as much as weir's).
#
# Why: clang 18 and later mistranslate a coroutine whose exception handler is an entry of an
# irreducible cycle (a try around a co_await in a loop), and the catch is skipped; the plugin's
# comment explains it and docs/wasm.md, "A clang 19 defect", shows the code that hits it. The
# plugin's file name carries the LLVM version and a hash of its source, so a changed plugin or
# compiler changes the compile command line and ccache does not hand back objects made without
# it; older builds of the plugin in the build directory are removed.
#
# -DWEIR_WASM_EH_PLUGIN=OFF leaves it out: only to see the defect (the tests that catch it fail).
option(WEIR_WASM_EH_PLUGIN "Load the wasm EH pass plugin (clang 18+, native wasm exceptions)" ON)
set(WEIR_WASM_EH_PLUGIN_SOURCE
  ${CMAKE_CURRENT_LIST_DIR}/../wasm/toolchain/eh_pad_entry_split.cpp)
function(weir_use_wasm_eh_pad_plugin target)
  string(REGEX MATCH "^[0-9]+" major "${CMAKE_CXX_COMPILER_VERSION}")
  if(major LESS 18 OR NOT WEIR_WASM_EH_PLUGIN)
    return()
  endif()
  get_filename_component(src ${WEIR_WASM_EH_PLUGIN_SOURCE} ABSOLUTE)
  set_property(DIRECTORY APPEND PROPERTY CMAKE_CONFIGURE_DEPENDS ${src})
  find_program(WEIR_LLVM_CONFIG_${major} NAMES llvm-config-${major} llvm-config)
  find_program(WEIR_HOST_CLANGXX_${major} NAMES clang++-${major} clang++)
  set(config ${WEIR_LLVM_CONFIG_${major}})
  set(cxx ${WEIR_HOST_CLANGXX_${major}})
  if(config)
    execute_process(COMMAND ${config} --version OUTPUT_VARIABLE llvm_version
      OUTPUT_STRIP_TRAILING_WHITESPACE)
  endif()
  if(NOT config OR NOT cxx OR NOT llvm_version MATCHES "^${major}\\.")
    message(FATAL_ERROR "weir: native wasm exceptions with clang ${major} need the plugin "
      "wasm/toolchain/eh_pad_entry_split.cpp, built with LLVM ${major}'s headers "
      "(llvm-config-${major}, clang++-${major}: Debian's llvm-${major}-dev and clang-${major}; "
      "scripts/lib/deps.sh installs them in the trixie chroot). Without it a catch around a "
      "co_await in a loop can be skipped (docs/wasm.md). Or build with -DWEIR_WASM_EXCEPTIONS=js.")
  endif()
  file(SHA1 ${src} hash)
  string(SUBSTRING "${hash}" 0 12 hash)
  set(plugin ${CMAKE_BINARY_DIR}/weir-eh-pad-entry-split-llvm${llvm_version}-${hash}.so)
  if(NOT EXISTS ${plugin})
    file(GLOB old ${CMAKE_BINARY_DIR}/weir-eh-pad-entry-split-*.so)
    if(old)
      file(REMOVE ${old})
    endif()
    execute_process(COMMAND ${config} --cxxflags OUTPUT_VARIABLE cxxflags
      OUTPUT_STRIP_TRAILING_WHITESPACE)
    separate_arguments(cxxflags UNIX_COMMAND "${cxxflags}")
    execute_process(
      COMMAND ${cxx} ${cxxflags} -O2 -shared -fPIC ${src} -o ${plugin}.tmp
      RESULT_VARIABLE rc ERROR_VARIABLE err)
    if(NOT rc EQUAL 0)
      message(FATAL_ERROR "weir: building the pass plugin ${src} failed:\n${err}")
    endif()
    file(RENAME ${plugin}.tmp ${plugin})
    message(STATUS "weir: built the wasm EH pass plugin ${plugin}")
  endif()
  target_compile_options(${target} PUBLIC $<BUILD_INTERFACE:-fpass-plugin=${plugin}>)
endfunction()
