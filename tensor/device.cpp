// tensor/device.cpp — Device printing and parsing.
#include "device.h"

#include <ostream>

#include "dtype.h"
#include "error.h"

namespace tg {

std::string Device::str() const {
  return is_cpu() ? std::string("cpu") : "cuda:" + std::to_string(index);
}

Device parse_device(const std::string& s) {
  if (s == "cpu") return Device{kCPU};
  if (s == "cuda") return Device{kCUDA, 0};
  if (s.rfind("cuda:", 0) == 0 && s.size() > 5) {
    int idx = 0;
    for (size_t i = 5; i < s.size(); ++i) {
      TG_CHECK(s[i] >= '0' && s[i] <= '9' && idx < 1000000, "device: cannot parse '", s,
               "' (expected cpu, cuda or cuda:N)");
      idx = idx * 10 + (s[i] - '0');
    }
    return Device{kCUDA, idx};
  }
  TG_THROW("device: cannot parse '", s, "' (expected cpu, cuda or cuda:N)");
}

std::ostream& operator<<(std::ostream& os, const Device& d) { return os << d.str(); }

std::ostream& operator<<(std::ostream& os, DType t) { return os << dtype_name(t); }

}  // namespace tg
