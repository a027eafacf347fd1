#include "models/baselines/bilstm_mixer.h"

namespace attnzoo {

torch::Tensor reverse_within_length(const torch::Tensor& mask, int64_t batch, int64_t n) {
  auto t = torch::arange(n, torch::kLong).view({1, n}).expand({batch, n});
  auto length = mask.defined() ? mask.sum(1, /*keepdim=*/true).to(torch::kLong)
                               : torch::full({batch, 1}, n, torch::kLong);
  return torch::where(t < length, length - 1 - t, t);
}

BiLstmMixerImpl::BiLstmMixerImpl(const BiLstmMixerOptions& options_) : options(options_) {
  const int64_t d = options.d_model();
  TORCH_CHECK(d > 0 && d % 2 == 0, "lstm: d_model must be even and positive, got ", d);
  auto lstm = [&] { return torch::nn::LSTM(torch::nn::LSTMOptions(d, d / 2).batch_first(true)); };
  forward_lstm = register_module("forward_lstm", lstm());
  backward_lstm = register_module("backward_lstm", lstm());
}

AttentionOutput BiLstmMixerImpl::forward(const torch::Tensor& x, const torch::Tensor& mask, bool) {
  TORCH_CHECK(x.dim() == 3 && x.size(2) == options.d_model(), "lstm expects input [batch, length, ",
              options.d_model(), "], got ", x.sizes());
  const int64_t b = x.size(0), n = x.size(1), d = x.size(2);
  auto ahead = std::get<0>(forward_lstm->forward(x));
  auto order = reverse_within_length(mask, b, n).to(x.device()).unsqueeze(-1);
  auto reversed = x.gather(1, order.expand({b, n, d}));
  auto back = std::get<0>(backward_lstm->forward(reversed));
  back = back.gather(1, order.expand({b, n, d / 2}));
  return {torch::cat({ahead, back}, 2), {}};
}

}  // namespace attnzoo
