#pragma once
// Positional encodings added to token embeddings: without them self-attention is
// permutation-equivariant and cannot tell "dog bites man" from "man bites dog".

#include <string>

#include <torch/nn/module.h>
#include <torch/nn/pimpl.h>

namespace attnzoo {

enum class PositionalKind {
  kNone,        ///< no positional information
  kSinusoidal,  ///< PE(pos, 2i) = sin(pos / 10000^(2i/d)), PE(pos, 2i+1) = cos(pos / 10000^(2i/d))
  kLearned,     ///< a trained vector per position
};

const char* to_string(PositionalKind kind);
PositionalKind parse_positional(const std::string& name);  // throws std::invalid_argument

struct PositionalEncodingOptions {
  PositionalEncodingOptions(int64_t d_model, int64_t max_length)
      : d_model_(d_model), max_length_(max_length) {}
  TORCH_ARG(int64_t, d_model);
  /// Longest sequence the encoding covers.
  TORCH_ARG(int64_t, max_length);
  TORCH_ARG(PositionalKind, kind) = PositionalKind::kSinusoidal;
};

/// x [B, n, d] -> x + PE[0:n].
class PositionalEncodingImpl : public torch::nn::Cloneable<PositionalEncodingImpl> {
 public:
  explicit PositionalEncodingImpl(const PositionalEncodingOptions& options);
  void reset() override;
  torch::Tensor forward(const torch::Tensor& x);

  PositionalEncodingOptions options;
  torch::Tensor table;  ///< [max_length, d]: a buffer (sinusoidal) or a parameter (learned)
};
TORCH_MODULE(PositionalEncoding);

/// The sinusoidal table of "Attention is all you need", [length, d_model].
torch::Tensor sinusoidal_table(int64_t length, int64_t d_model);

}  // namespace attnzoo
