// tests/fuzz/fuzz_util.h — what the libFuzzer targets share: a scratch folder on tmpfs and a tiny
// multi-file container, so one fuzz input can describe a whole MovieLens folder.
//
// Container format (readable, so seeds can be written by hand):
//   bytes before the first marker      -> the target's main file (e.g. u.data)
//   "\n--- NAME\n" (or at offset 0)    -> starts file NAME; NAME must be one the target allows
// A marker with a name the target does not allow is kept as content, so the fuzzer can still
// mutate its way to any byte sequence.
#pragma once

#include <cstddef>
#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

namespace tg::fuzz {

struct FuzzFile {
  std::string name;
  std::string_view content;
};

// Splits `data` into files; `main` names the file the leading bytes go to.
std::vector<FuzzFile> split_files(std::string_view data, const std::string& main,
                                  const std::vector<std::string>& allowed);

// A private folder (under /dev/shm when it exists, else $TMPDIR or /tmp), created on first use
// and removed (with everything in it) at exit. write() makes the files it wrote be exactly
// `files` (files written before and not named again are deleted).
class Scratch {
 public:
  static Scratch& get();
  const std::string& dir() const { return dir_; }
  void write(const std::vector<FuzzFile>& files);
  std::string write_one(const std::string& name, std::string_view content);
  ~Scratch();

 private:
  Scratch();
  std::string dir_;
  std::vector<std::string> written_;
};

}  // namespace tg::fuzz

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size);
