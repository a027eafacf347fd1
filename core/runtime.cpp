#include "core/runtime.h"

#include <algorithm>
#include <cstdlib>
#include <cstring>
#include <stdexcept>
#include <thread>

#if defined(__GLIBC__)
#include <malloc.h>
#endif

#include <fmt/core.h>
#include <torch/cuda.h>
#include <torch/utils.h>

namespace attnzoo {

torch::Device resolve_device(const std::string& name) {
  if (name == "auto")
    return torch::cuda::is_available() ? torch::kCUDA : torch::kCPU;
  if (name == "cpu")
    return torch::kCPU;
  if (name.rfind("cuda", 0) == 0) {
    if (!torch::cuda::is_available()) {
      throw std::invalid_argument("--device " + name +
                                  ": this LibTorch has no CUDA or no GPU is visible");
    }
    try {
      return torch::Device(name);
    } catch (const std::exception&) {
      throw std::invalid_argument("--device: cannot parse '" + name + "', expected cuda or cuda:N");
    }
  }
  throw std::invalid_argument("--device must be cpu, cuda, cuda:N or auto, got '" + name + "'");
}

int use_threads(int threads) {
  const int cores = static_cast<int>(std::max(1u, std::thread::hardware_concurrency()));
  if (threads <= 0) {
    // The workers of a data-parallel run on one machine share its cores (torchrun's
    // LOCAL_WORLD_SIZE says how many there are).
    const char* local = std::getenv("LOCAL_WORLD_SIZE");
    const int workers = local ? std::max(1, std::atoi(local)) : 1;
    threads = std::max(1, cores / workers);
  }
  if (threads > cores) {
    // More threads than cores only adds contention (a thousand stall the thread pool's start).
    fmt::print(stderr, "warning: --threads {} is more than this machine's {} cores; using {}\n",
               threads, cores, cores);
    threads = cores;
  }
  torch::set_num_threads(threads);
  return threads;
}

bool keep_freed_memory() {
#if defined(__GLIBC__)
  const char* tunables = std::getenv("GLIBC_TUNABLES");
  if (tunables != nullptr && std::strstr(tunables, "glibc.malloc.") != nullptr)
    return false;
  constexpr int kMapAbove = 128 << 20, kTrimAbove = 1 << 30;
  return mallopt(M_MMAP_THRESHOLD, kMapAbove) == 1 && mallopt(M_TRIM_THRESHOLD, kTrimAbove) == 1;
#else
  return false;
#endif
}

}  // namespace attnzoo
