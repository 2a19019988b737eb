// bench/bench_main.cpp — registers every tapegrad op benchmark and records the machine context.
//
// Run: build/bin/bench_ops [--benchmark_filter=REGEX] [--benchmark_format=json] ...
// Thread count comes from OMP_NUM_THREADS. The JSON "context" gets the fp32 peak assumption.
#include <fstream>
#include <string>

#include "bench_common.h"

namespace tgbench {
double cpuinfo_ghz();
double flop_per_cycle();
std::string flop_per_cycle_why();
double nominal_peak_flops();
double measured_core_flops();
void register_peak();
void register_elementwise();
void register_reduce();
void register_linalg();
void register_index();
}  // namespace tgbench

namespace {

std::string cpu_model() {
  std::ifstream in("/proc/cpuinfo");
  std::string line;
  while (std::getline(in, line))
    if (line.rfind("model name", 0) == 0) return line.substr(line.find(':') + 2);
  return "unknown";
}

}  // namespace

int main(int argc, char** argv) {
  using namespace tgbench;
  benchmark::AddCustomContext("library", std::string("tapegrad ") + tg::kVersion);
  benchmark::AddCustomContext("cpu_model", cpu_model());
  benchmark::AddCustomContext("omp_threads", std::to_string(threads()));
  benchmark::AddCustomContext("gemm_backend", tg::gemm_backend());
  // peak_frac counters divide by the measured peak; the nominal formula is recorded beside it.
  benchmark::AddCustomContext("fp32_peak_gflops", std::to_string(fp32_peak_flops() / 1e9));
  benchmark::AddCustomContext(
      "fp32_peak_method", std::to_string(threads()) + " threads x " +
                              std::to_string(measured_core_flops() / 1e9) +
                              " GFLOP/s measured on one core (" + std::string(measured_peak_loop().name) +
                              ", " + std::to_string(measured_peak_loop().lanes) +
                              " fp32 lanes per FMA)");
  benchmark::AddCustomContext("fp32_nominal_peak_gflops", std::to_string(nominal_peak_flops() / 1e9));
  benchmark::AddCustomContext(
      "fp32_nominal_peak_formula",
      std::to_string(threads()) + " cores x " + std::to_string(cpuinfo_ghz()) +
          " GHz (/proc/cpuinfo) x " + std::to_string(flop_per_cycle()) +
          " FLOP/cycle (" + flop_per_cycle_why() + ")");
  register_peak();
  register_elementwise();
  register_reduce();
  register_linalg();
  register_index();
  benchmark::Initialize(&argc, argv);
  if (benchmark::ReportUnrecognizedArguments(argc, argv)) return 1;
  benchmark::RunSpecifiedBenchmarks();
  benchmark::Shutdown();
  return 0;
}
