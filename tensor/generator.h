// tensor/generator.h — seedable, counter-based random numbers (Philox4x32-10).
//
// Element i of a random tensor is a pure function of (seed, offset + i), so a fixed seed gives the
// same numbers on every machine, any thread count and (Step 6) on the GPU. Each call that draws n
// numbers advances the generator's offset by n.
#pragma once

#include <cstdint>

namespace tg {

class Generator {
 public:
  explicit Generator(uint64_t seed = 0x5eedULL) : seed_(seed) {}

  void manual_seed(uint64_t seed) {
    seed_ = seed;
    offset_ = 0;
  }
  uint64_t seed() const { return seed_; }
  uint64_t offset() const { return offset_; }
  void set_offset(uint64_t offset) { offset_ = offset; }

  // Reserves n counters and returns the first one.
  uint64_t reserve(uint64_t n) {
    uint64_t first = offset_;
    offset_ += n;
    return first;
  }

 private:
  uint64_t seed_;
  uint64_t offset_ = 0;
};

// The process-wide generator used when an op is not given one. Not thread-safe: give each thread
// its own Generator when drawing concurrently.
Generator& default_generator();
void manual_seed(uint64_t seed);

}  // namespace tg
