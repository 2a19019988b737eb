// recsys/data/random.h — small deterministic random numbers for splits and sampling (internal).
//
// Counter-based like tg::Generator: draw k of stream (seed, key) is a pure function of
// (seed, key, k), so results never depend on thread count or call order.
#pragma once

#include <cstddef>
#include <cstdint>
#include <utility>
#include <vector>

namespace tg::recsys::detail {

inline uint64_t mix64(uint64_t x) {  // SplitMix64's finaliser
  x += 0x9E3779B97F4A7C15ULL;
  x = (x ^ (x >> 30)) * 0xBF58476D1CE4E5B9ULL;
  x = (x ^ (x >> 27)) * 0x94D049BB133111EBULL;
  return x ^ (x >> 31);
}

inline uint64_t hash3(uint64_t seed, uint64_t a, uint64_t b) {
  return mix64(mix64(mix64(seed) ^ a) ^ (b * 0xD6E8FEB86659FD93ULL));
}

// Uniform in [0, n) from 64 random bits (Lemire's multiply-shift; bias < n / 2^64).
inline uint64_t bounded(uint64_t bits, uint64_t n) {
  return static_cast<uint64_t>((static_cast<unsigned __int128>(bits) * n) >> 64);
}

// A sequential stream keyed by (seed, key).
class Stream {
 public:
  Stream(uint64_t seed, uint64_t key) : seed_(seed), key_(key) {}
  uint64_t next() { return hash3(seed_, key_, counter_++); }
  uint64_t below(uint64_t n) { return bounded(next(), n); }
  double uniform() { return static_cast<double>(next() >> 11) * (1.0 / 9007199254740992.0); }

 private:
  uint64_t seed_, key_, counter_ = 0;
};

// Fisher-Yates shuffle driven by a stream.
template <class T>
void shuffle(std::vector<T>& v, Stream& s) {
  for (std::size_t i = v.size(); i > 1; --i) std::swap(v[i - 1], v[s.below(i)]);
}

}  // namespace tg::recsys::detail
