// Must not compile (test stream_map_rejects_generator_functions_taking_the_item_by_reference):
// map(f) with f a generator function taking the item by reference. The generator's body runs
// when it is pulled, after map has handed the item on, so the reference would dangle; map says
// so with a static_assert. The same function taking the item by value compiles (-DBY_VALUE).
#include <string>
#include <vector>
#include <weir/weir.hpp>

namespace ws = weir::stream;

#ifdef BY_VALUE
#define PARAM std::string w
#else
#define PARAM const std::string& w
#endif

int main() {
    auto chars = [](PARAM) -> ws::generator<char> {
        for (char c : w) co_yield c;
    };
    auto s = ws::iter(std::vector<std::string>{"abc"}).map(chars).flatten();
    (void)s;
}
