#include "models/baselines/convolution_mixer.h"

#include <cmath>

#include <torch/nn/functional/conv.h>

namespace attnzoo {

ConvolutionMixerImpl::ConvolutionMixerImpl(const ConvolutionMixerOptions& options_)
    : options(options_) {
  const int64_t d = options.d_model(), k = options.kernel_size();
  TORCH_CHECK(d > 0, "cnn: d_model must be positive, got ", d);
  TORCH_CHECK(k > 0 && k % 2 == 1, "cnn: kernel size must be odd and positive, got ", k);
  TORCH_CHECK(options.grid_width() >= 0 && options.grid_offset() >= 0,
              "cnn: grid width and offset must be >= 0");
  auto shape =
      options.grid_width() > 0 ? std::vector<int64_t>{d, d, k, k} : std::vector<int64_t>{d, d, k};
  // PyTorch's Conv default: uniform in +-1/sqrt(fan_in).
  const double bound = 1.0 / std::sqrt(static_cast<double>(d * (shape.size() == 4 ? k * k : k)));
  weight = register_parameter("weight", torch::empty(shape).uniform_(-bound, bound));
  bias = register_parameter("bias", torch::empty({d}).uniform_(-bound, bound));
}

AttentionOutput ConvolutionMixerImpl::forward(const torch::Tensor& x, const torch::Tensor& mask,
                                              bool) {
  TORCH_CHECK(x.dim() == 3 && x.size(2) == options.d_model(), "cnn expects input [batch, length, ",
              options.d_model(), "], got ", x.sizes());
  auto h = mask.defined() ? x * mask.unsqueeze(-1).to(x.dtype()) : x;
  const int64_t k = options.kernel_size(), width = options.grid_width();
  if (width == 0) {
    auto out = torch::conv1d(h.transpose(1, 2), weight, bias, 1, k / 2);
    return {out.transpose(1, 2), {}};
  }
  const int64_t b = x.size(0), d = x.size(2), offset = options.grid_offset();
  const int64_t cells = x.size(1) - offset;
  TORCH_CHECK(cells > 0 && cells % width == 0, "cnn: ", cells, " grid tokens do not fill rows of ",
              width);
  auto grid =
      h.narrow(1, offset, cells).reshape({b, cells / width, width, d}).permute({0, 3, 1, 2});
  auto out =
      torch::conv2d(grid, weight, bias, 1, k / 2).permute({0, 2, 3, 1}).reshape({b, cells, d});
  if (offset == 0)
    return {out, {}};
  auto centre = weight.select(3, k / 2).select(2, k / 2);  // [d_out, d_in]
  auto lead = torch::nn::functional::linear(h.narrow(1, 0, offset), centre, bias);
  return {torch::cat({lead, out}, 1), {}};
}

}  // namespace attnzoo
