#include "models/attention/block_sparse/joint_softmax.h"

#include <limits>

#include <torch/autograd.h>
#include <torch/torch.h>

namespace attnzoo::block_sparse {

namespace {

// normalize_parts' softmax, written as one autograd
// function that keeps a single tensor per part for the backward pass -- the weights, which the
// product with the values keeps anyway -- instead of the several score-sized intermediates of
// masked_fill + softmax + masked_fill. Memory and time of the sparse kernel are dominated by
// score-sized tensors, so this matters.
class JointMaskedSoftmax : public torch::autograd::Function<JointMaskedSoftmax> {
 public:
  static torch::autograd::variable_list forward(torch::autograd::AutogradContext* ctx,
                                                torch::TensorList scores,
                                                std::vector<torch::Tensor> allowed) {
    const double minus_inf = -std::numeric_limits<double>::infinity();
    std::vector<torch::Tensor> weights;
    torch::Tensor row_max;
    for (size_t i = 0; i < scores.size(); ++i) {
      weights.push_back(torch::where(allowed[i], scores[i], minus_inf));
      auto part_max = std::get<0>(weights.back().max(-1, /*keepdim=*/true));
      row_max = row_max.defined() ? torch::maximum(row_max, part_max) : part_max;
    }
    // A row with no allowed key has max -inf: shift it by 0 instead, so that its exps are
    // exp(-inf) = 0 and its sum 0, which is then divided by 1: zeros, never NaN.
    row_max.masked_fill_(row_max == minus_inf, 0.0);
    torch::Tensor row_sum;
    for (auto& w : weights) {
      w.sub_(row_max).exp_();
      auto part_sum = w.sum(-1, /*keepdim=*/true);
      row_sum = row_sum.defined() ? row_sum + part_sum : part_sum;
    }
    row_sum.masked_fill_(row_sum == 0, 1.0);
    for (auto& w : weights)
      w.div_(row_sum);
    ctx->save_for_backward(weights);
    return weights;
  }

  // With w = softmax(s) over all parts: ds_i = w_i * g_i - w_i * sum_parts sum_keys (g * w),
  // built in place in one new tensor per part.
  static torch::autograd::variable_list backward(torch::autograd::AutogradContext* ctx,
                                                 torch::autograd::variable_list grads) {
    auto weights = ctx->get_saved_variables();
    torch::autograd::variable_list result;
    torch::Tensor dot;
    for (size_t i = 0; i < weights.size(); ++i) {
      result.push_back(grads[i] * weights[i]);
      auto part = result.back().sum(-1, /*keepdim=*/true);
      dot = dot.defined() ? dot + part : part;
    }
    for (size_t i = 0; i < weights.size(); ++i)
      result[i].addcmul_(weights[i], dot, -1.0);
    result.emplace_back();  // no gradient for the masks
    return result;
  }
};

}  // namespace

std::vector<torch::Tensor> normalize_parts(const std::vector<torch::Tensor>& scores,
                                           const std::vector<torch::Tensor>& allowed,
                                           Normalization normalization) {
  if (normalization == Normalization::kSoftmax)
    // (As a TensorList the scores are autograd inputs; a std::vector would be a constant.)
    return JointMaskedSoftmax::apply(torch::TensorList(scores), allowed);
  torch::Tensor count;
  for (size_t i = 0; i < scores.size(); ++i) {
    auto part = allowed[i].expand_as(scores[i]).sum(-1, /*keepdim=*/true);
    count = count.defined() ? count + part : part;
  }
  count = count.clamp_min(1).to(scores[0].scalar_type());
  std::vector<torch::Tensor> weights;
  for (size_t i = 0; i < scores.size(); ++i) {
    weights.push_back(torch::relu(scores[i]).masked_fill(~allowed[i], 0.0) / count);
  }
  return weights;
}

}  // namespace attnzoo::block_sparse
