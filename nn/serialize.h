// nn/serialize.h — checkpoints in the safetensors format
// (https://github.com/huggingface/safetensors).
//
// File layout: an 8-byte little-endian u64 N, N bytes of UTF-8 JSON, then the raw tensor data:
//   {"__metadata__": {"key": "value", ...},
//    "<name>": {"dtype": "F32", "shape": [2, 3], "data_offsets": [begin, end]}, ...}
// Offsets count from the first byte after the header; every tensor is stored contiguous,
// row-major, little-endian, and the tensors tile the data section exactly (no gaps, no overlap).
// We write what the Python package writes: the header padded with spaces to a multiple of 8 bytes,
// the tensors ordered by dtype (I64, F64, F32, BOOL: larger elements first, so every tensor is
// aligned) then by name. Without metadata our files are byte-identical to Python's.
//
// Saving is atomic: the bytes go to a temporary file in the target's directory, which is fsync'd
// and rename()d over the target, so a crash mid-save leaves the previous file intact.
// Loading validates everything before it trusts it: a malformed file throws tg::Error naming the
// file, the tensor and the problem; it never reads out of bounds.
//
// dtypes: we write F32, F64, I64 and BOOL. We also read F16 and BF16 (widened to float32) and
// I8, I16, I32, U8, U16, U32 (widened to int64), all exactly; U64 loads as int64 when every value
// fits and throws otherwise. Other dtypes (F8_*, complex, ...) throw an "unsupported dtype" error.
#pragma once

#include <cstddef>
#include <functional>
#include <map>
#include <string>

#include "module.h"

namespace tg::nn {

using Metadata = std::map<std::string, std::string>;

// Writes `tensors` (any device or layout; copied to the host contiguously) and `metadata` to
// `path` atomically. Names must be valid UTF-8 and not "__metadata__"; sparse tensors are refused.
void save_safetensors(const std::string& path, const StateDict& tensors,
                      const Metadata& metadata = {});

struct Loaded {
  StateDict tensors;  // contiguous CPU tensors
  Metadata metadata;  // the "__metadata__" entry (empty when the file has none)
};

// Reads and validates a safetensors file.
Loaded load_safetensors(const std::string& path);

// module.state_dict() -> path.
void save(const Module& module, const std::string& path, const Metadata& metadata = {});
// path -> module.load_state_dict(). Shapes and dtypes must match the module's tensors; with
// strict, the keys must match exactly too. Throws tg::Error naming the file and every bad key.
void load(Module& module, const std::string& path, bool strict = true);

// Several state dicts in one file, e.g. {{"model", m.state_dict()}, {"optimizer",
// opt.state_dict()}}. Keys are stored as "<part>.<key>"; part names are non-empty and contain no
// '.'. The part names are also recorded in the metadata key "tapegrad.parts", so a part with no
// tensors survives.
using CheckpointParts = std::map<std::string, StateDict>;
void save_checkpoint(const std::string& path, const CheckpointParts& parts,
                     const Metadata& metadata = {});

struct Checkpoint {
  CheckpointParts parts;
  Metadata metadata;  // without the "tapegrad.parts" entry
};

// Splits the keys of a file written by save_checkpoint (or any file whose keys are
// "<part>.<rest>").
Checkpoint load_checkpoint(const std::string& path);

namespace detail {
// For tests only: called after each chunk of the temporary file is written, with the total bytes
// written so far. It may throw (the save then cleans up and rethrows) or kill the process (to
// simulate a crash). Pass an empty function to remove it. Not thread-safe.
void set_save_write_hook_for_testing(std::function<void(size_t bytes_written)> hook);
}  // namespace detail

}  // namespace tg::nn
