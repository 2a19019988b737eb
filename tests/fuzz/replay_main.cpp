// tests/fuzz/replay_main.cpp — runs a fuzz target over saved inputs without libFuzzer, so any
// compiler (and the sanitizer CI build) replays the committed corpus.
//
// Usage: fuzz_replay_<target> PATH...   (each PATH a file, or a folder whose files are all run)
// Fails when no input was found: an empty corpus would otherwise pass silently.
#include <algorithm>
#include <cstdio>
#include <exception>
#include <filesystem>
#include <fstream>
#include <iterator>
#include <string>
#include <vector>

#include "fuzz_util.h"

int main(int argc, char** argv) {
  namespace fs = std::filesystem;
  std::vector<fs::path> inputs;
  for (int a = 1; a < argc; ++a) {
    fs::path p = argv[a];
    if (fs::is_directory(p)) {
      for (const auto& e : fs::directory_iterator(p))
        if (e.is_regular_file()) inputs.push_back(e.path());
    } else if (fs::is_regular_file(p)) {
      inputs.push_back(p);
    } else {
      std::fprintf(stderr, "replay: %s: no such file or folder\n", argv[a]);
      return 1;
    }
  }
  std::sort(inputs.begin(), inputs.end());
  if (inputs.empty()) {
    std::fprintf(stderr, "replay: no inputs (usage: %s CORPUS_DIR_OR_FILE...)\n", argv[0]);
    return 1;
  }
  for (const auto& p : inputs) {
    std::ifstream in(p, std::ios::binary);
    std::string bytes((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
    try {
      LLVMFuzzerTestOneInput(reinterpret_cast<const uint8_t*>(bytes.data()), bytes.size());
    } catch (const std::exception& e) {  // the targets let only unexpected exceptions through
      std::fprintf(stderr, "replay: %s: uncaught exception: %s\n", p.c_str(), e.what());
      return 1;
    }
  }
  std::printf("replay: %zu inputs, no crash\n", inputs.size());
  return 0;
}
