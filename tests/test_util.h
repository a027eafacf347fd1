#pragma once
// Small helpers shared by the test files.

#include <sys/wait.h>

#include <unistd.h>

#include <array>
#include <cstdio>
#include <filesystem>
#include <fstream>
#include <functional>
#include <iterator>
#include <string>
#include <vector>

#include <gtest/gtest.h>
#include <torch/script.h>
#include <torch/torch.h>

namespace attnzoo::testing {

/// Largest absolute difference between two tensors of the same shape.
inline double max_abs_diff(const torch::Tensor& a, const torch::Tensor& b) {
  EXPECT_EQ(a.sizes(), b.sizes());
  if (a.numel() == 0)
    return 0.0;
  return (a.to(torch::kFloat64) - b.to(torch::kFloat64)).abs().max().item<double>();
}

#define EXPECT_TENSOR_NEAR(a, b, tol) \
  EXPECT_LE(::attnzoo::testing::max_abs_diff((a), (b)), (tol)) << #a " vs " #b

/// A [B, n] bool mask, true at real tokens, with the given real length for each example.
inline torch::Tensor lengths_to_mask(const std::vector<int64_t>& lengths, int64_t n) {
  auto mask = torch::zeros({static_cast<int64_t>(lengths.size()), n}, torch::kBool);
  for (size_t b = 0; b < lengths.size(); ++b)
    mask[b].narrow(0, 0, lengths[b]).fill_(true);
  return mask;
}

struct Run {
  int status = -1;
  std::string output;  // stdout and stderr together
};

/// Runs a shell command line, capturing stdout and stderr together.
inline Run shell(const std::string& command) {
  Run run;
  FILE* pipe = popen((command + " 2>&1").c_str(), "r");
  if (!pipe)
    return run;
  std::array<char, 4096> buffer{};
  size_t n;
  while ((n = fread(buffer.data(), 1, buffer.size(), pipe)) > 0)
    run.output.append(buffer.data(), n);
  const int raw = pclose(pipe);
  run.status = WIFEXITED(raw) ? WEXITSTATUS(raw) : -1;
  return run;
}

/// An empty directory of its own for one test: TMP/attnzoo_AREA_NAME_PID, emptied if it exists.
inline std::filesystem::path fresh_dir(const std::string& area, const std::string& name) {
  auto dir = std::filesystem::temp_directory_path() /
             ("attnzoo_" + area + "_" + name + "_" + std::to_string(::getpid()));
  std::filesystem::remove_all(dir);
  std::filesystem::create_directories(dir);
  return dir;
}

/// Copies every parameter of `from` into the same-named parameter of `to` (same architecture).
inline void copy_parameters(const torch::nn::Module& from, torch::nn::Module& to) {
  torch::NoGradGuard no_grad;
  const auto source = from.named_parameters();
  for (auto& p : to.named_parameters())
    p.value().copy_(source[p.key()]);
}

/// A text-lines dataset in `dir`: train.pos and train.neg, two classes of 40 short lines told
/// apart by their words.
inline void write_text_lines_dataset(const std::filesystem::path& dir) {
  std::filesystem::create_directories(dir);
  std::ofstream pos(dir / "train.pos"), neg(dir / "train.neg");
  for (int i = 0; i < 40; ++i) {
    pos << "good great fine nice " << i << "\n";
    neg << "bad awful poor sad " << i << "\n";
  }
}

/// A text-lines model small enough for a CLI test, pinned rather than the kind's defaults: every
/// word kept, light dropout for data this small. The learning rate is the caller's.
inline const char* kTinyTextModel =
    "train --dataset text-lines --d-model 16 --heads 2 --layers 1 --batch-size 8 --threads 1 "
    "--min-frequency 1 --pooling cls --dropout 0.1 ";

/// The whole text of a file ("" when it cannot be read).
inline std::string read_text(const std::filesystem::path& path) {
  std::ifstream in(path);
  return {std::istreambuf_iterator<char>(in), std::istreambuf_iterator<char>()};
}

inline bool contains(const std::string& text, const std::string& part) {
  return text.find(part) != std::string::npos;
}

/// The message of the exception `call` throws, or "(no exception)".
inline std::string message_of(const std::function<void()>& call) {
  try {
    call();
  } catch (const std::exception& e) {
    return e.what();
  }
  return "(no exception)";
}

/// Inputs and expected outputs of an exported model, saved as a TorchScript module that
/// tests/reference/check_export.py replays through Python's torch.jit.load.
class ExportCases {
 public:
  void add(const std::vector<torch::Tensor>& inputs, const torch::Tensor& expected) {
    const auto i = std::to_string(count_++);
    for (size_t j = 0; j < inputs.size(); ++j)
      module_.register_buffer("in" + i + "_" + std::to_string(j), inputs[j]);
    module_.register_buffer("expected" + i, expected);
    arity_ = static_cast<int64_t>(inputs.size());
  }
  void save(const std::string& path) {
    module_.register_attribute("count", c10::IntType::get(), count_);
    module_.register_attribute("arity", c10::IntType::get(), arity_);
    module_.save(path);
  }

 private:
  torch::jit::Module module_{"Cases"};
  int64_t count_ = 0, arity_ = 0;
};

/// Whether Debian's python3-torch is there to load exports with.
inline bool python_torch_available() {
  return shell("/usr/bin/python3 -c 'import torch'").status == 0;
}

/// Replays `cases_path` on the export `model_path` through Python (check_export.py).
inline Run check_export_in_python(const std::string& model_path, const std::string& cases_path) {
  return shell("/usr/bin/python3 " + std::string(ATTNZOO_SOURCE_DIR) +
               "/tests/reference/check_export.py " + model_path + " " + cases_path);
}

}  // namespace attnzoo::testing
