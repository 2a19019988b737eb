// tensor/generator.cpp — the default generator.
#include "generator.h"

namespace tg {

Generator& default_generator() {
  static Generator gen;
  return gen;
}

void manual_seed(uint64_t seed) { default_generator().manual_seed(seed); }

}  // namespace tg
