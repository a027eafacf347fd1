#pragma once
// Log-mel filterbank frames exactly as ../shared/specs/speech-frames.md defines them (Kaldi's
// fbank, as torchaudio.compliance.kaldi.fbank computes it): 25 ms frames every 10 ms (only whole
// frames), DC offset removed, pre-emphasis 0.97, Povey window, power spectrum of the frame
// zero-padded to a power of two, triangular mel filters from low_freq to the Nyquist frequency
// (mel(f) = 1127 ln(1 + f / 700)), natural log floored at float32's epsilon (torchaudio's
// floor). No dither. One second of audio is 100 frames.

#include <cstdint>
#include <vector>

#include <torch/types.h>

namespace attnzoo {

struct FbankOptions {
  int64_t sample_rate = 16000;
  int64_t num_mel_bins = 40;
  double frame_length_ms = 25.0;
  double frame_shift_ms = 10.0;
  double preemphasis = 0.97;
  double low_freq = 20.0;
  /// <= 0: the Nyquist frequency plus this (Kaldi's convention).
  double high_freq = 0.0;
};

/// samples in [-1, 1) (scaled to 16-bit integer range inside) -> [frames, num_mel_bins] float32.
/// Audio shorter than one frame gives zero frames.
torch::Tensor fbank(const std::vector<float>& samples, const FbankOptions& options);

/// The mel filterbank: [num_mel_bins, padded / 2 + 1] weights over the power spectrum's bins.
torch::Tensor mel_filterbank(const FbankOptions& options, int64_t padded);

}  // namespace attnzoo
