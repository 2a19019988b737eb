// tests/test_serialize.cpp — safetensors checkpoints: bit-exact round trips, the Python fixture,
// module/optimizer helpers, every malformed-file error, and atomic saves (failures and crashes).
#include <signal.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include <algorithm>
#include <bit>
#include <chrono>
#include <cmath>
#include <cstdint>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <limits>
#include <memory>
#include <random>
#include <string>
#include <thread>
#include <vector>

#include <doctest/doctest.h>
#include <tapegrad/tapegrad.h>

namespace fs = std::filesystem;
using tg::Tensor;
using tg::nn::StateDict;

namespace {

const fs::path kFixtures = fs::path(__FILE__).parent_path() / "fixtures";

// A fresh directory under the system temp dir, removed (with its contents) at scope exit.
struct TempDir {
  fs::path path;
  TempDir() {
    std::random_device rd;
    path = fs::temp_directory_path() /
           ("tg_serialize_" + std::to_string(::getpid()) + "_" + std::to_string(rd()));
    fs::create_directories(path);
  }
  ~TempDir() {
    std::error_code ec;
    fs::permissions(path, fs::perms::owner_all, fs::perm_options::add, ec);
    fs::remove_all(path, ec);
  }
  std::string operator/(const std::string& name) const { return (path / name).string(); }
  // Names of the entries in the directory (to spot leftover temporary files).
  std::vector<std::string> entries() const {
    std::vector<std::string> out;
    for (const auto& e : fs::directory_iterator(path)) out.push_back(e.path().filename().string());
    std::sort(out.begin(), out.end());
    return out;
  }
};

// The raw row-major bytes of t (what a bit-exact comparison compares).
std::vector<uint8_t> bytes_of(const Tensor& t) {
  Tensor c = t.contiguous();
  const auto* p = static_cast<const uint8_t*>(c.numel() > 0 ? c.data_ptr() : nullptr);
  return std::vector<uint8_t>(p, p + c.nbytes());
}

void check_bit_identical(const StateDict& got, const StateDict& want) {
  REQUIRE(got.size() == want.size());
  for (const auto& [name, w] : want) {
    CAPTURE(name);
    auto it = got.find(name);
    REQUIRE(it != got.end());
    const Tensor& g = it->second;
    CHECK(g.sizes() == w.sizes());
    CHECK(g.dtype() == w.dtype());
    CHECK(g.device().is_cpu());
    CHECK(g.is_contiguous());
    CHECK(bytes_of(g) == bytes_of(w));
  }
}

std::vector<uint8_t> read_file(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  return std::vector<uint8_t>(std::istreambuf_iterator<char>(in), {});
}

void write_file(const std::string& path, const std::vector<uint8_t>& bytes) {
  std::ofstream out(path, std::ios::binary | std::ios::trunc);
  out.write(reinterpret_cast<const char*>(bytes.data()),
            static_cast<std::streamsize>(bytes.size()));
}

// A safetensors file with the given header text (padded to 8 bytes) and data section.
std::vector<uint8_t> make_file(std::string header, const std::vector<uint8_t>& data = {}) {
  header.append((8 - header.size() % 8) % 8, ' ');
  const uint64_t n = header.size();
  std::vector<uint8_t> out(8 + header.size() + data.size());
  for (int i = 0; i < 8; ++i) out[i] = static_cast<uint8_t>(n >> (8 * i));
  std::memcpy(out.data() + 8, header.data(), header.size());
  if (!data.empty()) std::memcpy(out.data() + 8 + header.size(), data.data(), data.size());
  return out;
}

// Little-endian bytes of the given values.
template <class T>
std::vector<uint8_t> le_bytes(const std::vector<T>& values) {
  std::vector<uint8_t> out(values.size() * sizeof(T));
  if (!values.empty()) std::memcpy(out.data(), values.data(), out.size());
  return out;
}

Tensor floats_from_bits(const std::vector<uint32_t>& bits) {
  std::vector<float> v;
  for (uint32_t b : bits) v.push_back(std::bit_cast<float>(b));
  return tg::from_vector(v);
}

// Every dtype, 0-dim and empty tensors, awkward float bit patterns, and views.
StateDict all_kinds_of_tensors() {
  tg::Generator gen(7);
  Tensor base = tg::randn({4, 5}, &gen);
  StateDict s;
  s["f32"] = tg::randn({3, 7}, &gen);
  s["f64"] = tg::randn({2, 3, 4}, &gen, tg::kFloat64);
  s["i64"] = tg::from_vector(std::vector<int64_t>{std::numeric_limits<int64_t>::min(), -1, 0, 1,
                                                  std::numeric_limits<int64_t>::max()});
  s["bool"] = tg::from_vector(std::vector<bool>{true, false, false, true, true, false}, {{2, 3}});
  // -0, +-inf, a NaN with a payload, the smallest subnormal, the largest finite value.
  s["special_f32"] =
      floats_from_bits({0x80000000u, 0x7f800000u, 0xff800000u, 0x7fc12345u, 1u, 0x7f7fffffu});
  s["scalar_f32"] = tg::scalar_tensor(2.5);
  s["scalar_f64"] = tg::scalar_tensor(-1e-300, tg::kFloat64);
  s["scalar_i64"] = tg::scalar_tensor(int64_t{123456789012345}, tg::kInt64);
  s["scalar_bool"] = tg::scalar_tensor(true, tg::kBool);
  s["empty_f32"] = tg::zeros({0});
  s["empty_i64"] = tg::zeros({3, 0}, tg::kInt64);
  s["empty_bool"] = tg::zeros({0, 2}, tg::kBool);
  s["transposed"] = base.t();
  s["strided"] = base.slice(1, 0, 5, 2);
  s["expanded"] = tg::arange(3).expand({4, 3});
  s["narrowed_f64"] = tg::randn({6, 6}, &gen, tg::kFloat64).narrow(0, 2, 3).select(1, 4);
  return s;
}

// A small module: a parameter, a parameter without grad, buffers of three dtypes, a child.
struct Child : tg::nn::Module {
  Tensor scale, steps;
  Child() : Module("Child") {
    scale = register_parameter("scale", tg::ones({2}));
    steps = register_buffer("steps", tg::scalar_tensor(int64_t{0}, tg::kInt64));
  }
};

struct TinyNet : tg::nn::Module {
  Tensor weight, bias, running, mask;
  std::shared_ptr<Child> child;
  explicit TinyNet(uint64_t seed) : Module("TinyNet") {
    tg::Generator gen(seed);
    weight = register_parameter("weight", tg::randn({3, 2}, &gen));
    bias = register_parameter("bias", tg::randn({3}, &gen), /*requires_grad=*/false);
    running = register_buffer("running", tg::randn({3}, &gen, tg::kFloat64));
    mask = register_buffer("mask", tg::gt(tg::rand({2, 2}, &gen), 0.5));
    child = register_module("child", std::make_shared<Child>());
    child->scale.detach().mul_(static_cast<double>(seed));
    child->steps.detach().fill_(static_cast<int64_t>(seed));
  }
};

// Expects load_safetensors(path) to throw a tg::Error mentioning the path and `reason`.
void check_load_fails(const std::string& path, const std::string& reason) {
  CAPTURE(reason);
  try {
    tg::nn::load_safetensors(path);
    FAIL("no error was thrown");
  } catch (const tg::Error& e) {
    std::string msg = e.what();
    CAPTURE(msg);
    CHECK(msg.find(path) != std::string::npos);
    CHECK(msg.find(reason) != std::string::npos);
  }
}

}  // namespace

