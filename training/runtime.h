#pragma once
// Where attnzoo runs: the device (cpu, cuda, auto) and the number of CPU threads.

#include <string>

#include <torch/types.h>

namespace attnzoo {

/// "cpu", "cuda", "cuda:N" or "auto" (cuda when LibTorch has it and a GPU is present, else cpu).
/// Throws std::invalid_argument for an unknown name or cuda asked for where there is none.
torch::Device resolve_device(const std::string& name);

/// Sets LibTorch's intra-op thread count; 0 means one per hardware thread. Returns the count set.
int use_threads(int threads);
inline int use_all_cores() {
  return use_threads(0);
}

}  // namespace attnzoo
