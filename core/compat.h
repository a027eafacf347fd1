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

/// While alive, drops LibTorch 1.13's once-per-process "scatter_reduce() is in beta" warning
/// (scatter_reduce's "amax" is the same operation in 2.x) and passes every other warning on to
/// the handler that was there before. The handler's signature differs between the versions.
class QuietScatterReduceWarning : public c10::WarningHandler {
 public:
#if ATTNZOO_TORCH_AT_LEAST(2, 0)
  QuietScatterReduceWarning() : previous_(c10::WarningUtils::get_warning_handler()) {
    c10::WarningUtils::set_warning_handler(this);
  }
  ~QuietScatterReduceWarning() override {
    c10::WarningUtils::set_warning_handler(previous_);
  }
  void process(const c10::Warning& warning) override {
    if (warning.msg().find("scatter_reduce() is in beta") == std::string::npos)
      previous_->process(warning);
  }
#else
  QuietScatterReduceWarning() : previous_(c10::Warning::get_warning_handler()) {
    c10::Warning::set_warning_handler(this);
  }
  ~QuietScatterReduceWarning() override {
    c10::Warning::set_warning_handler(previous_);
  }
  void process(const c10::SourceLocation& location, const std::string& message,
               const bool verbatim) override {
    if (message.find("scatter_reduce() is in beta") == std::string::npos)
      previous_->process(location, message, verbatim);
  }
#endif
  QuietScatterReduceWarning(const QuietScatterReduceWarning&) = delete;
  QuietScatterReduceWarning& operator=(const QuietScatterReduceWarning&) = delete;

 private:
  c10::WarningHandler* previous_;
};

/// self.scatter_reduce(0, index, src, "amax", include_self=true), without 1.13's beta warning.
inline torch::Tensor scatter_amax(const torch::Tensor& self, const torch::Tensor& index,
                                  const torch::Tensor& src) {
  QuietScatterReduceWarning quiet;
  return self.scatter_reduce(0, index, src, "amax", /*include_self=*/true);
}

/// The type of a c10d backend (ProcessGroupGloo, ProcessGroupNCCL): a ProcessGroup in 1.x, a
/// Backend since 2.0, where a ProcessGroup dispatches to backends.
}  // namespace attnzoo::compat
namespace c10d {
class Backend;
class ProcessGroup;
}  // namespace c10d
namespace attnzoo::compat {
#if ATTNZOO_TORCH_AT_LEAST(2, 0)
using DistributedBackend = c10d::Backend;
#else
using DistributedBackend = c10d::ProcessGroup;
#endif

}  // namespace attnzoo::compat
