// The symbol that names the settings the library was compiled with (weir/detail/abi.hpp): every
// file that includes weir's headers refers to the symbol of its own settings, so a program
// compiled with other settings fails to link instead of mixing two versions of weir's inline code.
#include "weir/detail/abi.hpp"

extern "C" const char WEIR_ABI_SYMBOL = 1;
