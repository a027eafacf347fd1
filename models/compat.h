#pragma once
// The one place where differences between LibTorch versions are handled. attnzoo builds against
// Debian's LibTorch 1.13 and official LibTorch 2.x releases; code elsewhere calls these helpers
// instead of testing versions itself.

#include <ATen/CPUGeneratorImpl.h>
#include <torch/types.h>
#include <torch/version.h>

#include <c10/util/Exception.h>

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

/// A CPU random generator of its own, seeded: generated data that does not disturb (or depend on)
/// the global generator that initialisation and dropout draw from.
inline at::Generator seeded_cpu_generator(uint64_t seed) {
  return at::detail::createCPUGenerator(seed);
}

/// self.scatter_reduce(0, index, src, "amax", include_self=true). LibTorch 1.13 prints a
/// once-per-process "scatter_reduce() is in beta" warning for it; the operation is the same in
/// 2.x, so the warning is kept off users' screens. The warning handler's signature differs
/// between the versions.
inline torch::Tensor scatter_amax(const torch::Tensor& self, const torch::Tensor& index,
                                  const torch::Tensor& src) {
#if ATTNZOO_TORCH_AT_LEAST(2, 0)
  struct Quiet : c10::WarningHandler {
    void process(const c10::Warning&) override {}
  } quiet;
  c10::WarningUtils::WarningHandlerGuard guard(&quiet);
#else
  struct Quiet : c10::WarningHandler {
    void process(const c10::SourceLocation&, const std::string&, const bool) override {}
  } quiet;
  c10::Warning::WarningHandlerGuard guard(&quiet);
#endif
  return self.scatter_reduce(0, index, src, "amax", /*include_self=*/true);
}

}  // namespace attnzoo::compat
