// nn/serialize.cpp — safetensors reading/writing, atomic saves, module and checkpoint helpers.
//
// nlohmann::json is used only here: public headers stay free of it. The reader treats the file as
// untrusted: every size and offset is checked (with overflow checks) before any byte is read, and
// bytes are read with pread() into buffers of exactly the validated size.
#include "serialize.h"

#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <algorithm>
#include <bit>
#include <cerrno>
#include <cmath>
#include <cstdint>
#include <cstring>
#include <filesystem>
#include <limits>
#include <random>
#include <set>
#include <sstream>
#include <tuple>
#include <utility>
#include <vector>

#include <nlohmann/json.hpp>

#include "../tensor/ops.h"

namespace tg::nn {

static_assert(std::endian::native == std::endian::little,
              "safetensors stores little-endian data; tapegrad's reader/writer assume a "
              "little-endian host (add byte swapping here to support others)");

namespace {

using nlohmann::json;

constexpr uint64_t kMaxHeaderBytes = 100ull * 1000 * 1000;  // the Python package's limit
constexpr size_t kChunkBytes = size_t{1} << 20;             // write() granularity (and hook calls)
constexpr const char* kMetadataKey = "__metadata__";
constexpr const char* kPartsKey = "tapegrad.parts";

std::function<void(size_t)>& write_hook() {
  static std::function<void(size_t)> hook;
  return hook;
}

std::string errno_text(int err) { return std::strerror(err); }

// ---- dtypes
// --------------------------------------------------------------------------------------

// How a file dtype becomes a tapegrad dtype.
enum class Convert { kRaw, kBool, kF16, kBF16, kSigned, kUnsigned, kU64 };

struct FileDType {
  const char* name;
  size_t itemsize;  // bytes per element in the file
  DType dtype;      // what we load it as
  Convert convert;
};

constexpr FileDType kReadable[] = {
    {"F32", 4, kFloat32, Convert::kRaw},    {"F64", 8, kFloat64, Convert::kRaw},
    {"I64", 8, kInt64, Convert::kRaw},      {"BOOL", 1, kBool, Convert::kBool},
    {"F16", 2, kFloat32, Convert::kF16},    {"BF16", 2, kFloat32, Convert::kBF16},
    {"I8", 1, kInt64, Convert::kSigned},    {"I16", 2, kInt64, Convert::kSigned},
    {"I32", 4, kInt64, Convert::kSigned},   {"U8", 1, kInt64, Convert::kUnsigned},
    {"U16", 2, kInt64, Convert::kUnsigned}, {"U32", 4, kInt64, Convert::kUnsigned},
    {"U64", 8, kInt64, Convert::kU64},
};
// Valid safetensors dtypes that have no exact tapegrad equivalent.
constexpr const char* kUnsupported[] = {"F8_E4M3", "F8_E5M2", "F8_E8M0", "F6_E2M3",
                                        "F6_E3M2", "F4",      "C64",     "C128"};

const char* file_dtype_name(DType t) {
  switch (t) {
    case DType::Float32: return "F32";
    case DType::Float64: return "F64";
    case DType::Int64: return "I64";
    case DType::Bool: return "BOOL";
  }
  TG_THROW("save_safetensors: unknown dtype");
}

template <class T>
T load_le(const uint8_t* p) {
  T v;
  std::memcpy(&v, p, sizeof(T));
  return v;
}

float half_to_float(uint16_t h) {
  const uint32_t sign = static_cast<uint32_t>(h & 0x8000u) << 16;
  const uint32_t exp = (h >> 10) & 0x1fu;
  const uint32_t mant = h & 0x3ffu;
  if (exp == 0) {  // zero or subnormal: mant * 2^-24, exact in float32
    float mag = std::ldexp(static_cast<float>(mant), -24);
    return std::bit_cast<float>(std::bit_cast<uint32_t>(mag) | sign);
  }
  if (exp == 31) return std::bit_cast<float>(sign | 0x7f800000u | (mant << 13));  // inf / NaN
  return std::bit_cast<float>(sign | ((exp - 15 + 127) << 23) | (mant << 13));
}

// ---- reading
// -------------------------------------------------------------------------------------

template <class... Args>
[[noreturn]] void fail_load(const std::string& path, const Args&... args) {
  TG_THROW("load_safetensors: ", path, ": ", args...);
}

class InputFile {
 public:
  explicit InputFile(const std::string& path) : path_(path) {
    fd_ = ::open(path.c_str(), O_RDONLY | O_CLOEXEC);
    if (fd_ < 0) fail_load(path_, "cannot open the file: ", errno_text(errno));
    struct stat st {};
    if (::fstat(fd_, &st) != 0) fail_load(path_, "cannot stat the file: ", errno_text(errno));
    if (!S_ISREG(st.st_mode)) fail_load(path_, "not a regular file");
    size_ = static_cast<uint64_t>(st.st_size);
  }
  ~InputFile() {
    if (fd_ >= 0) ::close(fd_);
  }
  InputFile(const InputFile&) = delete;
  InputFile& operator=(const InputFile&) = delete;

