#include "datasets/speech_datasets.h"

#include <algorithm>
#include <cmath>
#include <filesystem>
#include <fstream>
#include <map>
#include <set>
#include <stdexcept>

#include <fmt/core.h>

#include "datasets/speech/fbank.h"
#include "datasets/speech/wav_reader.h"
#include "datasets/text/seeded_split.h"
#include "datasets/text/text_file.h"

namespace attnzoo {

namespace fs = std::filesystem;

std::string speech_dataset_kinds() {
  return "fsdd | speech-folders";
}

bool is_speech_dataset_kind(const std::string& kind) {
  return kind == "fsdd" || kind == "speech-folders";
}

SpeechDataset::SpeechDataset(std::vector<torch::Tensor> frames, std::vector<int64_t> labels)
    : frames_(std::move(frames)), labels_(std::move(labels)) {
  TORCH_CHECK(frames_.size() == labels_.size(), frames_.size(), " utterances but ", labels_.size(),
              " labels");
  for (const auto& f : frames_)
    max_length_ = std::max(max_length_, f.size(0));
}

Batch SpeechDataset::batch(const std::vector<int64_t>& indices) const {
  int64_t longest = 0;
  for (auto i : indices)
    longest = std::max(longest, frames_[i].size(0));
  longest = padded_batch_length(longest, max_length_);
  const int64_t b = static_cast<int64_t>(indices.size());
  auto x = torch::zeros({b, longest, feature_dim()});
  auto mask = torch::zeros({b, longest}, torch::kBool);
  std::vector<int64_t> labels;
  for (int64_t k = 0; k < b; ++k) {
    const auto& f = frames_[indices[k]];
    x[k].narrow(0, 0, f.size(0)).copy_(f);
    mask[k].narrow(0, 0, f.size(0)).fill_(true);
    labels.push_back(labels_[indices[k]]);
  }
  return {x, mask, torch::tensor(labels, torch::kLong), {}};
}

std::pair<std::vector<double>, std::vector<double>> SpeechDataset::feature_statistics(
    bool utterance_mean_removed) const {
  std::vector<torch::Tensor> frames = frames_;
  if (utterance_mean_removed) {
    for (auto& f : frames)
      f = f - f.mean(0, /*keepdim=*/true);
  }
  auto all = torch::cat(frames).to(torch::kDouble);
  // The population deviation, written out: Tensor::std's overloads differ between versions.
  auto mean = all.mean(0);
  auto std = (all - mean).pow(2).mean(0).sqrt().clamp_min(1e-6);
  return {std::vector<double>(mean.data_ptr<double>(), mean.data_ptr<double>() + mean.numel()),
          std::vector<double>(std.data_ptr<double>(), std.data_ptr<double>() + std.numel())};
}

std::vector<float> resample_audio(const std::vector<float>& samples, int64_t from, int64_t to) {
  if (from == to)
    return samples;
  // Hann-windowed sinc, cut off below the lower of the two Nyquist frequencies.
  const double ratio = static_cast<double>(to) / static_cast<double>(from);
  const double cutoff = 0.97 * std::min(1.0, ratio);
  const int64_t zeros = 16;  // zero crossings on each side
  const double half_width = zeros / cutoff;
  const int64_t n = static_cast<int64_t>(samples.size());
  const int64_t out_n = static_cast<int64_t>(std::ceil(static_cast<double>(n) * ratio));
  std::vector<float> out(static_cast<size_t>(out_n));
  const double pi = 3.14159265358979323846;
  for (int64_t i = 0; i < out_n; ++i) {
    const double t = static_cast<double>(i) / ratio;  // position in input samples
    const int64_t first = static_cast<int64_t>(std::ceil(t - half_width));
    const int64_t last = static_cast<int64_t>(std::floor(t + half_width));
    double sum = 0.0;
    for (int64_t j = std::max<int64_t>(first, 0); j <= std::min(last, n - 1); ++j) {
      const double x = (static_cast<double>(j) - t) * cutoff;
      const double sinc = x == 0.0 ? 1.0 : std::sin(pi * x) / (pi * x);
      const double window = 0.5 + 0.5 * std::cos(pi * x / zeros);
      sum += samples[static_cast<size_t>(j)] * cutoff * sinc * window;
    }
    out[static_cast<size_t>(i)] = static_cast<float>(sum);
  }
  return out;
}

namespace {

enum class Split { kUnassigned, kTrain, kValidation, kTest };

struct Utterance {
  std::string path, label;
  Split split = Split::kUnassigned;
  std::string speaker;  // fsdd only
};

std::vector<std::string> wav_files(const fs::path& dir) {
  std::vector<std::string> files;
  for (const auto& file : list_files(dir.string())) {
    auto ext = fs::path(file).extension().string();
    std::transform(ext.begin(), ext.end(), ext.begin(), ::tolower);
    if (ext == ".wav")
      files.push_back(file);
  }
  return files;
}

std::vector<Utterance> fsdd_utterances(const std::string& path) {
  fs::path dir(path);
  if (!fs::is_directory(dir))
    throw std::runtime_error(path + ": fsdd data is a directory of {label}_{speaker}_{index}.wav");
  if (fs::is_directory(dir / "recordings"))
    dir /= "recordings";
  std::vector<Utterance> utterances;
  for (const auto& file : wav_files(dir)) {
    const auto stem = fs::path(file).stem().string();
    const auto first = stem.find('_'), last = stem.rfind('_');
    int64_t index = -1;
    if (first != std::string::npos && last != first && first > 0) {
      try {
        size_t used = 0;
        index = std::stoll(stem.substr(last + 1), &used);
        if (used != stem.size() - last - 1)
          index = -1;
      } catch (const std::exception&) {
        index = -1;
      }
    }
    if (index < 0) {
      throw std::runtime_error(file + ": an FSDD file is named {digit}_{speaker}_{index}.wav");
    }
    // The labels are spoken digits: a stray file ("x_george_7.wav") must not add a class.
    if (first != 1 || stem[0] < '0' || stem[0] > '9') {
      throw std::runtime_error(
          file + ": label '" + stem.substr(0, first) +
          "' is not a digit (an FSDD file is named "
          "{digit}_{speaker}_{index}.wav; move other files out of the folder)");
    }
    // The official split: recordings 0-4 of every speaker are the test set.
    utterances.push_back({file, stem.substr(0, first), index <= 4 ? Split::kTest : Split::kTrain,
                          stem.substr(first + 1, last - first - 1)});
  }
  if (utterances.empty())
    throw std::runtime_error(dir.string() + ": no .wav files");
  return utterances;
}

// The entries of a Speech Commands split list (ROOT-relative paths), none when it is absent.
std::set<std::string> list_file(const fs::path& path) {
  if (!fs::exists(path))
    return {};
  auto lines = read_trimmed_lines(path.string(), "a list of ROOT-relative .wav paths");
  return {lines.begin(), lines.end()};
}

std::vector<Utterance> folder_utterances(const std::string& path) {
  const fs::path root(path);
  if (!fs::is_directory(root))
    throw std::runtime_error(path + ": speech-folders data is a directory ROOT/<label>/*.wav");
  const bool lists =
      fs::exists(root / "testing_list.txt") || fs::exists(root / "validation_list.txt");
  const auto validation = list_file(root / "validation_list.txt");
  const auto testing = list_file(root / "testing_list.txt");
  std::vector<fs::path> labels;
  for (const auto& entry : fs::directory_iterator(root)) {
    const auto name = entry.path().filename().string();
    if (entry.is_directory() && !name.empty() && name[0] != '_' && name[0] != '.')
      labels.push_back(entry.path());
  }
  std::sort(labels.begin(), labels.end());
  std::vector<Utterance> utterances;
  for (const auto& label : labels) {
    for (const auto& file : wav_files(label)) {
      const auto relative = label.filename().string() + "/" + fs::path(file).filename().string();
      Split split = Split::kUnassigned;
      if (lists) {
        split = testing.count(relative)      ? Split::kTest
                : validation.count(relative) ? Split::kValidation
                                             : Split::kTrain;
      }
      utterances.push_back({file, label.filename().string(), split, ""});
    }
  }
  if (utterances.empty())
    throw std::runtime_error(path + ": no ROOT/<label>/*.wav files");
  return utterances;
}

std::vector<Utterance> read_utterances(const SpeechDataOptions& options, const std::string& path) {
  if (options.kind == "fsdd")
    return fsdd_utterances(path);
  if (options.kind == "speech-folders")
    return folder_utterances(path);
  throw std::invalid_argument("unknown speech dataset kind '" + options.kind + "' (expected " +
                              speech_dataset_kinds() + ")");
}

// Frames of one file at the dataset's sample rate (`rate`, 0: take this file's).
torch::Tensor frames_of(const std::string& path, const SpeechDataOptions& options, int64_t& rate) {
  auto wave = read_wav(path);
  if (options.resample > 0) {
    wave.samples = resample_audio(wave.samples, wave.sample_rate, options.resample);
    wave.sample_rate = options.resample;
  }
  if (rate == 0)
    rate = wave.sample_rate;
  if (wave.sample_rate != rate) {
    throw std::runtime_error(fmt::format(
        "{}: sample rate {} Hz, the dataset's is {} Hz (ask for --resample {} to convert)", path,
        wave.sample_rate, rate, rate));
  }
  FbankOptions fbank_options;
  fbank_options.sample_rate = rate;
  fbank_options.num_mel_bins = options.num_mel_bins;
  auto frames = fbank(wave.samples, fbank_options);
  if (frames.size(0) == 0) {
    throw std::runtime_error(
        fmt::format("{}: {} samples, shorter than one 25 ms frame", path, wave.samples.size()));
  }
  if (options.stack > 1) {
    // Frame t becomes frames t .. t + k - 1 side by side (the last ones padded by repetition).
    const int64_t t = frames.size(0);
    std::vector<torch::Tensor> parts;
    for (int64_t k = 0; k < options.stack; ++k) {
      auto index = torch::clamp(torch::arange(t, torch::kLong) + k, 0, t - 1);
      parts.push_back(frames.index_select(0, index));
    }
    frames = torch::cat(parts, 1);
  }
  if (options.subsample > 1)
    frames = frames.slice(0, 0, frames.size(0), options.subsample).contiguous();
  return frames;
}

SpeechDataset featurize(const std::vector<Utterance>& utterances, const std::vector<size_t>& which,
                        const SpeechDataOptions& options,
                        const std::map<std::string, int64_t>& label_ids, int64_t& rate) {
  std::vector<torch::Tensor> frames;
  std::vector<int64_t> labels;
  for (auto i : which) {
    const auto& u = utterances[i];
    auto id = label_ids.find(u.label);
    if (id == label_ids.end()) {
      throw std::runtime_error(u.path + ": label '" + u.label +
                               "' is not among the training labels");
    }
    frames.push_back(frames_of(u.path, options, rate));
    labels.push_back(id->second);
  }
  return SpeechDataset(std::move(frames), std::move(labels));
}

// Leave-speakers-out: the named speakers' recordings are the test set, everyone else's train.
void hold_out_speakers(std::vector<Utterance>& utterances, const SpeechDataOptions& options) {
  std::set<std::string> known;
  for (const auto& u : utterances)
    known.insert(u.speaker);
  for (const auto& speaker : options.test_speakers) {
    if (known.count(speaker) == 0) {
      std::string names;
      for (const auto& k : known)
        names += (names.empty() ? "" : ", ") + k;
      throw std::invalid_argument(
          fmt::format("{}: --test-speakers {}: no recordings of that speaker (the speakers are {})",
                      options.data, speaker, names));
    }
  }
  const std::set<std::string> held(options.test_speakers.begin(), options.test_speakers.end());
  if (held.size() == known.size()) {
    throw std::invalid_argument(fmt::format(
        "{}: --test-speakers names every speaker, so none is left to train on", options.data));
  }
  for (auto& u : utterances)
    u.split = held.count(u.speaker) ? Split::kTest : Split::kTrain;
}

}  // namespace

SpeechTask load_speech_task(const SpeechDataOptions& options) {
  if (options.data.empty())
    throw std::invalid_argument("--data is required for the " + options.kind + " dataset kind");
  if (options.stack < 1 || options.subsample < 1)
    throw std::invalid_argument("--stack and --subsample must be at least 1");
  if (!options.test_speakers.empty() && options.kind != "fsdd") {
    throw std::invalid_argument(
        "--test-speakers needs the fsdd kind, whose file names carry the "
        "speaker (got " +
        options.kind + ")");
  }
  if (!options.test_speakers.empty() && !options.test_data.empty())
    throw std::invalid_argument("--test-speakers and --test-data both name the test set; give one");
  auto utterances = read_utterances(options, options.data);
  if (!options.test_speakers.empty())
    hold_out_speakers(utterances, options);
  std::vector<size_t> train, validation, test, unassigned;
  for (size_t i = 0; i < utterances.size(); ++i) {
    switch (utterances[i].split) {
      case Split::kTrain:
        train.push_back(i);
        break;
      case Split::kValidation:
        validation.push_back(i);
        break;
      case Split::kTest:
        test.push_back(i);
        break;
      case Split::kUnassigned:
        unassigned.push_back(i);
        break;
    }
  }
  std::vector<Utterance> test_utterances;
  if (!options.test_data.empty()) {
    test_utterances = read_utterances(options, options.test_data);
    for (auto i : test)  // the data's own test files go back to training
      train.push_back(i);
    test.clear();
  }
  // A seeded, label-stratified split of what has no split yet: the unassigned files (test and
  // validation) or the training files (validation only).
  auto carve = [&](std::vector<size_t>& pool, bool with_test) {
    std::vector<std::string> strata;
    for (auto i : pool)
      strata.push_back(utterances[i].label);
    const size_t n = pool.size();
    const size_t test_size = with_test ? split_size(n, options.test_fraction) : 0;
    const size_t validation_size = split_size(n, options.validation_fraction);
    if (test_size + validation_size >= n) {
      throw std::invalid_argument(
          fmt::format("{}: {} utterances cannot give {} test and {} validation and still train",
                      options.data, n, test_size, validation_size));
    }
    auto split = seeded_split(strata, validation_size, test_size, options.split_seed);
    for (auto k : split.train)
      train.push_back(pool[k]);
    for (auto k : split.validation)
      validation.push_back(pool[k]);
    for (auto k : split.test)
      test.push_back(pool[k]);
  };
  if (!unassigned.empty())
    carve(unassigned, test.empty() && options.test_data.empty());
  if (validation.empty()) {
    auto pool = train;
    train.clear();
    carve(pool, false);
  }
  std::sort(train.begin(), train.end());
  std::set<std::string> names;
  for (auto i : train)
    names.insert(utterances[i].label);
  SpeechTask task;
  task.name = options.kind + ":" + fs::path(options.data).filename().string();
  task.label_names.assign(names.begin(), names.end());
  std::set<std::string> speakers;
  for (const auto& u : utterances) {
    if (!u.speaker.empty())
      speakers.insert(u.speaker);
  }
  task.speakers.assign(speakers.begin(), speakers.end());
  std::map<std::string, int64_t> ids;
  for (size_t c = 0; c < task.label_names.size(); ++c)
    ids[task.label_names[c]] = static_cast<int64_t>(c);
  int64_t rate = options.resample;
  task.train = featurize(utterances, train, options, ids, rate);
  task.validation = featurize(utterances, validation, options, ids, rate);
  if (!test_utterances.empty()) {
    std::vector<size_t> all(test_utterances.size());
    for (size_t i = 0; i < all.size(); ++i)
      all[i] = i;
    task.test = featurize(test_utterances, all, options, ids, rate);
  } else {
    task.test = featurize(utterances, test, options, ids, rate);
  }
  task.sample_rate = rate;
  return task;
}

SpeechDataset load_speech_examples(const SpeechDataOptions& options,
                                   const std::vector<std::string>& label_names,
                                   int64_t sample_rate) {
  auto utterances = read_utterances(options, options.data);
  std::map<std::string, int64_t> ids;
  for (size_t c = 0; c < label_names.size(); ++c)
    ids[label_names[c]] = static_cast<int64_t>(c);
  std::vector<size_t> all(utterances.size());
  for (size_t i = 0; i < all.size(); ++i)
    all[i] = i;
  int64_t rate = sample_rate;
  return featurize(utterances, all, options, ids, rate);
}

torch::Tensor wav_frames(const std::string& path, const SpeechDataOptions& options,
                         int64_t sample_rate) {
  return frames_of(path, options, sample_rate);
}

}  // namespace attnzoo
