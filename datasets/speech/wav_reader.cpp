#include "datasets/speech/wav_reader.h"

#include <sndfile.h>

#include <cmath>
#include <cstring>
#include <fstream>
#include <memory>
#include <stdexcept>

#include <fmt/core.h>

namespace attnzoo {

namespace {

struct SndCloser {
  void operator()(SNDFILE* f) const { sf_close(f); }
};

uint32_t little_endian_u32(const unsigned char* b) {
  return uint32_t{b[0]} | (uint32_t{b[1]} << 8) | (uint32_t{b[2]} << 16) | (uint32_t{b[3]} << 24);
}

// libsndfile quietly reads what a truncated file still has; the RIFF chunk sizes say what it
// should have. Returns an empty string, or what is wrong.
std::string truncation(const std::string& path) {
  std::ifstream in(path, std::ios::binary | std::ios::ate);
  const auto size = static_cast<uint64_t>(in.tellg());
  in.seekg(0);
  unsigned char header[12];
  if (!in.read(reinterpret_cast<char*>(header), 12) || std::memcmp(header, "RIFF", 4) != 0)
    return "";  // RF64 and others: libsndfile's checks only
  uint64_t at = 12;
  while (at + 8 <= size) {
    unsigned char chunk[8];
    in.seekg(static_cast<std::streamoff>(at));
    if (!in.read(reinterpret_cast<char*>(chunk), 8))
      break;
    const uint64_t length = little_endian_u32(chunk + 4);
    if (std::memcmp(chunk, "data", 4) == 0) {
      if (at + 8 + length > size) {
        return fmt::format("truncated: the data chunk promises {} bytes, the file has {}", length,
                           size - at - 8);
      }
      return "";
    }
    at += 8 + length + (length & 1);
  }
  return "";
}

}  // namespace

Waveform read_wav(const std::string& path) {
  {
    std::ifstream exists(path, std::ios::binary);
    if (!exists)
      throw std::runtime_error(path + ": cannot open");
    if (exists.peek() == std::ifstream::traits_type::eof())
      throw std::runtime_error(path + ": empty file, expected a WAV file");
  }
  SF_INFO info{};
  std::unique_ptr<SNDFILE, SndCloser> file(sf_open(path.c_str(), SFM_READ, &info));
  if (!file) {
    throw std::runtime_error(path + ": not a readable WAV file (" + sf_strerror(nullptr) + ")");
  }
  const int major = info.format & SF_FORMAT_TYPEMASK;
  if (major != SF_FORMAT_WAV && major != SF_FORMAT_WAVEX && major != SF_FORMAT_RF64) {
    throw std::runtime_error(path + ": not a WAV file (another audio format)");
  }
  const int sub = info.format & SF_FORMAT_SUBMASK;
  if (sub != SF_FORMAT_PCM_U8 && sub != SF_FORMAT_PCM_S8 && sub != SF_FORMAT_PCM_16 &&
      sub != SF_FORMAT_PCM_24 && sub != SF_FORMAT_PCM_32 && sub != SF_FORMAT_FLOAT &&
      sub != SF_FORMAT_DOUBLE) {
    throw std::runtime_error(path + ": WAV encoding is not PCM or float (compressed?)");
  }
  if (const auto problem = truncation(path); !problem.empty())
    throw std::runtime_error(path + ": " + problem);
  if (info.frames <= 0 || info.channels <= 0)
    throw std::runtime_error(path + ": a WAV file with no samples");
  std::vector<float> interleaved(static_cast<size_t>(info.frames) * info.channels);
  const sf_count_t got = sf_readf_float(file.get(), interleaved.data(), info.frames);
  if (got != info.frames) {
    throw std::runtime_error(fmt::format("{}: truncated: read {} of {} samples", path, got,
                                         static_cast<int64_t>(info.frames)));
  }
  // Float WAV files can hold NaN or infinity, which would pass through every feature silently.
  for (size_t i = 0; i < interleaved.size(); ++i) {
    if (!std::isfinite(interleaved[i])) {
      throw std::runtime_error(
          fmt::format("{}: sample {} (channel {}) is {} (expected finite samples)", path,
                      i / static_cast<size_t>(info.channels),
                      i % static_cast<size_t>(info.channels), interleaved[i]));
    }
  }
  if (info.samplerate <= 0)
    throw std::runtime_error(path + ": sample rate " + std::to_string(info.samplerate) +
                             " (expected a positive rate)");
  Waveform wave;
  wave.sample_rate = info.samplerate;
  wave.samples.resize(static_cast<size_t>(info.frames));
  for (size_t i = 0; i < wave.samples.size(); ++i)
    wave.samples[i] = interleaved[i * static_cast<size_t>(info.channels)];
  return wave;
}

void write_wav(const std::string& path, const std::vector<float>& samples, int64_t sample_rate) {
  SF_INFO info{};
  info.samplerate = static_cast<int>(sample_rate);
  info.channels = 1;
  info.format = SF_FORMAT_WAV | SF_FORMAT_PCM_16;
  std::unique_ptr<SNDFILE, SndCloser> file(sf_open(path.c_str(), SFM_WRITE, &info));
  if (!file)
    throw std::runtime_error(path + ": cannot write (" + sf_strerror(nullptr) + ")");
  if (sf_writef_float(file.get(), samples.data(), static_cast<sf_count_t>(samples.size())) !=
      static_cast<sf_count_t>(samples.size())) {
    throw std::runtime_error(path + ": cannot write");
  }
}

}  // namespace attnzoo
