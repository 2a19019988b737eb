// tests/test_recsys_data_loaders.cpp — load_dataset on small fixture files of every format, and
// every bad-input case (the message must name file:line).
#include <doctest/doctest.h>
#include <unistd.h>

#include <cstdio>
#include <cstdlib>
#include <filesystem>
#include <set>
#include <fstream>
#include <string>

#include <tapegrad/recsys/data/dataset.h>
#include <tapegrad/tensor/error.h>

#include "temp_dir.h"

namespace fs = std::filesystem;
using namespace tg::recsys;

namespace {

// A fresh temporary folder, removed with the object.
using tg_test::error_of;

struct TempDir : tg_test::TempDir {
  TempDir() : tg_test::TempDir("tg_recsys") {}
};


const char* const kUData =
    "1\t10\t5\t100\n"
    "1\t20\t3\t200\n"
    "2\t10\t4\t150\n"
    "3\t30\t1\t300\n";

std::string item_line(int id, const std::string& title, const std::string& date, int genre) {
  std::string s = std::to_string(id) + "|" + title + "|" + date + "||http://x";
  for (int g = 0; g < 19; ++g) s += g == genre ? "|1" : "|0";
  return s + "\n";
}

void write_100k(const TempDir& d) {
  d.write("u.data", kUData);
  std::string genres;
  const char* names[] = {"unknown", "Action", "Adventure", "Animation", "Children's", "Comedy",
                         "Crime", "Documentary", "Drama", "Fantasy", "Film-Noir", "Horror",
                         "Musical", "Mystery", "Romance", "Sci-Fi", "Thriller", "War", "Western"};
  for (int g = 0; g < 19; ++g) genres += std::string(names[g]) + "|" + std::to_string(g) + "\n";
  d.write("u.genre", genres + "\n");
  d.write("u.item", item_line(10, "Toy Story (1995)", "01-Jan-1995", 3) +
                        item_line(20, "Mis\xE9rables, Les (1995)", "01-Jan-1995", 8) +
                        item_line(30, "unknown", "", 0) + item_line(40, "Never Rated (1990)", "", 1));
  d.write("u.occupation", "engineer\nwriter\nother\n");
  d.write("u.user", "1|24|M|engineer|85711\n2|53|F|writer|94043\n3|17|M|other|T8H1N\n");
  d.write("u1.base", "1\t10\t5\t100\n1\t20\t3\t200\n3\t30\t1\t300\n");
  d.write("u1.test", "2\t10\t4\t150\n");
}

}  // namespace

TEST_CASE("recsys load: grouplens ml-100k fixture") {
  TempDir d;
  write_100k(d);
  CHECK(detect_format(d.path) == "grouplens-100k");
  Dataset ds = load_dataset(d.path);
  CHECK(ds.format == "grouplens-100k");
  CHECK(ds.users.size() == 3);
  CHECK(ds.items.size() == 3);  // item 40 has no rating: dropped
  REQUIRE(ds.ratings.size() == 4);
  // Dense ids follow ascending raw ids; row order is the file's.
  CHECK(ds.items.raw(0) == 10);
  CHECK(ds.items.raw(2) == 30);
  CHECK(ds.users.find(2).value() == 1);
  CHECK_FALSE(ds.items.find(40).has_value());
  CHECK(ds.ratings.user == std::vector<int64_t>{0, 0, 1, 2});
  CHECK(ds.ratings.item == std::vector<int64_t>{0, 1, 0, 2});
  CHECK(ds.ratings.rating == std::vector<float>{5, 3, 4, 1});
  CHECK(ds.ratings.timestamp == std::vector<int64_t>{100, 200, 150, 300});
  CHECK(ds.min_rating == 1);
  CHECK(ds.max_rating == 5);
  REQUIRE(ds.genre_names.size() == 19);
  CHECK(ds.genre_names[3] == "Animation");
  REQUIRE(ds.item_info.size() == 3);
  CHECK(ds.item_info[0].title == "Toy Story (1995)");
  CHECK(ds.item_info[0].year == 1995);
  CHECK(ds.item_info[0].genres == std::vector<int32_t>{3});
  CHECK(ds.item_info[1].title == "Mis\xC3\xA9rables, Les (1995)");  // Latin-1 -> UTF-8
  CHECK(ds.item_info[2].year == 0);
  REQUIRE(ds.user_info.size() == 3);
  CHECK(ds.user_info[1].age == 53);
  CHECK(ds.user_info[1].gender == "F");
  CHECK(ds.user_info[1].occupation == "writer");
  CHECK(ds.occupation_names == std::vector<std::string>{"engineer", "writer", "other"});
  CHECK(ds.predefined_splits == std::vector<std::string>{"u1"});
  CHECK(ds.skipped_lines == 0);
}

