#pragma once
// The dense attention computation shared by the dense variants, and the oracle that every sparse
// variant is tested against: it takes scores for all n x m (query, key) pairs and a boolean mask of
// the pairs that are allowed.

#include <torch/types.h>

namespace attnzoo {

/// How scores become attention weights.
///  - kSoftmax: alpha_ij = exp(s_ij) / sum_{j' allowed} exp(s_ij')   over the allowed keys j.
///  - kRelu:    alpha_ij = relu(s_ij) / L_i, where L_i is the number of keys query i may see
///              (ReLU attention as in Wortsman et al., 2023: rows need not sum to one, and the
///              division by L_i keeps outputs on the scale of a mean).
/// In both, disallowed pairs get alpha_ij = 0, and a query with no allowed key gets all zeros.
enum class Normalization { kSoftmax, kRelu };

/// How a query and a key are scored.
///  - kDot:      s_ij = q_i . k_j / sqrt(d)          (scaled dot product)
///  - kAdditive: s_ij = v^T tanh(W1 q_i + W2 k_j)      (Bahdanau-style additive scoring)
enum class Score { kDot, kAdditive };

const char* to_string(Normalization n);
const char* to_string(Score s);
Normalization parse_normalization(const std::string& name);  // throws std::invalid_argument
Score parse_score(const std::string& name);                  // throws std::invalid_argument

/// Scaled dot-product scores: q [..., n, d], k [..., m, d] -> [..., n, m].
torch::Tensor dot_product_scores(const torch::Tensor& q, const torch::Tensor& k);

/// Turns scores [..., n, m] into weights. `allowed` is a bool tensor broadcastable to the scores'
/// shape (undefined = everything allowed).
torch::Tensor normalize_scores(const torch::Tensor& scores, const torch::Tensor& allowed,
                               Normalization normalization);

/// Key padding mask [B, m] (true at real tokens) as a mask broadcastable to [B, heads, n, m].
torch::Tensor key_padding_to_allowed(const torch::Tensor& mask);

/// The dense masked reference: weights = normalize(q k^T / sqrt(d), allowed); output = weights v.
/// q [B, h, n, d], k and v [B, h, m, d]. Returns {output [B, h, n, d], weights [B, h, n, m]}.
std::pair<torch::Tensor, torch::Tensor> dense_attention(const torch::Tensor& q,
                                                        const torch::Tensor& k,
                                                        const torch::Tensor& v,
                                                        const torch::Tensor& allowed,
                                                        Normalization normalization);

}  // namespace attnzoo
