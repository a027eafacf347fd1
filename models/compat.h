#pragma once
// The one place where differences between LibTorch versions are handled. attnzoo builds against
// Debian's LibTorch 1.13 and official LibTorch 2.x releases; code elsewhere calls these helpers
// instead of testing versions itself.

#include <ATen/CPUGeneratorImpl.h>
#include <torch/types.h>
#include <torch/version.h>

#include <mutex>

#define ATTNZOO_TORCH_AT_LEAST(major, minor) \
  (TORCH_VERSION_MAJOR > (major) ||          \
   (TORCH_VERSION_MAJOR == (major) && TORCH_VERSION_MINOR >= (minor)))

namespace attnzoo::compat {

/// "MAJOR.MINOR.PATCH" of the LibTorch attnzoo was compiled against.
inline const char* torch_version() {
  return TORCH_VERSION;
}

/// The state of LibTorch's default CPU random generator (dropout, initialisation), to save with a
/// checkpoint so that a resumed run draws the same numbers as one never stopped.
inline torch::Tensor cpu_rng_state() {
  auto& generator = const_cast<at::Generator&>(at::detail::getDefaultCPUGenerator());
  std::lock_guard<std::mutex> lock(generator.mutex());
  return generator.get_state();
}

inline void set_cpu_rng_state(const torch::Tensor& state) {
  auto& generator = const_cast<at::Generator&>(at::detail::getDefaultCPUGenerator());
  std::lock_guard<std::mutex> lock(generator.mutex());
  generator.set_state(state);
}

}  // namespace attnzoo::compat
