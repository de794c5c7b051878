// Windows error codes (GetLastError, WSAGetLastError) as POSIX error numbers. weir reports OS
// errors as std::system_error whose code compares equal to std::errc values on every platform;
// on Windows the numbers come through Boost.System's mapping (which the Asio driver uses too).
#pragma once

#include <boost/system/error_code.hpp>
#include <cerrno>
#include <string>
#include <system_error>

namespace weir::detail {

inline int errno_from_windows(int win_error) noexcept {
    boost::system::error_condition c =
        boost::system::error_code(win_error, boost::system::system_category())
            .default_error_condition();
    return c.category() == boost::system::generic_category() ? c.value() : EIO;
}

[[noreturn]] inline void throw_windows_error(int win_error, const std::string& what) {
    throw std::system_error(errno_from_windows(win_error), std::generic_category(), what);
}

}  // namespace weir::detail
