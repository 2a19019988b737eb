// nn/dropout.cpp — Dropout.
#include "dropout.h"

#include <sstream>

#include "functional.h"

namespace tg::nn {

Dropout::Dropout(double p_, Generator* gen_) : UnaryModule("Dropout"), p(p_), gen(gen_) {
  TG_CHECK(p >= 0.0 && p <= 1.0, "Dropout: probability must be in [0, 1], got ", p);
}

Tensor Dropout::forward(const Tensor& x) { return functional::dropout(x, p, is_training(), gen); }

std::string Dropout::extra_repr() const {
  std::ostringstream os;
  os << "p=" << p;
  return os.str();
}

}  // namespace tg::nn