  uint64_t size() const { return size_; }

  // Reads exactly n bytes at `offset` (the caller has checked offset + n <= size()).
  void read_at(void* dst, uint64_t n, uint64_t offset) const {
    auto* p = static_cast<char*>(dst);
    while (n > 0) {
      size_t want = static_cast<size_t>(std::min<uint64_t>(n, kChunkBytes * 64));
      ssize_t got = ::pread(fd_, p, want, static_cast<off_t>(offset));
      if (got < 0) {
        if (errno == EINTR) continue;
        fail_load(path_, "read failed at byte ", offset, ": ", errno_text(errno));
      }
      if (got == 0) fail_load(path_, "the file ended at byte ", offset, " (truncated while read?)");
      p += got;
      offset += static_cast<uint64_t>(got);
      n -= static_cast<uint64_t>(got);
    }
  }

 private:
  std::string path_;
  int fd_ = -1;
  uint64_t size_ = 0;
};

// One validated header entry.
struct Entry {
  std::string name;
  const FileDType* dtype = nullptr;
  DimVec shape;
  uint64_t numel = 0;
  uint64_t begin = 0, end = 0;
};

const char* json_type(const json& j) { return j.type_name(); }

const FileDType& parse_dtype(const std::string& path, const std::string& name, const json& j) {
  if (!j.is_string())
    fail_load(path, "tensor '", name, "': field 'dtype' must be a string, got ", json_type(j));
  const std::string s = j.get<std::string>();
  for (const FileDType& d : kReadable)
    if (s == d.name) return d;
  for (const char* u : kUnsupported)
    if (s == u)
      fail_load(path, "tensor '", name, "': dtype ", s,
                " is not supported (tapegrad reads F32, F64, I64, BOOL, F16, BF16, I8, I16, I32, "
                "U8, U16, U32, U64)");
  fail_load(path, "tensor '", name, "': unknown dtype '", s, "'");
}

Entry parse_entry(const std::string& path, const std::string& name, const json& j,
                  uint64_t data_bytes) {
  Entry e;
  e.name = name;
  if (!j.is_object())
    fail_load(path, "tensor '", name,
              "': expected an object with dtype, shape and data_offsets, got ", json_type(j));
  for (const char* field : {"dtype", "shape", "data_offsets"})
    if (!j.contains(field)) fail_load(path, "tensor '", name, "': missing field '", field, "'");
  e.dtype = &parse_dtype(path, name, j["dtype"]);

  const json& shape = j["shape"];
  if (!shape.is_array())
    fail_load(path, "tensor '", name, "': field 'shape' must be an array, got ", json_type(shape));
  if (shape.size() > static_cast<size_t>(kMaxDims))
    fail_load(path, "tensor '", name, "': ", shape.size(), " dimensions (tapegrad supports up to ",
              kMaxDims, ")");
  // numel, and the product of the non-zero sizes (what strides need) must both fit in int64.
  uint64_t numel = 1, extent = 1;
  for (const json& d : shape) {
    if (!d.is_number_unsigned())
      fail_load(path, "tensor '", name, "': shape ", shape.dump(),
                " must hold non-negative integers");
    uint64_t v = d.get<uint64_t>();
    if (__builtin_mul_overflow(extent, std::max<uint64_t>(v, 1), &extent) ||
        extent > static_cast<uint64_t>(std::numeric_limits<int64_t>::max()))
      fail_load(path, "tensor '", name, "': shape ", shape.dump(), " is too large");
    numel *= v;  // <= extent, cannot overflow
    e.shape.push_back(static_cast<int64_t>(v));
  }
  e.numel = numel;

  const json& off = j["data_offsets"];
  if (!off.is_array() || off.size() != 2 || !off[0].is_number_unsigned() ||
      !off[1].is_number_unsigned())
    fail_load(path, "tensor '", name,
              "': field 'data_offsets' must be [begin, end] with non-negative integers, got ",
              off.dump());
  e.begin = off[0].get<uint64_t>();
  e.end = off[1].get<uint64_t>();
  if (e.begin > e.end)
    fail_load(path, "tensor '", name, "': data_offsets ", off.dump(), " end before they begin");
  if (e.end > data_bytes)
    fail_load(path, "tensor '", name, "': data_offsets ", off.dump(),
              " point past the end of the data section (", data_bytes, " bytes)");
  uint64_t nbytes = 0;
  if (__builtin_mul_overflow(numel, e.dtype->itemsize, &nbytes) || nbytes != e.end - e.begin)
    fail_load(path, "tensor '", name, "': shape ", shape.dump(), " with dtype ", e.dtype->name,
              " needs ", numel, " x ", e.dtype->itemsize, " bytes but data_offsets ", off.dump(),
              " span ", e.end - e.begin);
  return e;
}

Metadata parse_metadata(const std::string& path, const json& j) {
  Metadata out;
  if (j.is_null()) return out;
  if (!j.is_object())
    fail_load(path, "'__metadata__' must be an object of strings, got ", json_type(j));
  for (auto it = j.begin(); it != j.end(); ++it) {
    if (!it.value().is_string())
      fail_load(path, "'__metadata__' value for key '", it.key(), "' must be a string, got ",
                json_type(it.value()));
    out.emplace(it.key(), it.value().get<std::string>());
  }
  return out;
}

json parse_header(const std::string& path, const std::string& text) {
  // nlohmann keeps the last of duplicate keys silently; track the keys of every open object.
  std::vector<std::set<std::string>> open_objects;
  std::string duplicate;
  bool duplicate_is_tensor = false;
  auto on_event = [&](int /*depth*/, json::parse_event_t event, json& parsed) {
    switch (event) {
      case json::parse_event_t::object_start: open_objects.emplace_back(); break;
      case json::parse_event_t::object_end:
        if (!open_objects.empty()) open_objects.pop_back();
        break;
      case json::parse_event_t::key:
        if (!open_objects.empty() && duplicate.empty() &&
            !open_objects.back().insert(parsed.get<std::string>()).second) {
          duplicate = parsed.get<std::string>();
          duplicate_is_tensor = open_objects.size() == 1;
        }
        break;
      default: break;
    }
    return true;
  };
  // nlohmann stops at a NUL byte as if the input ended there; valid JSON never contains one.
  if (size_t nul = text.find('\0'); nul != std::string::npos)
    fail_load(path, "the header is not valid JSON: it contains a NUL byte at offset ", nul);
  json header;
  try {
    header = json::parse(text, on_event);
  } catch (const json::exception& e) {
    fail_load(path, "the header is not valid JSON: ", e.what());
  }
  if (!duplicate.empty())
    fail_load(path, duplicate_is_tensor ? "duplicate tensor name '" : "duplicate key '", duplicate,
              "' in the header");
  if (!header.is_object())
    fail_load(path, "the header must be a JSON object, got ", json_type(header));
  return header;
}

// Reads entry e (validated) from the data section starting at file offset `data_start`.
Tensor read_tensor(const InputFile& file, const std::string& path, const Entry& e,
                   uint64_t data_start) {
  Tensor out = empty(e.shape, e.dtype->dtype, Device{kCPU});
  const uint64_t nbytes = e.end - e.begin;
  if (nbytes == 0) return out;
  const auto n = static_cast<size_t>(e.numel);
  const Convert how = e.dtype->convert;
  if (how == Convert::kRaw || how == Convert::kBool) {
    file.read_at(out.data_ptr(), nbytes, data_start + e.begin);
    if (how == Convert::kBool) {  // any non-zero byte is true; keep bools strictly 0/1
      auto* p = static_cast<uint8_t*>(out.data_ptr());
      for (size_t i = 0; i < n; ++i) p[i] = p[i] != 0;
    }
    return out;
  }
  std::vector<uint8_t> raw(static_cast<size_t>(nbytes));
  file.read_at(raw.data(), nbytes, data_start + e.begin);
  const uint8_t* src = raw.data();
  const size_t w = e.dtype->itemsize;
  if (how == Convert::kF16 || how == Convert::kBF16) {
    float* dst = out.data<float>();
    for (size_t i = 0; i < n; ++i) {
      uint16_t bits = load_le<uint16_t>(src + 2 * i);
      dst[i] = how == Convert::kF16 ? half_to_float(bits)
                                    : std::bit_cast<float>(static_cast<uint32_t>(bits) << 16);
    }
    return out;
  }
  int64_t* dst = out.data<int64_t>();
  for (size_t i = 0; i < n; ++i) {
    const uint8_t* p = src + w * i;
    if (how == Convert::kSigned) {
      dst[i] = w == 1 ? load_le<int8_t>(p) : w == 2 ? load_le<int16_t>(p) : load_le<int32_t>(p);
    } else if (how == Convert::kUnsigned) {
      dst[i] = w == 1 ? load_le<uint8_t>(p) : w == 2 ? load_le<uint16_t>(p) : load_le<uint32_t>(p);
    } else {  // U64
      uint64_t v = load_le<uint64_t>(p);
      if (v > static_cast<uint64_t>(std::numeric_limits<int64_t>::max()))
        fail_load(path, "tensor '", e.name, "': U64 value ", v, " at element ", i,
                  " does not fit in int64");
      dst[i] = static_cast<int64_t>(v);
    }
  }
  return out;
}

// ---- writing
// -------------------------------------------------------------------------------------

template <class... Args>
[[noreturn]] void fail_save(const std::string& path, const Args&... args) {
  TG_THROW("save_safetensors: ", path, ": ", args...);
}

std::string random_suffix() {
  std::random_device rd;
  uint64_t r = (static_cast<uint64_t>(rd()) << 32) ^ rd();
  std::ostringstream os;
  os << std::hex << r;
  return os.str();
}

// A temporary file beside `path` that replaces it on commit(); destroyed uncommitted, it removes
// itself, so a failed save leaves the previous file untouched and no debris.
class AtomicFile {
 public:
  explicit AtomicFile(const std::string& path)
      : path_(path), tmp_(path + ".tmp." + std::to_string(::getpid()) + "." + random_suffix()) {
    fd_ = ::open(tmp_.c_str(), O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0644);
    if (fd_ < 0)
      fail_save(path_, "cannot create the temporary file ", tmp_, ": ", errno_text(errno));
  }
  ~AtomicFile() {
    if (committed_) return;
    if (fd_ >= 0) ::close(fd_);
    ::unlink(tmp_.c_str());
  }
  AtomicFile(const AtomicFile&) = delete;
  AtomicFile& operator=(const AtomicFile&) = delete;

