#include "models/attention/score_function.h"

#include <torch/nn/init.h>

namespace attnzoo {

ScoreFunctionImpl::ScoreFunctionImpl(const ScoreFunctionOptions& options_) : options(options_) {
  reset();
}

void ScoreFunctionImpl::reset() {
  if (options.score() != Score::kAdditive)
    return;
  TORCH_CHECK(options.additive_dim() > 0, "additive_dim must be positive");
  w_query = register_module(
      "w_query",
      torch::nn::Linear(
          torch::nn::LinearOptions(options.head_dim(), options.additive_dim()).bias(true)));
  w_key = register_module(
      "w_key",
      torch::nn::Linear(
          torch::nn::LinearOptions(options.head_dim(), options.additive_dim()).bias(false)));
  v = register_parameter("v", torch::empty({options.additive_dim()}));
  const double bound = 1.0 / std::sqrt(static_cast<double>(options.additive_dim()));
  torch::NoGradGuard no_grad;
  v.uniform_(-bound, bound);
}

torch::Tensor ScoreFunctionImpl::forward(const torch::Tensor& q, const torch::Tensor& k) {
  if (options.score() == Score::kDot)
    return dot_product_scores(q, k);
  // [..., n, 1, a] + [..., 1, m, a] -> tanh -> . v -> [..., n, m]
  auto hidden = torch::tanh(w_query(q).unsqueeze(-2) + w_key(k).unsqueeze(-3));
  return torch::matmul(hidden, v);
}

}  // namespace attnzoo
