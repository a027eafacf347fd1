#pragma once
// Linear attention (Katharopoulos et al., 2020, "Transformers are RNNs"): the softmax kernel
// exp(q . k) is replaced by phi(q) . phi(k) with the feature map phi(x) = elu(x) + 1, so that
//   out_i = phi(q_i)^T (sum_j phi(k_j) v_j^T) / phi(q_i)^T (sum_j phi(k_j))
// costs n * d^2 instead of n^2 * d. Non-causal attention sums over every real key; causal
// attention (`causal`) over the keys j <= i, as a cumulative sum over chunks of queries: the
// chunk's own keys as a small masked product, the earlier chunks' as one prefix state each, so
// that memory grows with n * d^2 / chunk + n * chunk, never n^2.

#include <string>

#include "models/attention/multi_head_attention.h"

namespace attnzoo {

struct LinearAttentionOptions {
  LinearAttentionOptions(int64_t d_model, int64_t heads) : d_model_(d_model), heads_(heads) {}
  TORCH_ARG(int64_t, d_model);
  /// Number of heads; must divide d_model.
  TORCH_ARG(int64_t, heads);
  /// Query i sees only the keys j <= i (autoregressive).
  TORCH_ARG(bool, causal) = false;
  /// causal: queries per chunk of the cumulative sum; speed and memory only, never the result.
  TORCH_ARG(int64_t, chunk) = 64;
  /// Whether the input and output projections have biases.
  TORCH_ARG(bool, bias) = true;
};

/// phi(x) = elu(x) + 1, positive everywhere.
torch::Tensor linear_feature_map(const torch::Tensor& x);

/// The linear attention kernel. q, k [B, h, n, d] and v [B, h, n, e] are the projections before
/// the feature map; `mask` [B, n] bool is true at real tokens (undefined: all real). Padded keys
/// contribute nothing; a query that sees no key gets zeros. Returns [B, h, n, e].
torch::Tensor linear_attention(const torch::Tensor& q, const torch::Tensor& k,
                               const torch::Tensor& v, const torch::Tensor& mask, bool causal,
                               int64_t chunk);

/// The same attention as an explicit n x n matrix of weights phi(q_i) . phi(k_j) / row sum over
/// the allowed keys: the oracle of the tests. Returns {output [B, h, n, e], weights [B, h, n, n]}.
std::pair<torch::Tensor, torch::Tensor> dense_linear_attention(const torch::Tensor& q,
                                                               const torch::Tensor& k,
                                                               const torch::Tensor& v,
                                                               const torch::Tensor& mask,
                                                               bool causal);

/// A MultiHeadAttention (the same projections and parameter names) whose heads attend linearly.
/// Attention dropout does not apply: no weights are formed.
class LinearAttentionImpl : public MultiHeadAttentionImpl {
 public:
  explicit LinearAttentionImpl(const LinearAttentionOptions& options);

  /// The weights, when asked for, are formed explicitly (n^2: for inspection of short inputs).
  AttentionOutput forward(const torch::Tensor& x, const torch::Tensor& mask = {},
                          bool need_weights = false) override;

  /// forward() through dense_linear_attention: the oracle.
  AttentionOutput dense_forward(const torch::Tensor& x, const torch::Tensor& mask = {});

  std::string script_source() const override;

  LinearAttentionOptions linear_options;
};
TORCH_MODULE(LinearAttention);

}  // namespace attnzoo
