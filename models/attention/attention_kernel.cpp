#include "models/attention/attention_kernel.h"

#include <cmath>
#include <stdexcept>
#include <string>

namespace attnzoo {

const char* to_string(Normalization n) {
  return n == Normalization::kSoftmax ? "softmax" : "relu";
}

const char* to_string(Score s) {
  return s == Score::kDot ? "dot" : "additive";
}

Normalization parse_normalization(const std::string& name) {
  if (name == "softmax")
    return Normalization::kSoftmax;
  if (name == "relu")
    return Normalization::kRelu;
  throw std::invalid_argument("normalization must be 'softmax' or 'relu', got '" + name + "'");
}

Score parse_score(const std::string& name) {
  if (name == "dot")
    return Score::kDot;
  if (name == "additive")
    return Score::kAdditive;
  throw std::invalid_argument("score must be 'dot' or 'additive', got '" + name + "'");
}

torch::Tensor dot_product_scores(const torch::Tensor& q, const torch::Tensor& k) {
  // Scaling the n x d queries rather than the n x m scores: one pass fewer over the largest tensor.
  const double scale = 1.0 / std::sqrt(static_cast<double>(q.size(-1)));
  return torch::matmul(q * scale, k.transpose(-2, -1));
}

torch::Tensor normalize_scores(const torch::Tensor& scores, const torch::Tensor& allowed,
                               Normalization normalization) {
  if (normalization == Normalization::kRelu) {
    if (!allowed.defined()) {
      return torch::relu(scores) / static_cast<double>(scores.size(-1));
    }
    auto allowed_b = allowed.expand_as(scores);
    auto count = allowed_b.sum(-1, /*keepdim=*/true).clamp_min(1).to(scores.scalar_type());
    return torch::relu(scores).masked_fill(~allowed_b, 0.0) / count;
  }
  if (!allowed.defined())
    return torch::softmax(scores, -1);
  // Rows with no allowed key would be softmax(-inf, ..., -inf) = NaN; give them finite scores and
  // zero them afterwards, so neither the output nor the gradient ever sees a NaN.
  auto allowed_b = allowed.expand_as(scores);
  auto row_has_key = allowed_b.any(-1, /*keepdim=*/true);
  auto masked = scores.masked_fill(~allowed_b, -std::numeric_limits<double>::infinity())
                    .masked_fill(~row_has_key, 0.0);
  return torch::softmax(masked, -1).masked_fill(~allowed_b, 0.0);
}

torch::Tensor key_padding_to_allowed(const torch::Tensor& mask) {
  if (!mask.defined())
    return {};
  TORCH_CHECK(mask.dim() == 2 && mask.scalar_type() == torch::kBool,
              "key padding mask must be a [batch, length] bool tensor, got ", mask.sizes(), " ",
              mask.scalar_type());
  return mask.unsqueeze(1).unsqueeze(1);  // [B, 1, 1, m]
}

std::pair<torch::Tensor, torch::Tensor> dense_attention(const torch::Tensor& q,
                                                        const torch::Tensor& k,
                                                        const torch::Tensor& v,
                                                        const torch::Tensor& allowed,
                                                        Normalization normalization) {
  auto weights = normalize_scores(dot_product_scores(q, k), allowed, normalization);
  return {torch::matmul(weights, v), weights};
}

}  // namespace attnzoo