// ---- round trips
// ---------------------------------------------------------------------------------

TEST_CASE("safetensors: round trip of every dtype, 0-dim, empty and non-contiguous, bit-exact") {
  TempDir dir;
  const StateDict state = all_kinds_of_tensors();
  const tg::nn::Metadata meta{{"format", "pt"}, {"epoch", "3"}, {"unicode", "h\xc3\xa9llo"}};
  tg::nn::save_safetensors(dir / "a.safetensors", state, meta);
  tg::nn::Loaded loaded = tg::nn::load_safetensors(dir / "a.safetensors");
  check_bit_identical(loaded.tensors, state);
  CHECK(loaded.metadata == meta);
  CHECK(loaded.tensors.at("special_f32").to_vector<float>()[0] == 0.0f);
  CHECK(std::signbit(loaded.tensors.at("special_f32").to_vector<float>()[0]));

  // Saving what we loaded writes the same bytes again.
  tg::nn::save_safetensors(dir / "b.safetensors", loaded.tensors, meta);
  CHECK(read_file(dir / "a.safetensors") == read_file(dir / "b.safetensors"));
  CHECK(dir.entries() == std::vector<std::string>{"a.safetensors", "b.safetensors"});
}

TEST_CASE("safetensors: header layout follows the spec and the Python writer") {
  TempDir dir;
  StateDict s;
  s["b"] = tg::from_vector(std::vector<float>{1.0f, 2.0f});
  s["a"] = tg::from_vector(std::vector<bool>{true});
  s["c"] = tg::from_vector(std::vector<int64_t>{5});
  s["d"] = tg::from_vector(std::vector<double>{0.5});
  tg::nn::save_safetensors(dir / "x.safetensors", s, {{"k", "v"}});
  std::vector<uint8_t> bytes = read_file(dir / "x.safetensors");
  REQUIRE(bytes.size() >= 8);
  uint64_t n = 0;
  for (int i = 0; i < 8; ++i) n |= static_cast<uint64_t>(bytes[i]) << (8 * i);
  CHECK(n % 8 == 0);
  REQUIRE(bytes.size() == 8 + n + 8 + 8 + 8 + 1);
  std::string header(bytes.begin() + 8, bytes.begin() + 8 + static_cast<long>(n));
  // Metadata first; then by dtype I64, F64, F32, BOOL (each aligned), names sorted within.
  std::string want =
      R"({"__metadata__":{"k":"v"},"c":{"dtype":"I64","shape":[1],"data_offsets":[0,8]},)"
      R"("d":{"dtype":"F64","shape":[1],"data_offsets":[8,16]},)"
      R"("b":{"dtype":"F32","shape":[2],"data_offsets":[16,24]},)"
      R"("a":{"dtype":"BOOL","shape":[1],"data_offsets":[24,25]}})";
  want.append((8 - want.size() % 8) % 8, ' ');
  CHECK(header == want);
  std::vector<uint8_t> data(bytes.begin() + 8 + static_cast<long>(n), bytes.end());
  std::vector<uint8_t> want_data = le_bytes<int64_t>({5});
  for (uint8_t b : le_bytes<double>({0.5})) want_data.push_back(b);
  for (uint8_t b : le_bytes<float>({1.0f, 2.0f})) want_data.push_back(b);
  want_data.push_back(1);
  CHECK(data == want_data);

  // No metadata: no "__metadata__" entry (as Python writes it).
  tg::nn::save_safetensors(dir / "y.safetensors", {{"c", s["c"]}});
  std::vector<uint8_t> y = read_file(dir / "y.safetensors");
  CHECK(std::string(y.begin() + 8, y.end() - 8).find("__metadata__") == std::string::npos);
  CHECK(tg::nn::load_safetensors(dir / "y.safetensors").metadata.empty());

  // An empty state dict is a valid file too.
  tg::nn::save_safetensors(dir / "z.safetensors", {});
  CHECK(tg::nn::load_safetensors(dir / "z.safetensors").tensors.empty());
}

