#pragma once
// WAV files through libsndfile: any PCM (8-, 16-, 24-, 32-bit integer) or float WAV, mono or
// not (the first channel is used, as Kaldi and torchaudio's fbank do).

#include <cstdint>
#include <string>
#include <vector>

namespace attnzoo {

struct Waveform {
  int64_t sample_rate = 0;
  std::vector<float> samples;  ///< the first channel, in [-1, 1)
};

/// Reads a WAV file. A file that is not WAV, is empty (no samples) or is shorter than its header
/// says is a std::runtime_error naming the file and the problem.
Waveform read_wav(const std::string& path);

/// Writes 16-bit PCM mono WAV (samples in [-1, 1)): for tests and tools.
void write_wav(const std::string& path, const std::vector<float>& samples, int64_t sample_rate);

}  // namespace attnzoo
