#pragma once
// Positional encodings added to token embeddings: without them self-attention is
// permutation-equivariant and cannot tell "dog bites man" from "man bites dog".
// Sinusoidal positions are computed for the length at hand, so they accept any length; only a
// learned table bounds the length, by its number of rows.

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
  explicit PositionalEncodingOptions(int64_t d_model) : d_model_(d_model) {}
  TORCH_ARG(int64_t, d_model);
  TORCH_ARG(PositionalKind, kind) = PositionalKind::kSinusoidal;
  /// Rows of the learned table: the longest sequence learned positions accept. Unused by the
  /// other kinds, which accept any length.
  TORCH_ARG(int64_t, max_positions) = 512;
};

/// x [B, n, d] -> x + PE[0:n].
class PositionalEncodingImpl : public torch::nn::Cloneable<PositionalEncodingImpl> {
 public:
  explicit PositionalEncodingImpl(const PositionalEncodingOptions& options);
  void reset() override;
  torch::Tensor forward(const torch::Tensor& x);

  PositionalEncodingOptions options;
  torch::Tensor table;  ///< [max_positions, d]: the learned parameter (undefined for other kinds)
};
TORCH_MODULE(PositionalEncoding);

/// The longest sequence positions of `kind` accept: `max_positions` for a learned table, else 0
/// (any length).
int64_t positions_max_length(PositionalKind kind, int64_t max_positions);

/// The sinusoidal table of "Attention is all you need", [length, d_model] float32, computed in
/// float64 on `device`.
torch::Tensor sinusoidal_table(int64_t length, int64_t d_model, torch::Device device = torch::kCPU);

}  // namespace attnzoo
