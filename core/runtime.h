#pragma once
// Where attnzoo runs: the device (cpu, cuda, auto), the number of CPU threads and how the C
// library's allocator treats freed tensors.

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

/// Lets glibc's malloc keep freed blocks of up to 128 MB in its heap, and up to 1 GB free at its
/// top, instead of unmapping them: a training step or a benchmark run allocates the same tensors
/// again and again, and by default every block over 32 MB is mapped afresh each time, paying a
/// page fault and a zeroing per 4 KB (for long sequences, a third of the time). The heap then
/// stays at the step's peak between steps, which the next step reaches anyway. This is
/// what PyTorch's CPU tuning guide gets by preloading jemalloc or tcmalloc. Blocks over 128 MB
/// (dense n x n scores) are still mapped and unmapped. Kept blocks are reused only when sizes
/// repeat: batches are padded to few lengths for this (padded_batch_length, datasets/batch.h);
/// with every length the heap grew to 24 GB. Does nothing where GLIBC_TUNABLES sets a
/// malloc option (the user's choice wins) or the C library is not glibc. Returns whether it
/// changed the settings.
bool keep_freed_memory();

}  // namespace attnzoo