TEST_CASE("safetensors: reads the file written by Python (safetensors.numpy.save_file)") {
  const std::string path = (kFixtures / "python_written.safetensors").string();
  tg::nn::Loaded f = tg::nn::load_safetensors(path);
  CHECK(f.metadata == tg::nn::Metadata{{"format", "pt"}, {"note", "written by python"}});
  REQUIRE(f.tensors.size() == 8);
  const StateDict& t = f.tensors;

  CHECK(t.at("f32").dtype() == tg::kFloat32);
  CHECK(t.at("f32").sizes() == tg::DimVec{2, 3});
  CHECK(t.at("f32").to_vector<float>() ==
        std::vector<float>{1.5f, -2.25f, 3.0f, 0.0f, 0.125f, -7.5f});

  CHECK(t.at("f64").dtype() == tg::kFloat64);
  CHECK(t.at("f64").sizes() == tg::DimVec{4});
  CHECK(t.at("f64").to_vector<double>() ==
        std::vector<double>{3.141592653589793, -1e300, 2.5, 0.1});

  CHECK(t.at("i64").dtype() == tg::kInt64);
  CHECK(t.at("i64").sizes() == tg::DimVec{3});
  CHECK(t.at("i64").to_vector<int64_t>() ==
        std::vector<int64_t>{-9007199254740993LL, 0, std::numeric_limits<int64_t>::max()});

  CHECK(t.at("mask").dtype() == tg::kBool);
  CHECK(t.at("mask").sizes() == tg::DimVec{2, 2});
  CHECK(t.at("mask").to_vector<int64_t>() == std::vector<int64_t>{1, 0, 0, 1});

  CHECK(t.at("scalar").dtype() == tg::kFloat32);
  CHECK(t.at("scalar").dim() == 0);
  CHECK(t.at("scalar").item<float>() == 42.5f);

  // Widened exactly: F16 -> float32 (incl. the largest half and the smallest subnormal),
  // I32 and U8 -> int64.
  CHECK(t.at("f16").dtype() == tg::kFloat32);
  CHECK(t.at("f16").to_vector<float>() ==
        std::vector<float>{1.0f, -0.5f, 65504.0f, std::ldexp(1.0f, -24)});
  CHECK(t.at("i32").dtype() == tg::kInt64);
  CHECK(t.at("i32").to_vector<int64_t>() == std::vector<int64_t>{-2147483648LL, 2147483647LL});
  CHECK(t.at("u8").dtype() == tg::kInt64);
  CHECK(t.at("u8").to_vector<int64_t>() == std::vector<int64_t>{0, 128, 255});
}

