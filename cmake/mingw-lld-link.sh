#!/bin/sh
# Links the Windows build (mingw-w64 g++) with LLVM's lld instead of GNU ld, which took 106 s to
# link the test program (2026-12-07; lld: under a second), the largest single step of the
# `windows` suite. Debian's mingw g++ is configured --with-ld=/usr/bin/x86_64-w64-mingw32-ld, so
# -fuse-ld=lld does not reach lld; instead cmake/mingw-w64.cmake passes `-wrapper` to g++'s link
# steps, and g++ runs each of its subprograms through this script:
#
#   mingw-lld-link.sh /path/to/ld.lld /usr/lib/gcc/.../collect2 [ld arguments...]
#
# collect2 is replaced by ld.lld (in MinGW mode: g++ passes `-m i386pep`) with the same
# arguments, less GCC's LTO plugin options, which lld does not take (the project does not use
# LTO). Any other subprogram runs unchanged.
set -eu

lld=$1
shift
case $1 in
*/collect2 | collect2) ;;
*) exec "$@" ;;
esac
shift

# Rebuild the argument list without `-plugin FILE` and `-plugin-opt=...`.
skip_next=0
for arg in "$@"; do
    shift
    if [ "$skip_next" = 1 ]; then
        skip_next=0
        continue
    fi
    case $arg in
    -plugin) skip_next=1 ;;
    -plugin-opt=*) ;;
    *) set -- "$@" "$arg" ;;
    esac
done
exec "$lld" "$@"
