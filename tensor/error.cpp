// tensor/error.cpp — out-of-line helpers for tg::Error.
#include "error.h"

namespace tg::detail {

void throw_internal(const char* file, int line, const std::string& msg) {
  throw Error(str_cat("tapegrad internal error at ", file, ":", line, ": ", msg,
                      " (this is a bug in tapegrad; please report it)"));
}

}  // namespace tg::detail