TEST_CASE("safetensors: F16, BF16 and narrow integer dtypes widen exactly") {
  TempDir dir;
  const std::string path = dir / "w.safetensors";
  // F16: 1, -2, 0.5, -0, +inf, the smallest subnormal, a NaN; BF16: 1, -2.5, 3.0e38-ish, -inf.
  std::vector<uint8_t> data =
      le_bytes<uint16_t>({0x3c00, 0xc000, 0x3800, 0x8000, 0x7c00, 0x0001, 0x7e00});
  for (uint8_t b : le_bytes<uint16_t>({0x3f80, 0xc020, 0x7f61, 0xff80})) data.push_back(b);
  for (uint8_t b : le_bytes<int16_t>({-32768, 32767})) data.push_back(b);
  for (uint8_t b : le_bytes<uint16_t>({65535})) data.push_back(b);
  for (uint8_t b : le_bytes<uint32_t>({4294967295u})) data.push_back(b);
  for (uint8_t b : le_bytes<int8_t>({-128, 127})) data.push_back(b);
  for (uint8_t b : le_bytes<uint64_t>({9223372036854775807ull})) data.push_back(b);
  write_file(path, make_file(R"({"h":{"dtype":"F16","shape":[7],"data_offsets":[0,14]},)"
                             R"("bf":{"dtype":"BF16","shape":[2,2],"data_offsets":[14,22]},)"
                             R"("i16":{"dtype":"I16","shape":[2],"data_offsets":[22,26]},)"
                             R"("u16":{"dtype":"U16","shape":[1],"data_offsets":[26,28]},)"
                             R"("u32":{"dtype":"U32","shape":[],"data_offsets":[28,32]},)"
                             R"("i8":{"dtype":"I8","shape":[2],"data_offsets":[32,34]},)"
                             R"("u64":{"dtype":"U64","shape":[1],"data_offsets":[34,42]}})",
                             data));
  StateDict t = tg::nn::load_safetensors(path).tensors;
  std::vector<float> h = t.at("h").to_vector<float>();
  CHECK(t.at("h").dtype() == tg::kFloat32);
  CHECK(h[0] == 1.0f);
  CHECK(h[1] == -2.0f);
  CHECK(h[2] == 0.5f);
  CHECK((h[3] == 0.0f && std::signbit(h[3])));
  CHECK(h[4] == std::numeric_limits<float>::infinity());
  CHECK(h[5] == std::ldexp(1.0f, -24));
  CHECK(std::isnan(h[6]));
  CHECK(t.at("bf").sizes() == tg::DimVec{2, 2});
  CHECK(t.at("bf").to_vector<float>() ==
        std::vector<float>{1.0f, -2.5f, std::bit_cast<float>(0x7f610000u),
                           -std::numeric_limits<float>::infinity()});
  CHECK(t.at("i16").to_vector<int64_t>() == std::vector<int64_t>{-32768, 32767});
  CHECK(t.at("u16").to_vector<int64_t>() == std::vector<int64_t>{65535});
  CHECK(t.at("u32").dim() == 0);
  CHECK(t.at("u32").item<int64_t>() == 4294967295LL);
  CHECK(t.at("i8").to_vector<int64_t>() == std::vector<int64_t>{-128, 127});
  CHECK(t.at("u64").to_vector<int64_t>() == std::vector<int64_t>{9223372036854775807LL});
  for (const auto& [name, x] : t)
    CHECK(x.dtype() == (name == "h" || name == "bf" ? tg::kFloat32 : tg::kInt64));

  // A U64 value past int64 cannot be loaded exactly.
  write_file(path, make_file(R"({"u":{"dtype":"U64","shape":[1],"data_offsets":[0,8]}})",
                             le_bytes<uint64_t>({9223372036854775808ull})));
  check_load_fails(path, "does not fit in int64");
}

// ---- malformed files
// -----------------------------------------------------------------------------