TEST_CASE("recsys load: ml-100k with only u.data works without metadata") {
  TempDir d;
  d.write("u.data", kUData);
  Dataset ds = load_dataset(d.path);
  CHECK(ds.ratings.size() == 4);
  CHECK(ds.item_info.size() == 3);
  CHECK(ds.item_info[0].title.empty());
  CHECK(ds.user_info.empty());
  CHECK(ds.genre_names.size() == 19);  // the standard ml-100k list
  CHECK(ds.predefined_splits.empty());
  UserFeatures uf = user_features(ds);
  CHECK(uf.n_age == 1);
  CHECK(uf.age_bucket == std::vector<int64_t>{0, 0, 0});
}

TEST_CASE("recsys load: CRLF line endings and a UTF-8 BOM are accepted") {
  TempDir d;
  d.write("u.data", "\xEF\xBB\xBF" "1\t10\t5\t100\r\n2\t10\t4\t150\r\n");
  d.write("u.user", "1|24|M|engineer|85711\r\n2|53|F|writer|94043\r\n");
  Dataset ds = load_dataset(d.path);
  CHECK(ds.ratings.size() == 2);
  CHECK(ds.ratings.timestamp == std::vector<int64_t>{100, 150});
  CHECK(ds.user_info[1].zip == "94043");
}

TEST_CASE("recsys load: grouplens .dat (ml-1m) fixture") {
  TempDir d;
  d.write("ratings.dat", "1::1193::5::978300760\n1::661::3::978302109\n2::1193::4::978298413\n");
  d.write("movies.dat",
          "661::James and the Giant Peach (1996)::Animation|Children's|Musical\n"
          "1193::One Flew Over the Cuckoo's Nest (1975)::Drama\n"
          "3::Grumpier Old Men (1995)::Comedy|Romance\n");
  d.write("users.dat", "1::F::1::10::48067\n2::M::56::16::70072\n");
  Dataset ds = load_dataset(d.path);
  CHECK(ds.format == "grouplens-dat");
  CHECK(ds.users.size() == 2);
  CHECK(ds.items.size() == 2);
  CHECK(ds.items.raw(0) == 661);
  CHECK(ds.item_info[0].title == "James and the Giant Peach (1996)");
  CHECK(ds.item_info[0].year == 1996);
  // Genres are numbered alphabetically over all movies.dat entries.
  CHECK(ds.genre_names ==
        std::vector<std::string>{"Animation", "Children's", "Comedy", "Drama", "Musical", "Romance"});
  CHECK(ds.item_info[0].genres == std::vector<int32_t>{0, 1, 4});
  CHECK(ds.item_info[1].genres == std::vector<int32_t>{3});
  CHECK(ds.user_info[0].gender == "F");
  CHECK(ds.user_info[0].occupation == "K-12 student");
  CHECK(ds.user_info[1].age == 56);
  CHECK(ds.occupation_names.size() == 21);
  UserFeatures uf = user_features(ds);
  CHECK(uf.age_bucket == std::vector<int64_t>{1, 7});
  CHECK(uf.gender == std::vector<int64_t>{2, 1});
  CHECK(uf.occupation == std::vector<int64_t>{11, 17});
  CHECK(uf.zip_prefix == std::vector<int64_t>{1 + 48, 1 + 70});
}

TEST_CASE("recsys load: ml-1m style Latin-1 movies.dat is converted") {
  TempDir d;
  d.write("ratings.dat", "1::7::4::5\n");
  d.write("movies.dat", "7::Caf\xE9 au Lait (1993)::Comedy\n");
  Dataset ds = load_dataset(d.path);
  CHECK(ds.item_info[0].title == "Caf\xC3\xA9 au Lait (1993)");
}

