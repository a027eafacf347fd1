#pragma once
// Checkpoints are written to a temporary file and renamed into place, so a run killed while saving
// never leaves a broken one.

#include <string>

#include <torch/nn/module.h>

namespace attnzoo {

void save_module(const torch::nn::Module& module, const std::string& path);
/// Throws std::runtime_error naming the file when it is missing or does not fit the module.
void load_module(torch::nn::Module& module, const std::string& path);

/// A module's parameters and buffers as bytes in memory, and back.
std::string module_state(const torch::nn::Module& module);
void restore_module_state(torch::nn::Module& module, const std::string& state);

/// Writes `text` to `path` through a temporary file and a rename.
void write_file_atomically(const std::string& path, const std::string& text);

}  // namespace attnzoo