TEST_CASE("safetensors: every malformed file gives a tg::Error naming the file and the problem") {
  TempDir dir;
  const std::string path = dir / "bad.safetensors";
  const std::vector<uint8_t> d8(8, 0), d12(12, 0);
  auto len_only = [](uint64_t n, size_t extra) {
    std::vector<uint8_t> out(8 + extra, '{');
    for (int i = 0; i < 8; ++i) out[i] = static_cast<uint8_t>(n >> (8 * i));
    return out;
  };
  struct Case {
    const char* what;
    std::vector<uint8_t> bytes;
    const char* reason;
  };
  const std::string f32_2 = R"("dtype":"F32","shape":[2])";
  const std::vector<Case> cases = {
      {"empty file", {}, "too short"},
      {"5-byte file", {1, 0, 0, 0, 0}, "too short"},
      {"header length over 100 MB", len_only(200'000'000, 16), "over the 100 MB limit"},
      {"header length 2^63", len_only(uint64_t{1} << 63, 16), "over the 100 MB limit"},
      {"header length past the end", len_only(100, 20), "runs past the end of the file"},
      {"invalid JSON", make_file(R"({"a": {"dtype": )"), "not valid JSON"},
      {"invalid UTF-8 in the header", make_file("{\"\xff\xfe\":{}}"), "not valid JSON"},
      {"NUL padding", make_file(std::string("{}") + std::string(6, '\0')), "not valid JSON"},
      {"header is an array", make_file("[1, 2]"), "must be a JSON object"},
      {"entry not an object", make_file(R"({"a": 3})"), "tensor 'a': expected an object"},
      {"missing dtype", make_file(R"({"a":{"shape":[2],"data_offsets":[0,8]}})", d8),
       "tensor 'a': missing field 'dtype'"},
      {"missing shape", make_file(R"({"a":{"dtype":"F32","data_offsets":[0,8]}})", d8),
       "tensor 'a': missing field 'shape'"},
      {"missing offsets", make_file(R"({"a":{"dtype":"F32","shape":[2]}})", d8),
       "tensor 'a': missing field 'data_offsets'"},
      {"dtype not a string", make_file(R"({"a":{"dtype":4,"shape":[2],"data_offsets":[0,8]}})", d8),
       "'dtype' must be a string"},
      {"unknown dtype", make_file(R"({"a":{"dtype":"F17","shape":[2],"data_offsets":[0,8]}})", d8),
       "tensor 'a': unknown dtype 'F17'"},
      {"unsupported F8",
       make_file(R"({"a":{"dtype":"F8_E4M3","shape":[8],"data_offsets":[0,8]}})", d8),
       "dtype F8_E4M3 is not supported"},
      {"unsupported complex",
       make_file(R"({"a":{"dtype":"C64","shape":[1],"data_offsets":[0,8]}})", d8),
       "dtype C64 is not supported"},
      {"shape not an array",
       make_file(R"({"a":{"dtype":"F32","shape":2,"data_offsets":[0,8]}})", d8),
       "'shape' must be an array"},
      {"negative size", make_file(R"({"a":{"dtype":"F32","shape":[-2],"data_offsets":[0,8]}})", d8),
       "must hold non-negative integers"},
      {"fractional size",
       make_file(R"({"a":{"dtype":"F32","shape":[2.0],"data_offsets":[0,8]}})", d8),
       "must hold non-negative integers"},
      {"too many dims",
       make_file(R"({"a":{"dtype":"F32","shape":[1,1,1,1,1,1,1,1,2],"data_offsets":[0,8]}})", d8),
       "9 dimensions"},
      {"numel overflows",
       make_file(R"({"a":{"dtype":"F32","shape":[4294967296,4294967296],"data_offsets":[0,8]}})",
                 d8),
       "is too large"},
      {"zero-size but huge extent",
       make_file(R"({"a":{"dtype":"F32","shape":[0,4294967296,4294967296],"data_offsets":[0,0]}})"),
       "is too large"},
      {"offsets wrong length", make_file(R"({"a":{)" + f32_2 + R"(,"data_offsets":[8]}})", d8),
       "'data_offsets' must be [begin, end]"},
      {"negative offset", make_file(R"({"a":{)" + f32_2 + R"(,"data_offsets":[-8,0]}})", d8),
       "'data_offsets' must be [begin, end]"},
      {"end before begin", make_file(R"({"a":{)" + f32_2 + R"(,"data_offsets":[8,0]}})", d8),
       "end before they begin"},
      {"shape/offset mismatch", make_file(R"({"a":{)" + f32_2 + R"(,"data_offsets":[0,4]}})", d8),
       "needs 2 x 4 bytes but data_offsets [0,4] span 4"},
      {"offsets past the data", make_file(R"({"a":{)" + f32_2 + R"(,"data_offsets":[4,12]}})", d8),
       "point past the end of the data section (8 bytes)"},
      {"huge offsets",
       make_file(
           R"({"a":{)" + f32_2 + R"(,"data_offsets":[18446744073709551608,18446744073709551615]}})",
           d8),
       "point past the end"},
      {"overlapping tensors",
       make_file(R"({"a":{)" + f32_2 + R"(,"data_offsets":[0,8]},"b":{)" + f32_2 +
                     R"(,"data_offsets":[4,12]}})",
                 d12),
       "tensor 'b' (bytes 4..12) overlaps tensor 'a' (bytes 0..8)"},
      {"same range twice",
       make_file(R"({"a":{)" + f32_2 + R"(,"data_offsets":[0,8]},"b":{)" + f32_2 +
                     R"(,"data_offsets":[0,8]}})",
                 d8),
       "overlaps tensor"},
      {"gap between tensors",
       make_file(R"({"a":{"dtype":"F32","shape":[1],"data_offsets":[0,4]},)"
                 R"("b":{"dtype":"F32","shape":[1],"data_offsets":[8,12]}})",
                 d12),
       "bytes 4..8 of the data section belong to no tensor"},
      {"trailing bytes", make_file(R"({"a":{"dtype":"F32","shape":[1],"data_offsets":[0,4]}})", d8),
       "the tensors cover only 4"},
      {"duplicate tensor names",
       make_file(R"({"a":{)" + f32_2 + R"(,"data_offsets":[0,8]},"a":{)" + f32_2 +
                     R"(,"data_offsets":[0,8]}})",
                 d8),
       "duplicate tensor name 'a'"},
      {"duplicate field",
       make_file(R"({"a":{"dtype":"F64","dtype":"F32","shape":[2],"data_offsets":[0,8]}})", d8),
       "duplicate key 'dtype'"},
      {"non-string metadata", make_file(R"({"__metadata__":{"epoch":3}})"),
       "'__metadata__' value for key 'epoch' must be a string"},
      {"metadata not an object", make_file(R"({"__metadata__":["a"]})"),
       "'__metadata__' must be an object"},
  };
  for (const Case& c : cases) {
    const std::string what = c.what;
    CAPTURE(what);
    write_file(path, c.bytes);
    check_load_fails(path, c.reason);
  }
  check_load_fails(dir / "missing.safetensors", "cannot open the file: No such file or directory");
  check_load_fails(dir.path.string(), "not a regular file");
}