TEST_CASE("recsys load: csv (ml-latest) fixture with quoted titles") {
  TempDir d;
  d.write("ratings.csv",
          "userId,movieId,rating,timestamp\n1,1,4.0,964982703\n1,3,4.5,964981247\n"
          "5,3,0.5,847434962\n");
  d.write("movies.csv",
          "movieId,title,genres\n1,Toy Story (1995),Adventure|Animation|Children|Comedy|Fantasy\n"
          "3,\"American President, The (1995)\",Comedy|Drama|Romance\n"
          "4,\"Title with \"\"quotes\"\", and comma (2001)\",(no genres listed)\n");
  Dataset ds = load_dataset(d.path);
  CHECK(ds.format == "csv");
  CHECK(ds.users.size() == 2);
  CHECK(ds.items.size() == 2);
  CHECK(ds.ratings.rating == std::vector<float>{4.0f, 4.5f, 0.5f});
  CHECK(ds.min_rating == 0.5f);
  CHECK(ds.item_info[1].title == "American President, The (1995)");
  CHECK(ds.item_info[1].year == 1995);
  CHECK(ds.genre_names.size() == 7);  // from every movies.csv row
  ItemFeatures itf = item_features(ds);
  CHECK(itf.genres[1].size() == 3);
  CHECK(itf.year_bucket[1] == year_bucket(1995));
  CHECK(ds.user_info.empty());
}

TEST_CASE("recsys load: csv title with quotes parses, and non-UTF-8 csv is an error") {
  TempDir d;
  d.write("ratings.csv", "userId,movieId,rating,timestamp\n1,4,3,1\n");
  d.write("movies.csv", "movieId,title,genres\n4,\"Title with \"\"quotes\"\", and comma (2001)\",Drama\n");
  CHECK(load_dataset(d.path).item_info[0].title == "Title with \"quotes\", and comma (2001)");
  d.write("movies.csv", "movieId,title,genres\n4,Caf\xE9 (2001),Drama\n");
  std::string msg = error_of([&] { load_dataset(d.path); });
  CHECK(msg.find("movies.csv:2:") != std::string::npos);
  CHECK(msg.find("UTF-8") != std::string::npos);
  d.write("movies.csv", "\xFF\xFEm\0o\0");
  msg = error_of([&] { load_dataset(d.path); });
  CHECK(msg.find("movies.csv:1:") != std::string::npos);
  CHECK(msg.find("UTF-16") != std::string::npos);
}

TEST_CASE("recsys load: RecBole atomic files") {
  TempDir d;
  d.write("mini.inter",
          "user_id:token\titem_id:token\trating:float\ttimestamp:float\n196\t242\t3\t881250949\n"
          "186\t302\t3\t891717742\n196\t302\t4.5\t8.8125e8\n");
  d.write("mini.item",
          "item_id:token\tmovie_title:token_seq\trelease_year:token\tclass:token_seq\n"
          "242\tKolya\t1996\tComedy\n302\tL.A. Confidential\t1997\tCrime Film-Noir Mystery Thriller\n");
  d.write("mini.user",
          "user_id:token\tage:token\tgender:token\toccupation:token\tzip_code:token\n"
          "196\t49\tM\twriter\t55105\n186\t39\tF\texecutive\t00000\n");
  CHECK(detect_format(d.path) == "recbole");
  Dataset ds = load_dataset(d.path);
  CHECK(ds.name == "recbole:mini");
  CHECK(ds.format == "recbole");
  CHECK(ds.ratings.size() == 3);
  CHECK(ds.ratings.timestamp[2] == 881250000);
  CHECK(ds.ratings.rating[2] == 4.5f);
  CHECK(ds.item_info[1].title == "L.A. Confidential");
  CHECK(ds.item_info[1].year == 1997);
  CHECK(ds.item_info[1].genres.size() == 4);
  CHECK(ds.user_info[0].age == 39);  // dense user 0 is raw 186
  CHECK(ds.user_info[1].occupation == "writer");
}

TEST_CASE("recsys load: missing folder, missing files and empty files") {
  TempDir d;
  std::string msg = error_of([&] { load_dataset(d.path + "/nope"); });
  CHECK(msg.find("is not a directory") != std::string::npos);
  msg = error_of([&] { load_dataset(d.path); });
  CHECK(msg.find("no MovieLens data") != std::string::npos);
  d.write("u.data", "");
  msg = error_of([&] { load_dataset(d.path); });
  CHECK(msg.find("u.data:1: file is empty") != std::string::npos);
  d.write("u.data", "\n\n");
  CHECK(error_of([&] { load_dataset(d.path); }).find("u.data:1: file is empty") != std::string::npos);
}

