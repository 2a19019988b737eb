// recsys/data/synthetic.cpp — write_synthetic.
#include "synthetic.h"

#include <sys/stat.h>

#include <algorithm>
#include <charconv>
#include <cmath>
#include <cstdio>
#include <cstring>
#include <numeric>
#include <vector>

#include "../../tensor/error.h"
#include "interactions.h"
#include "random.h"
#include "text.h"

namespace tg::recsys {
namespace {

constexpr int kDim = 8;
const char* const kGenres[] = {"unknown", "Action",   "Adventure", "Animation", "Children's",
                               "Comedy",  "Crime",    "Documentary", "Drama",   "Fantasy",
                               "Film-Noir", "Horror", "Musical",   "Mystery",   "Romance",
                               "Sci-Fi",  "Thriller", "War",       "Western"};
const char* const kOccupations[] = {"administrator", "artist", "doctor", "educator", "engineer",
                                    "entertainment", "executive", "healthcare", "homemaker",
                                    "lawyer", "librarian", "marketing", "none", "other",
                                    "programmer", "retired", "salesman", "scientist", "student",
                                    "technician", "writer"};

// Buffered writer: appends text and numbers, flushes in 1 MiB chunks.
class Writer {
 public:
  explicit Writer(const std::string& path) : path_(path), f_(std::fopen(path.c_str(), "wb")) {
    TG_CHECK(f_ != nullptr, "write_synthetic: cannot create ", path, " (", std::strerror(errno), ")");
    buf_.reserve(kChunk + 256);
  }
  ~Writer() { close(); }
  Writer& operator<<(std::string_view s) {
    buf_.append(s);
    return maybe_flush();
  }
  Writer& operator<<(char c) {
    buf_.push_back(c);
    return *this;
  }
  Writer& num(int64_t v) {
    char tmp[24];
    auto r = std::to_chars(tmp, tmp + sizeof tmp, v);
    buf_.append(tmp, r.ptr);
    return maybe_flush();
  }
  Writer& rating(float r) {  // "4" or "3.5"
    int tenths = static_cast<int>(std::lround(r * 10.0f));
    num(tenths / 10);
    if (tenths % 10 != 0) buf_.push_back('.'), buf_.push_back(static_cast<char>('0' + tenths % 10));
    return *this;
  }
  void close() {
    if (!f_) return;
    flush();
    bool ok = std::fclose(f_) == 0;
    f_ = nullptr;
    TG_CHECK(ok, "write_synthetic: error writing ", path_);
  }

