// kernels/backend.cpp — device -> backend lookup.
#include "backend.h"

namespace tg::kernels {

#ifndef TG_WITH_CUDA
Backend* cuda_backend(int) { return nullptr; }
#endif

Backend& backend(Device device, const char* op) {
  if (device.is_cpu()) return cpu_backend();
  Backend* b = cuda_backend(device.index);
  TG_CHECK(b != nullptr, op, ": tensor is on ", device.str(),
#ifdef TG_WITH_CUDA
           " but no CUDA device is available on this machine"
#else
           " but tapegrad was built without CUDA support (configure with -DTG_CUDA=ON)"
#endif
  );
  return *b;
}

bool has_backend(DeviceType type) { return type == kCPU || cuda_backend() != nullptr; }

}  // namespace tg::kernels