  void write(const void* data, size_t n) {
    const auto* p = static_cast<const char*>(data);
    while (n > 0) {
      ssize_t put = ::write(fd_, p, std::min(n, kChunkBytes));
      if (put < 0) {
        if (errno == EINTR) continue;
        fail_save(path_, "writing ", tmp_, " failed: ", errno_text(errno));
      }
      p += put;
      n -= static_cast<size_t>(put);
      written_ += static_cast<size_t>(put);
      if (write_hook()) write_hook()(written_);
    }
  }

  // fsync the data, rename over the target, fsync the directory so the rename itself is durable.
  void commit() {
    if (::fsync(fd_) != 0) fail_save(path_, "fsync of ", tmp_, " failed: ", errno_text(errno));
    int fd = fd_;
    fd_ = -1;
    if (::close(fd) != 0) fail_save(path_, "closing ", tmp_, " failed: ", errno_text(errno));
    if (::rename(tmp_.c_str(), path_.c_str()) != 0)
      fail_save(path_, "renaming ", tmp_, " over the target failed: ", errno_text(errno));
    committed_ = true;
    std::filesystem::path dir = std::filesystem::path(path_).parent_path();
    if (dir.empty()) dir = ".";
    int dfd = ::open(dir.c_str(), O_RDONLY | O_DIRECTORY | O_CLOEXEC);
    if (dfd < 0)
      fail_save(path_, "saved, but opening its directory to fsync it failed: ", errno_text(errno));
    // Some file systems cannot fsync a directory (EINVAL); the rename is then as durable as it
    // gets.
    int rc = ::fsync(dfd);
    int err = errno;
    ::close(dfd);
    if (rc != 0 && err != EINVAL)
      fail_save(path_, "saved, but fsync of its directory failed: ", errno_text(err));
  }

