// The out-of-line throws of detail/throw.hpp (its comment says why they are out of line).
#include "weir/detail/throw.hpp"

#include <stdexcept>

namespace weir::detail {

void throw_logic_error(const char* what) { throw std::logic_error(what); }

}  // namespace weir::detail