TEST_CASE("safetensors: truncated or corrupted files never crash the reader") {
  TempDir dir;
  const std::string good = dir / "good.safetensors";
  StateDict s;
  s["w"] = tg::arange(0.0, 6.0, 1.0).view({2, 3});
  s["ids"] = tg::arange(4);
  s["m"] = tg::ones({3}, tg::kBool);
  tg::nn::save_safetensors(good, s, {{"k", "v"}});
  const std::vector<uint8_t> bytes = read_file(good);

  // Every proper prefix is rejected with a tg::Error.
  // (A fresh file per try: rewriting one file in place makes ext4 flush it every time.)
  int tries = 0;
  auto write_try = [&](const std::vector<uint8_t>& b) {
    std::string p = dir / ("bad" + std::to_string(tries++) + ".safetensors");
    write_file(p, b);
    return p;
  };
  for (size_t n = 0; n < bytes.size(); ++n) {
    CAPTURE(n);
    std::string p = write_try({bytes.begin(), bytes.begin() + static_cast<long>(n)});
    CHECK_THROWS_AS(tg::nn::load_safetensors(p), tg::Error);
    fs::remove(p);
  }
  // Every single-byte corruption either loads (a changed value) or throws tg::Error.
  std::mt19937 rng(1);
  int loaded = 0, rejected = 0;
  for (size_t i = 0; i < bytes.size(); ++i) {
    for (uint8_t value : {uint8_t{0}, uint8_t{0xff}, uint8_t(bytes[i] ^ 0x01), uint8_t(rng())}) {
      std::vector<uint8_t> b = bytes;
      b[i] = value;
      std::string p = write_try(b);
      try {
        tg::nn::load_safetensors(p);
        ++loaded;
      } catch (const tg::Error&) {
        ++rejected;
      }
      fs::remove(p);
    }
  }
  CHECK(loaded > 0);
  CHECK(rejected > 0);
}

// ---- saving errors and atomicity
// -----------------------------------------------------------------

TEST_CASE("safetensors: invalid state dicts are refused before anything is written") {
  TempDir dir;
  const std::string path = dir / "x.safetensors";
  CHECK_THROWS_WITH_AS(tg::nn::save_safetensors(path, {{"__metadata__", tg::ones({1})}}),
                       doctest::Contains("'__metadata__' is reserved"), tg::Error);
  CHECK_THROWS_WITH_AS(tg::nn::save_safetensors(path, {{"u", Tensor()}}),
                       doctest::Contains("tensor 'u' is undefined"), tg::Error);
  Tensor sparse =
      tg::sparse_rows(tg::from_vector(std::vector<int64_t>{1}), tg::ones({1, 2}), {3, 2});
  CHECK_THROWS_WITH_AS(tg::nn::save_safetensors(path, {{"g", sparse}}),
                       doctest::Contains("tensor 'g' is sparse"), tg::Error);
  CHECK_THROWS_WITH_AS(tg::nn::save_safetensors(path, {{"bad\xff", tg::ones({1})}}),
                       doctest::Contains("not valid UTF-8"), tg::Error);
  CHECK_THROWS_WITH_AS(tg::nn::save_safetensors(path, {}, {{"k", "\xc3"}}),
                       doctest::Contains("not valid UTF-8"), tg::Error);
  CHECK(dir.entries().empty());
}

TEST_CASE("safetensors: a failed save throws, keeps the previous file and leaves no temp file") {
  TempDir dir;
  const StateDict old_state = {{"w", tg::arange(0.0, 4.0, 1.0)}};
  const StateDict new_state = {{"w", tg::zeros({1000})}};

  SUBCASE("the parent directory does not exist") {
    CHECK_THROWS_WITH_AS(tg::nn::save_safetensors(dir / "no/such/dir/x.safetensors", old_state),
                         doctest::Contains("cannot create the temporary file"), tg::Error);
  }
  SUBCASE("the parent is a regular file") {
    write_file(dir / "file", {1, 2, 3});
    CHECK_THROWS_WITH_AS(tg::nn::save_safetensors(dir / "file/x.safetensors", old_state),
                         doctest::Contains("Not a directory"), tg::Error);
    CHECK(dir.entries() == std::vector<std::string>{"file"});
  }
  SUBCASE("the target is a directory: rename fails after the data is written") {
    fs::create_directory(dir.path / "target");
    CHECK_THROWS_WITH_AS(tg::nn::save_safetensors(dir / "target", old_state),
                         doctest::Contains("renaming"), tg::Error);
    CHECK(dir.entries() == std::vector<std::string>{"target"});
  }
  SUBCASE("the directory is not writable") {
    fs::create_directory(dir.path / "ro");
    tg::nn::save_safetensors(dir / "ro/x.safetensors", old_state);
    fs::permissions(dir.path / "ro", fs::perms::owner_read | fs::perms::owner_exec);
    if (::geteuid() == 0) {
      MESSAGE("running as root: permissions do not stop writes, skipping the read-only check");
    } else {
      CHECK_THROWS_WITH_AS(tg::nn::save_safetensors(dir / "ro/x.safetensors", new_state),
                           doctest::Contains("Permission denied"), tg::Error);
    }
    fs::permissions(dir.path / "ro", fs::perms::owner_all);
    std::vector<std::string> left;
    for (const auto& e : fs::directory_iterator(dir.path / "ro"))
      left.push_back(e.path().filename().string());
    CHECK(left == std::vector<std::string>{"x.safetensors"});
    if (::geteuid() != 0)
      check_bit_identical(tg::nn::load_safetensors(dir / "ro/x.safetensors").tensors, old_state);
  }
  SUBCASE("an error in the middle of writing the data") {
    const std::string path = dir / "x.safetensors";
    tg::nn::save_safetensors(path, old_state);
    const std::vector<uint8_t> before = read_file(path);
    tg::nn::detail::set_save_write_hook_for_testing([](size_t written) {
      if (written > 100) throw tg::Error("simulated write failure");
    });
    CHECK_THROWS_WITH_AS(tg::nn::save_safetensors(path, new_state),
                         doctest::Contains("simulated write failure"), tg::Error);
    tg::nn::detail::set_save_write_hook_for_testing(nullptr);
    CHECK(read_file(path) == before);
    CHECK(dir.entries() == std::vector<std::string>{"x.safetensors"});
    check_bit_identical(tg::nn::load_safetensors(path).tensors, old_state);
  }
}

