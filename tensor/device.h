// tensor/device.h — where a tensor's memory lives. Part of every tensor from day one.
#pragma once

#include <cstdint>
#include <iosfwd>
#include <string>

namespace tg {

enum class DeviceType : uint8_t { CPU = 0, CUDA = 1 };
inline constexpr DeviceType kCPU = DeviceType::CPU;
inline constexpr DeviceType kCUDA = DeviceType::CUDA;
inline constexpr int kNumDeviceTypes = 2;

// tg::Device{kCPU} or tg::Device{kCUDA, index}.
struct Device {
  DeviceType type = kCPU;
  int index = 0;

  constexpr bool is_cpu() const { return type == kCPU; }
  constexpr bool is_cuda() const { return type == kCUDA; }
  constexpr bool operator==(const Device&) const = default;
  std::string str() const;  // "cpu" or "cuda:0"
};

// Parses "cpu", "cuda", "cuda:1"; throws tg::Error otherwise.
Device parse_device(const std::string& s);

std::ostream& operator<<(std::ostream& os, const Device& d);

}  // namespace tg