 private:
  std::string path_;
  std::string tmp_;
  int fd_ = -1;
  size_t written_ = 0;
  bool committed_ = false;
};

template <class... Args>
[[noreturn]] void fail_op(const std::string& what, const std::string& path, const Args&... args) {
  TG_THROW(what, ": ", path, ": ", args...);
}

}  // namespace

// ---- public API
// ----------------------------------------------------------------------------------

void save_safetensors(const std::string& path, const StateDict& tensors, const Metadata& metadata) {
  struct Item {
    const std::string* name;
    Tensor host;  // contiguous, on the CPU
  };
  std::vector<Item> items;
  items.reserve(tensors.size());
  for (const auto& [name, t] : tensors) {
    if (name == kMetadataKey)
      fail_save(path, "'", kMetadataKey, "' is reserved, not a tensor name");
    if (!t.defined()) fail_save(path, "tensor '", name, "' is undefined");
    if (t.is_sparse())
      fail_save(path, "tensor '", name, "' is sparse; save t.to_dense() (or its indices/values)");
    Tensor host = t.detach();
    if (!host.device().is_cpu()) host = host.to(Device{kCPU});
    items.push_back({&name, host.contiguous()});
  }
  // The Python package's order: by dtype, I64 > F64 > F32 > BOOL, then by name. Larger elements
  // come first, so every tensor is aligned to its element size (the header is padded to 8 bytes).
  auto rank = [](DType t) {
    switch (t) {
      case DType::Int64: return 3;
      case DType::Float64: return 2;
      case DType::Float32: return 1;
      case DType::Bool: return 0;
    }
    return 0;
  };
  std::stable_sort(items.begin(), items.end(), [&](const Item& a, const Item& b) {
    return rank(a.host.dtype()) > rank(b.host.dtype());
  });

  nlohmann::ordered_json header = nlohmann::ordered_json::object();
  if (!metadata.empty()) {
    nlohmann::ordered_json meta = nlohmann::ordered_json::object();
    for (const auto& [k, v] : metadata) meta[k] = v;
    header[kMetadataKey] = std::move(meta);
  }
  uint64_t offset = 0;
  for (const Item& it : items) {
    nlohmann::ordered_json entry = nlohmann::ordered_json::object();
    entry["dtype"] = file_dtype_name(it.host.dtype());
    entry["shape"] = it.host.sizes().vec();
    entry["data_offsets"] = {offset, offset + it.host.nbytes()};
    header[*it.name] = std::move(entry);
    offset += it.host.nbytes();
  }
  std::string text;
  try {
    text = header.dump();
  } catch (const nlohmann::json::exception& e) {
    fail_save(path, "a tensor name or metadata string is not valid UTF-8 (", e.what(), ")");
  }
  text.append((8 - text.size() % 8) % 8, ' ');
  if (text.size() > kMaxHeaderBytes)
    fail_save(path, "the header would take ", text.size(), " bytes, over the 100 MB limit");

  AtomicFile file(path);
  uint64_t n = text.size();
  uint8_t len[8];
  for (int i = 0; i < 8; ++i) len[i] = static_cast<uint8_t>(n >> (8 * i));
  file.write(len, sizeof(len));
  file.write(text.data(), text.size());
  for (const Item& it : items)
    if (it.host.nbytes() > 0) file.write(it.host.data_ptr(), it.host.nbytes());
  file.commit();
}

Loaded load_safetensors(const std::string& path) {
  InputFile file(path);
  const uint64_t size = file.size();
  if (size < 8)
    fail_load(path, "the file has ", size,
              " bytes, too short for a safetensors file (it starts with an 8-byte header length)");
  uint8_t len[8];
  file.read_at(len, 8, 0);
  uint64_t n = 0;
  for (int i = 0; i < 8; ++i) n |= static_cast<uint64_t>(len[i]) << (8 * i);
  if (n > kMaxHeaderBytes)
    fail_load(path, "header length ", n, " is over the 100 MB limit (not a safetensors file?)");
  if (n > size - 8)
    fail_load(path, "header length ", n, " runs past the end of the file (", size, " bytes)");
  std::string text(static_cast<size_t>(n), '\0');
  file.read_at(text.data(), n, 8);
  const json header = parse_header(path, text);

  const uint64_t data_start = 8 + n;
  const uint64_t data_bytes = size - data_start;
  Loaded out;
  std::vector<Entry> entries;
  for (auto it = header.begin(); it != header.end(); ++it) {
    if (it.key() == kMetadataKey) {
      out.metadata = parse_metadata(path, it.value());
      continue;
    }
    entries.push_back(parse_entry(path, it.key(), it.value(), data_bytes));
  }
  // The tensors must tile the data section: sorted by offset, each begins where the last ended.
  std::vector<const Entry*> order;
  for (const Entry& e : entries) order.push_back(&e);
  std::sort(order.begin(), order.end(), [](const Entry* a, const Entry* b) {
    return std::tie(a->begin, a->end) < std::tie(b->begin, b->end);
  });
  uint64_t covered = 0;
  const Entry* prev = nullptr;
  for (const Entry* e : order) {
    if (e->begin < covered)
      fail_load(path, "tensor '", e->name, "' (bytes ", e->begin, "..", e->end,
                ") overlaps tensor '", prev->name, "' (bytes ", prev->begin, "..", prev->end, ")");
    if (e->begin > covered)
      fail_load(path, "bytes ", covered, "..", e->begin,
                " of the data section belong to no tensor (gap before tensor '", e->name, "')");
    covered = e->end;
    prev = e;
  }
  if (covered != data_bytes)
    fail_load(path, "the data section has ", data_bytes, " bytes but the tensors cover only ",
              covered, " (trailing bytes)");
  for (const Entry& e : entries)
    out.tensors.emplace(e.name, read_tensor(file, path, e, data_start));
  return out;
}

void save(const Module& module, const std::string& path, const Metadata& metadata) {
  save_safetensors(path, module.state_dict(), metadata);
}

void load(Module& module, const std::string& path, bool strict) {
  Loaded loaded = load_safetensors(path);
  const StateDict own = module.state_dict();
  std::ostringstream problems;
  for (const auto& [name, t] : own) {
    auto it = loaded.tensors.find(name);
    if (it == loaded.tensors.end()) {
      if (strict) problems << "\n  missing key: " << name;
      continue;
    }
    const Tensor& src = it->second;
    if (!(src.sizes() == t.sizes()))
      problems << "\n  shape mismatch for " << name << ": the file has " << src.sizes()
               << ", the module has " << t.sizes();
    else if (src.dtype() != t.dtype())
      problems << "\n  dtype mismatch for " << name << ": the file has " << dtype_name(src.dtype())
               << ", the module has " << dtype_name(t.dtype());
  }
  if (strict)
    for (const auto& [name, t] : loaded.tensors)
      if (!own.count(name)) problems << "\n  unexpected key: " << name;
  const std::string p = problems.str();
  if (!p.empty())
    fail_op("load", path, "the checkpoint does not match ", module.type_name(), ":", p);
  module.load_state_dict(loaded.tensors, strict);
}

void save_checkpoint(const std::string& path, const CheckpointParts& parts,
                     const Metadata& metadata) {
  if (metadata.count(kPartsKey))
    fail_op("save_checkpoint", path, "metadata key '", kPartsKey, "' is reserved");
  StateDict flat;
  std::string names;
  for (const auto& [part, state] : parts) {
    if (part.empty() || part.find_first_of(".,") != std::string::npos)
      fail_op("save_checkpoint", path, "part name '", part,
              "' must be non-empty and contain no '.' or ','");
    names += (names.empty() ? "" : ",") + part;
    for (const auto& [key, t] : state) flat.emplace(part + "." + key, t);
  }
  Metadata meta = metadata;
  meta[kPartsKey] = names;
  save_safetensors(path, flat, meta);
}

Checkpoint load_checkpoint(const std::string& path) {
  Loaded loaded = load_safetensors(path);
  Checkpoint out;
  if (auto it = loaded.metadata.find(kPartsKey); it != loaded.metadata.end()) {
    std::stringstream names(it->second);
    for (std::string part; std::getline(names, part, ',');)
      if (!part.empty()) out.parts[part];
    loaded.metadata.erase(it);
  }
  out.metadata = std::move(loaded.metadata);
  for (auto& [key, t] : loaded.tensors) {
    size_t dot = key.find('.');
    if (dot == std::string::npos || dot == 0)
      fail_op("load_checkpoint", path, "key '", key,
              "' has no '<part>.' prefix (was the file written by save_checkpoint?)");
    out.parts[key.substr(0, dot)].emplace(key.substr(dot + 1), std::move(t));
  }
  return out;
}

namespace detail {
void set_save_write_hook_for_testing(std::function<void(size_t bytes_written)> hook) {
  write_hook() = std::move(hook);
}
}  // namespace detail

}  // namespace tg::nn