 private:
  static constexpr size_t kChunk = 1 << 20;
  Writer& maybe_flush() {
    if (buf_.size() >= kChunk) flush();
    return *this;
  }
  void flush() {
    if (!buf_.empty() && std::fwrite(buf_.data(), 1, buf_.size(), f_) != buf_.size())
      TG_THROW("write_synthetic: error writing ", path_);
    buf_.clear();
  }
  std::string path_;
  std::FILE* f_;
  std::string buf_;
};

double normal(detail::Stream& s) {  // Box-Muller
  double u1 = std::max(s.uniform(), 1e-300), u2 = s.uniform();
  return std::sqrt(-2.0 * std::log(u1)) * std::cos(6.283185307179586 * u2);
}

void make_dirs(const std::string& dir) {
  std::string partial;
  for (size_t i = 0; i <= dir.size(); ++i) {
    if (i == dir.size() || dir[i] == '/') {
      if (!partial.empty()) ::mkdir(partial.c_str(), 0755);
    }
    if (i < dir.size()) partial.push_back(dir[i]);
  }
  struct stat st;
  TG_CHECK(::stat(dir.c_str(), &st) == 0 && S_ISDIR(st.st_mode), "write_synthetic: cannot create ",
           dir);
}

struct Model {
  std::vector<float> user_f, item_f, user_b, item_b;
  std::vector<double> item_cdf;  // popularity
  std::vector<int64_t> per_user;
  std::vector<int32_t> year;
  std::vector<uint32_t> genre_mask;
};

Model make_model(int64_t users, int64_t items, int64_t ratings, uint64_t seed) {
  Model m;
  detail::Stream s(seed, 1);
  m.user_f.resize(static_cast<size_t>(users * kDim));
  m.item_f.resize(static_cast<size_t>(items * kDim));
  for (float& v : m.user_f) v = static_cast<float>(0.45 * normal(s));
  for (float& v : m.item_f) v = static_cast<float>(0.45 * normal(s));
  m.user_b.resize(static_cast<size_t>(users));
  m.item_b.resize(static_cast<size_t>(items));
  for (float& v : m.user_b) v = static_cast<float>(0.35 * normal(s));
  for (float& v : m.item_b) v = static_cast<float>(0.45 * normal(s));
  // Zipf-like popularity over a random order of the items.
  std::vector<int64_t> rank(static_cast<size_t>(items));
  std::iota(rank.begin(), rank.end(), 0);
  detail::shuffle(rank, s);
  m.item_cdf.resize(static_cast<size_t>(items));
  double acc = 0;
  for (int64_t i = 0; i < items; ++i) {
    acc += 1.0 / std::pow(static_cast<double>(rank[static_cast<size_t>(i)]) + 10.0, 0.9);
    m.item_cdf[static_cast<size_t>(i)] = acc;
  }
  // Long-tailed activity: log-normal weights, at least one rating each, summing to `ratings`.
  std::vector<double> w(static_cast<size_t>(users));
  double wsum = 0;
  for (double& v : w) wsum += (v = std::exp(0.9 * normal(s)));
  m.per_user.assign(static_cast<size_t>(users), 0);
  int64_t assigned = 0;
  const int64_t floor_each = std::min<int64_t>(ratings / users, std::min<int64_t>(items, 20));
  const int64_t spread = ratings - floor_each * users;
  for (int64_t u = 0; u < users; ++u) {
    int64_t n = floor_each + static_cast<int64_t>(std::floor(static_cast<double>(spread) * w[static_cast<size_t>(u)] / wsum));
    n = std::min(n, items);
    m.per_user[static_cast<size_t>(u)] = n;
    assigned += n;
  }
  for (int64_t u = 0; assigned < ratings; u = (u + 1) % users) {  // hand out the remainder
    if (m.per_user[static_cast<size_t>(u)] < items) ++m.per_user[static_cast<size_t>(u)], ++assigned;
  }
  m.year.resize(static_cast<size_t>(items));
  m.genre_mask.resize(static_cast<size_t>(items));
  for (int64_t i = 0; i < items; ++i) {
    m.year[static_cast<size_t>(i)] = 1930 + static_cast<int32_t>(s.below(69));
    uint32_t mask = 0;
    for (int g = 0; g < 1 + static_cast<int>(s.below(3)); ++g) mask |= 1u << (1 + s.below(18));
    m.genre_mask[static_cast<size_t>(i)] = mask;
  }
  return m;
}

// Calls fn(user, item, rating, ts) for every rating, user by user, items ascending per user.
template <class Fn>
void generate(const Model& m, int64_t users, int64_t items, uint64_t seed, bool half_stars, Fn&& fn) {
  std::vector<int64_t> stamp(static_cast<size_t>(items), -1);
  std::vector<int64_t> picked;
  const double total = m.item_cdf.back();
  for (int64_t u = 0; u < users; ++u) {
    detail::Stream s(seed, 1000 + static_cast<uint64_t>(u));
    const int64_t n = m.per_user[static_cast<size_t>(u)];
    picked.clear();
    if (n * 2 > items) {  // dense user: a uniform subset
      std::vector<int64_t> all(static_cast<size_t>(items));
      std::iota(all.begin(), all.end(), 0);
      for (int64_t j = 0; j < n; ++j) {
        size_t k = static_cast<size_t>(j) + s.below(static_cast<uint64_t>(items - j));
        std::swap(all[static_cast<size_t>(j)], all[k]);
        picked.push_back(all[static_cast<size_t>(j)]);
      }
    } else {
      int64_t tries = 0;
      while (static_cast<int64_t>(picked.size()) < n) {
        int64_t i;
        if (++tries < 30 * n) {
          double x = s.uniform() * total;
          i = std::lower_bound(m.item_cdf.begin(), m.item_cdf.end(), x) - m.item_cdf.begin();
          i = std::min(i, items - 1);
        } else {
          i = static_cast<int64_t>(s.below(static_cast<uint64_t>(items)));
        }
        if (stamp[static_cast<size_t>(i)] == u) continue;
        stamp[static_cast<size_t>(i)] = u;
        picked.push_back(i);
      }
    }
    std::sort(picked.begin(), picked.end());
    int64_t ts = 874724710 + static_cast<int64_t>(s.below(200000000));
    for (int64_t i : picked) {
      double dot = 0;
      for (int d = 0; d < kDim; ++d)
        dot += m.user_f[static_cast<size_t>(u * kDim + d)] * m.item_f[static_cast<size_t>(i * kDim + d)];
      double r = 3.55 + m.user_b[static_cast<size_t>(u)] + m.item_b[static_cast<size_t>(i)] +
                 1.6 * dot + 0.55 * normal(s);
      r = half_stars ? std::round(r * 2.0) / 2.0 : std::round(r);
      r = std::clamp(r, half_stars ? 0.5 : 1.0, 5.0);
      ts += 1 + static_cast<int64_t>(s.below(86400));
      fn(u, i, static_cast<float>(r), ts);
    }
  }
}

void write_100k(const std::string& dir, const Model& m, int64_t users, int64_t items, uint64_t seed) {
  using detail::join_path;
  Interactions all;
  generate(m, users, items, seed, false, [&](int64_t u, int64_t i, float r, int64_t ts) {
    all.push_back(u + 1, i + 1, r, ts);
  });
  // u.data in a shuffled order, like GroupLens'.
  std::vector<int64_t> order(all.size());
  std::iota(order.begin(), order.end(), 0);
  detail::Stream s(seed, 2);
  detail::shuffle(order, s);
  {
    Writer w(join_path(dir, "u.data"));
    for (int64_t r : order)
      w.num(all.user[r]) << '\t', w.num(all.item[r]) << '\t', w.rating(all.rating[r]) << '\t',
          w.num(all.timestamp[r]) << '\n';
  }
  // Five disjoint test folds (u1..u5), each base = the other four; rows sorted by user, item.
  std::vector<uint8_t> fold(all.size());
  for (size_t k = 0; k < order.size(); ++k) fold[static_cast<size_t>(order[k])] = static_cast<uint8_t>(k % 5);
  for (int f = 0; f < 5; ++f) {
    std::string name = std::to_string(f + 1);
    name.insert(name.begin(), 'u');
    Writer base(join_path(dir, name + ".base")), test(join_path(dir, name + ".test"));
    for (size_t r = 0; r < all.size(); ++r) {
      Writer& w = fold[r] == f ? test : base;
      w.num(all.user[r]) << '\t', w.num(all.item[r]) << '\t', w.rating(all.rating[r]) << '\t',
          w.num(all.timestamp[r]) << '\n';
    }
  }
  {
    Writer w(join_path(dir, "u.genre"));
    for (int g = 0; g < 19; ++g) w << kGenres[g] << '|', w.num(g) << '\n';
  }
  {
    Writer w(join_path(dir, "u.occupation"));
    for (const char* o : kOccupations) w << o << '\n';
  }
  {
    Writer w(join_path(dir, "u.item"));
    static const char* const kMonths[] = {"Jan", "Feb", "Mar", "Apr", "May", "Jun",
                                          "Jul", "Aug", "Sep", "Oct", "Nov", "Dec"};
    for (int64_t i = 0; i < items; ++i) {
      int32_t y = m.year[static_cast<size_t>(i)];
      w.num(i + 1) << "|Synthetic Movie ", w.num(i + 1) << " (", w.num(y) << ")|01-",
          w << kMonths[i % 12] << '-', w.num(y) << "||http://example.invalid/", w.num(i + 1);
      for (int g = 0; g < 19; ++g) w << ((m.genre_mask[static_cast<size_t>(i)] >> g) & 1u ? "|1" : "|0");
      w << '\n';
    }
  }
  {
    Writer w(join_path(dir, "u.user"));
    detail::Stream us(seed, 3);
    for (int64_t u = 0; u < users; ++u) {
      w.num(u + 1) << '|', w.num(15 + static_cast<int64_t>(us.below(55))) << '|';
      w << (us.below(2) ? "F" : "M") << '|' << kOccupations[us.below(21)] << '|';
      int64_t zip = static_cast<int64_t>(us.below(100000));
      char z[8];
      std::snprintf(z, sizeof z, "%05d", static_cast<int>(zip));
      w << z << '\n';
    }
  }
}

void write_dat(const std::string& dir, const Model& m, int64_t users, int64_t items, uint64_t seed) {
  using detail::join_path;
  {
    Writer w(join_path(dir, "ratings.dat"));
    generate(m, users, items, seed, false, [&](int64_t u, int64_t i, float r, int64_t ts) {
      w.num(u + 1) << "::", w.num(i + 1) << "::", w.rating(r) << "::", w.num(ts) << '\n';
    });
  }
  {
    Writer w(join_path(dir, "movies.dat"));
    for (int64_t i = 0; i < items; ++i) {
      w.num(i + 1) << "::Synthetic Movie ", w.num(i + 1) << " (", w.num(m.year[static_cast<size_t>(i)]) << ")::";
      bool first = true;
      for (int g = 1; g < 19; ++g)
        if ((m.genre_mask[static_cast<size_t>(i)] >> g) & 1u) w << (first ? "" : "|") << kGenres[g], first = false;
      w << '\n';
    }
  }
  {
    Writer w(join_path(dir, "users.dat"));
    detail::Stream us(seed, 3);
    static const int kAges[] = {1, 18, 25, 35, 45, 50, 56};
    for (int64_t u = 0; u < users; ++u) {
      w.num(u + 1) << "::" << (us.below(2) ? "F" : "M") << "::", w.num(kAges[us.below(7)]) << "::";
      w.num(static_cast<int64_t>(us.below(21))) << "::", w.num(10000 + static_cast<int64_t>(us.below(90000))) << '\n';
    }
  }
}

void write_csv(const std::string& dir, const Model& m, int64_t users, int64_t items, uint64_t seed) {
  using detail::join_path;
  {
    Writer w(join_path(dir, "ratings.csv"));
    w << "userId,movieId,rating,timestamp\n";
    generate(m, users, items, seed, true, [&](int64_t u, int64_t i, float r, int64_t ts) {
      w.num(u + 1) << ',', w.num(i + 1) << ',', w.rating(r) << ',', w.num(ts) << '\n';
    });
  }
  {
    Writer w(join_path(dir, "movies.csv"));
    w << "movieId,title,genres\n";
    for (int64_t i = 0; i < items; ++i) {
      // Every third title has a comma (and so quotes), like "American President, The (1995)".
      w.num(i + 1) << ',';
      if (i % 3 == 0) w << "\"Synthetic Movie ", w.num(i + 1) << ", The (";
      else w << "Synthetic Movie ", w.num(i + 1) << " (";
      w.num(m.year[static_cast<size_t>(i)]) << (i % 3 == 0 ? ")\"," : "),");
      bool first = true;
      for (int g = 1; g < 19; ++g)
        if ((m.genre_mask[static_cast<size_t>(i)] >> g) & 1u) w << (first ? "" : "|") << kGenres[g], first = false;
      if (first) w << "(no genres listed)";
      w << '\n';
    }
  }
}

}  // namespace

void write_synthetic(const std::string& dir, int64_t users, int64_t items, int64_t ratings,
                     uint64_t seed, const std::string& format) {
  TG_CHECK(users > 0 && items > 0, "write_synthetic: users and items must be positive, got ",
           users, " and ", items);
  TG_CHECK(ratings >= users && ratings <= users * items, "write_synthetic: ratings must be in [users, users * items] = [",
           users, ", ", users * items, "], got ", ratings);
  TG_CHECK(format == "ml-100k" || format == "ml-1m" || format == "csv",
           "write_synthetic: unknown format '", format, "' (expected ml-100k, ml-1m or csv)");
  make_dirs(dir);
  Model m = make_model(users, items, ratings, seed);
  if (format == "ml-100k") write_100k(dir, m, users, items, seed);
  else if (format == "ml-1m") write_dat(dir, m, users, items, seed);
  else write_csv(dir, m, users, items, seed);
  Writer marker(detail::join_path(dir, "SYNTHETIC"));
  marker << "tapegrad synthetic " << format << " users=", marker.num(users);
  marker << " items=", marker.num(items) << " ratings=", marker.num(ratings) << " seed=";
  marker.num(static_cast<int64_t>(seed)) << '\n';
}

}  // namespace tg::recsys
