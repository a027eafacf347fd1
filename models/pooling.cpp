#include "models/pooling.h"

#include <stdexcept>

namespace attnzoo {

const char* to_string(Pooling pooling) {
  return pooling == Pooling::kCls ? "cls" : "mean";
}

Pooling parse_pooling(const std::string& name) {
  if (name == "cls")
    return Pooling::kCls;
  if (name == "mean")
    return Pooling::kMean;
  throw std::invalid_argument("pooling must be 'cls' or 'mean', got '" + name + "'");
}

torch::Tensor pool(const torch::Tensor& h, const torch::Tensor& mask, Pooling pooling) {
  if (pooling == Pooling::kCls)
    return h.select(1, 0);
  if (!mask.defined())
    return h.mean(1);
  auto weights = mask.unsqueeze(-1).to(h.dtype());
  return (h * weights).sum(1) / weights.sum(1).clamp_min(1.0);
}

}  // namespace attnzoo
