// tensor/error.h — tg::Error and the checking macros every op uses.
//
// Messages start with the op name and state the rule that was broken, e.g.
//   "matmul: cannot multiply [2, 3] by [4, 5] (inner dimensions 3 and 4 differ)".
// Internal invariants (bugs in tapegrad, not in the caller) also carry file:line.
#pragma once

#include <sstream>
#include <stdexcept>
#include <string>

namespace tg {

// The one exception type tapegrad throws for invalid input or failed operations.
class Error : public std::runtime_error {
 public:
  using std::runtime_error::runtime_error;
};

namespace detail {
template <class... Args>
std::string str_cat(const Args&... args) {
  std::ostringstream os;
  (os << ... << args);
  return os.str();
}
[[noreturn]] void throw_internal(const char* file, int line, const std::string& msg);
}  // namespace detail

}  // namespace tg

// TG_CHECK(cond, "op: ", details...) throws tg::Error with the concatenated message when cond fails.
#define TG_CHECK(cond, ...)                                                   \
  do {                                                                        \
    if (!(cond)) [[unlikely]] throw ::tg::Error(::tg::detail::str_cat(__VA_ARGS__)); \
  } while (0)

// TG_THROW("op: ", details...) throws unconditionally.
#define TG_THROW(...) throw ::tg::Error(::tg::detail::str_cat(__VA_ARGS__))

// For invariants that only a bug inside tapegrad can break; reports file:line.
#define TG_INTERNAL_ASSERT(cond, ...)                                                \
  do {                                                                               \
    if (!(cond)) [[unlikely]]                                                        \
      ::tg::detail::throw_internal(__FILE__, __LINE__,                               \
                                   ::tg::detail::str_cat("assertion `" #cond "` failed. ", \
                                                         ##__VA_ARGS__));            \
  } while (0)