TEST_CASE("recsys load: bad lines name file and line") {
  TempDir d;
  struct Case {
    std::string data, where, what;
  };
  const Case cases[] = {
      {"1\t10\t5\t100\n1\t20\t3\n", "u.data:2:", "expected 4 fields"},
      {"1\t10\t5\t100\n1\t20\t3\t4\t5\n", "u.data:2:", "got 5"},
      {"1\t10\t5\t100\nx\t20\t3\t4\n", "u.data:2:", "user id 'x' is not an integer"},
      {"1\t10\t5\t100\n1\t2z\t3\t4\n", "u.data:2:", "item id"},
      {"1\t10\t5\t100\n\n1\t20\tfive\t4\n", "u.data:3:", "rating 'five' is not a number"},
      {"1\t10\t11\t100\n", "u.data:1:", "out of range"},
      {"1\t10\t-1\t100\n", "u.data:1:", "out of range"},
      {"1\t10\tnan\t100\n", "u.data:1:", "out of range"},
      {"-1\t10\t3\t100\n", "u.data:1:", "user id -1 is out of range"},
      {"1\t10\t3\tnoon\n", "u.data:1:", "timestamp"},
      {"1\t99999999999999999999\t3\t1\n", "u.data:1:", "item id"},
      {"1\t10\t3\t1\n2\t1\xE9\t3\t1\n", "u.data:2:", "UTF-8"},
      {"1,10,3,1\n", "u.data:1:", "expected 4 fields"},
  };
  for (const Case& c : cases) {
    CAPTURE(c.data);
    d.write("u.data", c.data);
    std::string msg = error_of([&] { load_dataset(d.path); });
    CHECK(msg.find(d.path + "/" + c.where) != std::string::npos);
    CHECK(msg.find(c.what) != std::string::npos);
    CHECK(msg.rfind("load_dataset: ", 0) == 0);
  }
}

TEST_CASE("recsys load: bad metadata lines name file and line") {
  TempDir d;
  d.write("u.data", kUData);
  d.write("u.item", item_line(10, "A (1990)", "", 0) + "20|B (1991)|01-Jan-1991\n");
  std::string msg = error_of([&] { load_dataset(d.path); });
  CHECK(msg.find("u.item:2:") != std::string::npos);
  CHECK(msg.find("expected 24") != std::string::npos);
  d.write("u.item", item_line(10, "A (1990)", "", 0));
  d.write("u.user", "1|24|M|engineer|85711\n2|old|F|writer|94043\n");
  msg = error_of([&] { load_dataset(d.path); });
  CHECK(msg.find("u.user:2: age 'old'") != std::string::npos);

  TempDir c;
  c.write("ratings.csv", "user,movie,rating,timestamp\n1,1,4,1\n");
  CHECK(error_of([&] { load_dataset(c.path); }).find("ratings.csv:1: expected the header") !=
        std::string::npos);
  c.write("ratings.csv", "userId,movieId,rating,timestamp\n1,1,4,1\n2,2,4.5\n");
  CHECK(error_of([&] { load_dataset(c.path); }).find("ratings.csv:3: expected 4 fields") !=
        std::string::npos);
  c.write("ratings.csv", "userId,movieId,rating,timestamp\n1,1,4,1\n");
  c.write("movies.csv", "movieId,title,genres\n1,\"Unterminated (1995),Drama\n");
  CHECK(error_of([&] { load_dataset(c.path); }).find("movies.csv:2: malformed quoted field") !=
        std::string::npos);
  c.write("movies.csv", "movieId,title,genres\n1,Two,Fields,Extra\n");
  CHECK(error_of([&] { load_dataset(c.path); }).find("movies.csv:2: expected 3") != std::string::npos);

  TempDir t;
  t.write("ratings.dat", "1::2::3::4\n1::2::3\n");
  CHECK(error_of([&] { load_dataset(t.path); }).find("ratings.dat:2: expected 4 fields") !=
        std::string::npos);
  t.write("ratings.dat", "1::2::3::4\n");
  t.write("users.dat", "1::F::1::99::48067\n");
  CHECK(error_of([&] { load_dataset(t.path); }).find("users.dat:1: occupation '99'") !=
        std::string::npos);

  TempDir r;
  r.write("x.inter", "user_id:token\titem_id:token\n1\t2\n3\n");
  CHECK(error_of([&] { load_dataset(r.path); }).find("x.inter:3: expected 2") != std::string::npos);
  r.write("x.inter", "user_id\titem_id\n1\t2\n");
  CHECK(error_of([&] { load_dataset(r.path); }).find("x.inter:1: header field") != std::string::npos);
}

