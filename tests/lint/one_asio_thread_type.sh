#!/bin/sh
# Every object file of the library must compile Asio with the same thread type. Asio picks it by
# what the file included first (posix_thread if <pthread.h>, which defines _POSIX_THREADS, came
# before Asio's config, else win_thread on Windows); two files of the mingw build once disagreed, the linker kept one
# file's thread_group::join for the other's threads, and shutdown joined the helper pool's
# threads with the wrong join: they ran on in freed memory and crashed the process later.
# CMakeLists.txt ("Boost users") now gives every file one setting; this checks the result.
# usage: one_asio_thread_type.sh path/to/nm path/to/libweir.a [required]
# With "required" (the mingw build, where the Asio driver always has threads), finding no Asio
# thread type at all fails too: it would mean this check no longer sees what it checks.
nm=$1
lib=$2
required=$3
[ -f "$lib" ] || { echo "FAIL: no library at $lib"; exit 1; }
symbols=$("$nm" -C --defined-only "$lib") || { echo "FAIL: $nm cannot read $lib"; exit 1; }
found=""
for kind in posix_thread win_thread std_thread; do
    if printf '%s\n' "$symbols" | grep -q "boost::asio::detail::$kind::"; then
        found="$found $kind"
        printf '%s\n' "$symbols" | grep -E "^[^ ]+\.(o|obj):$|boost::asio::detail::$kind::" |
            grep -B1 "boost::asio::detail::$kind::" | grep -E "\.(o|obj):$" | sort -u |
            sed "s/^/  $kind in /"
    fi
done
count=$(echo $found | wc -w)
if [ "$count" -eq 0 ] && [ "$required" = required ]; then
    echo "FAIL: no Asio thread type found in $lib (demangling failed, or the symbols moved?)"
    exit 1
fi
if [ "$count" -gt 1 ]; then
    echo "FAIL: the library's objects use different Asio thread types:$found"
    exit 1
fi
echo "one Asio thread type:${found:- none (no Asio thread in the library)}"