TEST_CASE("safetensors: a process killed mid-save leaves the previous checkpoint intact") {
  TempDir dir;
  const std::string path = dir / "ckpt.safetensors";
  tg::Generator gen(3);
  const StateDict old_state = {{"w", tg::randn({1000}, &gen)}, {"step", tg::scalar_tensor(1.0)}};
  // 16 MB: written in 1 MB chunks, so the hook sees many partial states.
  const StateDict new_state = {{"w", tg::randn({4 << 20}, &gen)}, {"step", tg::scalar_tensor(2.0)}};
  tg::nn::save_safetensors(path, old_state);
  const std::vector<uint8_t> before = read_file(path);

  SUBCASE("SIGKILL from inside the write loop, after 5 MB") {
    pid_t child = ::fork();
    REQUIRE(child >= 0);
    if (child == 0) {
      tg::nn::detail::set_save_write_hook_for_testing([](size_t written) {
        if (written > (size_t{5} << 20)) ::raise(SIGKILL);
      });
      try {
        tg::nn::save_safetensors(path, new_state);
      } catch (...) {
        ::_exit(3);
      }
      ::_exit(0);  // reaching here means the hook never fired: the parent reports it
    }
    int status = 0;
    REQUIRE(::waitpid(child, &status, 0) == child);
    REQUIRE(WIFSIGNALED(status));
    CHECK(WTERMSIG(status) == SIGKILL);
    // The target is untouched; the dead writer's partial temp file is beside it.
    CHECK(read_file(path) == before);
    check_bit_identical(tg::nn::load_safetensors(path).tensors, old_state);
    std::vector<std::string> entries = dir.entries();
    REQUIRE(entries.size() == 2);
    const std::string tmp_prefix = "ckpt.safetensors.tmp." + std::to_string(child) + ".";
    CHECK(entries[1].rfind(tmp_prefix, 0) == 0);
    auto partial = fs::file_size(dir.path / entries[1]);
    CHECK(partial > (uint64_t{5} << 20));
    CHECK(partial < (uint64_t{16} << 20));
  }

  SUBCASE("SIGKILL from the parent at random moments of repeated saves") {
    // The child saves new and old states in turn, forever; whenever it dies, the file must load
    // and equal one of the two exactly.
    std::mt19937 rng(11);
    int saw_old = 0, saw_new = 0;
    for (int round = 0; round < 6; ++round) {
      pid_t child = ::fork();
      REQUIRE(child >= 0);
      if (child == 0) {
        try {
          for (;;) {
            tg::nn::save_safetensors(path, new_state);
            tg::nn::save_safetensors(path, old_state);
          }
        } catch (...) {
          ::_exit(3);
        }
      }
      std::this_thread::sleep_for(std::chrono::milliseconds(5 + rng() % 60));
      ::kill(child, SIGKILL);
      int status = 0;
      REQUIRE(::waitpid(child, &status, 0) == child);
      REQUIRE(WIFSIGNALED(status));  // exited by itself only if a save threw
      tg::nn::Loaded got = tg::nn::load_safetensors(path);
      if (got.tensors.at("step").item<float>() == 1.0f) {
        check_bit_identical(got.tensors, old_state);
        ++saw_old;
      } else {
        check_bit_identical(got.tensors, new_state);
        ++saw_new;
      }
      for (const std::string& e : dir.entries())  // crash debris, cleared for the next round
        if (e != "ckpt.safetensors") fs::remove(dir.path / e);
    }
    MESSAGE("after the kills the file held the old state ", saw_old, " times, the new ", saw_new);
  }
}

// ---- modules and checkpoints
// ---------------------------------------------------------------------

TEST_CASE("serialize: module save and load round trip") {
  TempDir dir;
  const std::string path = dir / "net.safetensors";
  TinyNet a(1), b(2);
  REQUIRE_FALSE(tg::equal(a.weight, b.weight));
  tg::nn::save(a, path, {{"arch", "TinyNet"}});
  const Tensor weight_before = b.weight;
  tg::nn::load(b, path);
  check_bit_identical(b.state_dict(), a.state_dict());
  CHECK(b.weight.is_same(weight_before));  // loaded in place: references stay valid
  CHECK(b.weight.requires_grad());
  CHECK_FALSE(b.bias.requires_grad());
  CHECK(b.child->steps.item<int64_t>() == 1);
  CHECK(tg::nn::load_safetensors(path).metadata.at("arch") == "TinyNet");
  // The file's keys are the module's dotted names.
  StateDict raw = tg::nn::load_safetensors(path).tensors;
  std::vector<std::string> keys;
  for (const auto& [k, v] : raw) keys.push_back(k);
  CHECK(keys == std::vector<std::string>{"bias", "child.scale", "child.steps", "mask", "running",
                                         "weight"});
}

