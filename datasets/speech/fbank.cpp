#include "datasets/speech/fbank.h"

#include <cmath>
#include <limits>
#include <stdexcept>

#include <torch/fft.h>
#include <torch/torch.h>

namespace attnzoo {

namespace {

double mel(double hz) {
  return 1127.0 * std::log(1.0 + hz / 700.0);
}

int64_t samples_in(const FbankOptions& o, double ms) {
  return static_cast<int64_t>(static_cast<double>(o.sample_rate) * ms * 0.001);  // as Kaldi
}

}  // namespace

torch::Tensor mel_filterbank(const FbankOptions& o, int64_t padded) {
  const double nyquist = 0.5 * static_cast<double>(o.sample_rate);
  const double high = o.high_freq <= 0.0 ? nyquist + o.high_freq : o.high_freq;
  if (!(o.low_freq >= 0.0 && o.low_freq < high && high <= nyquist)) {
    throw std::invalid_argument("fbank: need 0 <= low_freq < high_freq <= Nyquist (" +
                                std::to_string(nyquist) + " Hz)");
  }
  const double low_mel = mel(o.low_freq), delta = (mel(high) - low_mel) / (o.num_mel_bins + 1);
  const double bin_width = static_cast<double>(o.sample_rate) / static_cast<double>(padded);
  auto weights = torch::zeros({o.num_mel_bins, padded / 2 + 1}, torch::kDouble);
  auto w = weights.accessor<double, 2>();
  for (int64_t b = 0; b < o.num_mel_bins; ++b) {
    const double left = low_mel + b * delta, center = left + delta, right = center + delta;
    for (int64_t k = 0; k < padded / 2; ++k) {  // the Nyquist bin gets no weight, as in Kaldi
      const double m = mel(bin_width * k);
      const double up = (m - left) / (center - left), down = (right - m) / (right - center);
      w[b][k] = std::max(0.0, std::min(up, down));
    }
  }
  return weights;
}

torch::Tensor fbank(const std::vector<float>& samples, const FbankOptions& o) {
  const int64_t window = samples_in(o, o.frame_length_ms), shift = samples_in(o, o.frame_shift_ms);
  if (window < 2 || shift < 1)
    throw std::invalid_argument("fbank: frame length and shift are too short for the sample rate");
  const int64_t n = static_cast<int64_t>(samples.size());
  if (n < window)
    return torch::zeros({0, o.num_mel_bins});
  const int64_t frames = 1 + (n - window) / shift;
  auto wave = torch::from_blob(const_cast<float*>(samples.data()), {n}, torch::kFloat)
                  .to(torch::kDouble)
                  .mul_(32768.0);
  auto x = wave.as_strided({frames, window}, {shift, 1}).clone();
  x.sub_(x.mean(1, /*keepdim=*/true));
  auto previous = torch::cat({x.narrow(1, 0, 1), x.narrow(1, 0, window - 1)}, 1);
  x.sub_(previous.mul_(o.preemphasis));
  x.mul_(torch::hann_window(window, /*periodic=*/false, torch::kDouble).pow(0.85));
  int64_t padded = 1;
  while (padded < window)
    padded *= 2;
  auto power = torch::fft::rfft(x, padded, 1).abs().pow(2);  // [frames, padded / 2 + 1]
  auto energies = power.mm(mel_filterbank(o, padded).t());
  const double floor = std::numeric_limits<float>::epsilon();
  return energies.clamp_min(floor).log().to(torch::kFloat);
}

}  // namespace attnzoo