TEST_CASE("recsys load: skip_bad_lines counts and drops bad lines") {
  TempDir d;
  d.write("u.data", "1\t10\t5\t100\nbad line\n2\t10\t42\t1\n2\t20\t4\t150\n3\t30\n");
  d.write("u.user", "1|24|M|engineer|85711\n2|x|F|writer|94043\n");
  LoadOptions opts;
  opts.skip_bad_lines = true;
  Dataset ds = load_dataset(d.path, opts);
  CHECK(ds.ratings.size() == 2);
  CHECK(ds.skipped_lines == 4);
  CHECK(ds.user_info.size() == 2);
  CHECK(ds.user_info[1].gender.empty());  // its line was skipped: unknown
  // A file with no valid line at all is still an error.
  d.write("u.data", "junk\n");
  CHECK(error_of([&] { load_dataset(d.path, opts); }).find("no valid ratings") != std::string::npos);
}

TEST_CASE("recsys load: split_predefined maps raw ids and rejects unknown ones") {
  TempDir d;
  write_100k(d);
  Dataset ds = load_dataset(d.path);
  Split s = split_predefined(ds, "u1");
  CHECK(s.train.size() == 3);
  CHECK(s.test.size() == 1);
  CHECK(s.test.user == std::vector<int64_t>{1});
  CHECK(s.test.item == std::vector<int64_t>{0});
  CHECK(s.valid.size() == 0);
  CHECK(error_of([&] { split_predefined(ds, "u2"); }).find("no split 'u2'") != std::string::npos);
  d.write("u1.test", "2\t10\t4\t150\n\n2\t77\t4\t150\n");
  std::string msg = error_of([&] { split_predefined(ds, "u1"); });
  CHECK(msg.find("u1.test:3: item id 77 does not occur") != std::string::npos);
}

TEST_CASE("recsys load: synthetic writer round-trips in every format") {
  for (const char* format : {"ml-100k", "ml-1m", "csv"}) {
    CAPTURE(format);
    TempDir d;
    write_synthetic(d.path, 50, 40, 600, 7, format);
    Dataset ds = load_dataset(d.path);
    CHECK(ds.name == "synthetic");
    CHECK(ds.ratings.size() == 600);
    CHECK(ds.users.size() == 50);
    CHECK(ds.items.size() <= 40);
    CHECK(ds.min_rating >= 0.5f);
    CHECK(ds.max_rating <= 5.0f);
    CHECK(ds.item_info[0].year > 1900);
    CHECK_FALSE(ds.item_info[0].title.empty());
    // No (user, item) pair twice.
    std::set<std::pair<int64_t, int64_t>> pairs;
    for (size_t r = 0; r < ds.ratings.size(); ++r) pairs.emplace(ds.ratings.user[r], ds.ratings.item[r]);
    CHECK(pairs.size() == ds.ratings.size());
    if (std::string(format) == "ml-100k") {
      CHECK(ds.predefined_splits.size() == 5);
      Split s = split_predefined(ds, "u3");
      CHECK(s.train.size() + s.test.size() == 600);
      CHECK(s.test.size() == 120);
    }
    if (std::string(format) == "csv") {
      CHECK(ds.item_info[0].title.find(", The (") != std::string::npos);
    }
  }
  TempDir a, b;
  write_synthetic(a.path, 30, 20, 200, 3, "ml-100k");
  write_synthetic(b.path, 30, 20, 200, 3, "ml-100k");
  Dataset da = load_dataset(a.path), db = load_dataset(b.path);
  CHECK(da.ratings.rating == db.ratings.rating);  // deterministic in the seed
  CHECK(error_of([&] { write_synthetic(a.path, 2, 2, 5, 1); }).find("ratings must be in") !=
        std::string::npos);
}
