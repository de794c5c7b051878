// A program that includes weir and is linked against the library (tests/CMakeLists.txt,
// program_*_link tests): it links with the library's own settings, and must fail to link, naming
// the setting, when compiled with another frame pool or transfer setting (weir/detail/abi.hpp).
// It runs a task, so that the link pulls in the runtime as a real program's does.
#include <weir/weir.hpp>

int main() {
    weir::runtime rt;
    return rt.block_on([]() -> weir::task<int> { co_return 0; }());
}