TEST_CASE("serialize: strict load names the file and every mismatched key") {
  TempDir dir;
  const std::string path = dir / "net.safetensors";
  TinyNet net(1);
  auto expect_error = [&](bool strict, std::vector<std::string> parts) {
    TinyNet target(2);
    try {
      tg::nn::load(target, path, strict);
      FAIL("no error");
    } catch (const tg::Error& e) {
      std::string msg = e.what();
      CAPTURE(msg);
      CHECK(msg.find(path) != std::string::npos);
      for (const std::string& p : parts) CHECK(msg.find(p) != std::string::npos);
    }
    check_bit_identical(target.state_dict(), TinyNet(2).state_dict());  // untouched on error
  };

  StateDict missing = net.state_dict();
  missing.erase("child.steps");
  missing.erase("bias");
  tg::nn::save_safetensors(path, missing);
  expect_error(true, {"missing key: bias", "missing key: child.steps"});
  TinyNet relaxed(2);
  tg::nn::load(relaxed, path, /*strict=*/false);
  CHECK(tg::equal(relaxed.weight, net.weight));
  CHECK(relaxed.child->steps.item<int64_t>() == 2);  // not in the file: kept

  StateDict extra = net.state_dict();
  extra["head.weight"] = tg::ones({2});
  tg::nn::save_safetensors(path, extra);
  expect_error(true, {"unexpected key: head.weight"});
  TinyNet relaxed2(2);
  tg::nn::load(relaxed2, path, /*strict=*/false);
  CHECK(tg::equal(relaxed2.running, net.running));

  StateDict wrong_shape = net.state_dict();
  wrong_shape["weight"] = tg::zeros({2, 3});
  tg::nn::save_safetensors(path, wrong_shape);
  expect_error(true, {"shape mismatch for weight: the file has [2, 3], the module has [3, 2]"});
  expect_error(false, {"shape mismatch for weight"});

  StateDict wrong_dtype = net.state_dict();
  wrong_dtype["running"] = wrong_dtype["running"].to(tg::kFloat32);
  tg::nn::save_safetensors(path, wrong_dtype);
  expect_error(false, {"dtype mismatch for running: the file has float32, the module has float64"});

  CHECK_THROWS_WITH_AS(tg::nn::load(net, dir / "nope.safetensors"),
                       doctest::Contains("cannot open the file"), tg::Error);
}

TEST_CASE("checkpoint: model and optimizer state in one file") {
  TempDir dir;
  const std::string path = dir / "ckpt.safetensors";
  TinyNet net(4);
  // Optimizer state as the optimizers expose it: per-parameter tensors and 0-dim hyperparameters.
  StateDict opt = {{"param_groups.0.lr", tg::scalar_tensor(1e-3, tg::kFloat64)},
                   {"param_groups.0.betas", tg::tensor({0.9, 0.999}, tg::kFloat64)},
                   {"state.0.step", tg::scalar_tensor(int64_t{17}, tg::kInt64)},
                   {"state.0.exp_avg", tg::randn({3, 2})}};
  tg::nn::save_checkpoint(path, {{"model", net.state_dict()}, {"optimizer", opt}, {"sched", {}}},
                          {{"epoch", "5"}});

  StateDict flat = tg::nn::load_safetensors(path).tensors;
  CHECK(flat.count("model.weight") == 1);
  CHECK(flat.count("optimizer.state.0.step") == 1);

  tg::nn::Checkpoint c = tg::nn::load_checkpoint(path);
  REQUIRE(c.parts.size() == 3);
  check_bit_identical(c.parts.at("model"), net.state_dict());
  check_bit_identical(c.parts.at("optimizer"), opt);
  CHECK(c.parts.at("sched").empty());
  CHECK(c.metadata == tg::nn::Metadata{{"epoch", "5"}});

  TinyNet fresh(9);
  fresh.load_state_dict(c.parts.at("model"));
  check_bit_identical(fresh.state_dict(), net.state_dict());

  CHECK_THROWS_WITH_AS(tg::nn::save_checkpoint(path, {{"a.b", {}}}),
                       doctest::Contains("part name 'a.b'"), tg::Error);
  CHECK_THROWS_WITH_AS(tg::nn::save_checkpoint(path, {{"m", {}}}, {{"tapegrad.parts", "x"}}),
                       doctest::Contains("reserved"), tg::Error);
  tg::nn::save_safetensors(path, {{"noprefix", tg::ones({1})}});
  CHECK_THROWS_WITH_AS(tg::nn::load_checkpoint(path),
                       doctest::Contains("key 'noprefix' has no '<part>.' prefix"), tg::Error);
}
