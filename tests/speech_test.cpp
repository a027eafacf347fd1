// Speech: WAV reading (good and bad files), Kaldi-compatible fbank against torchaudio on real
// FSDD recordings, resampling, the FSDD and speech-folders layouts, the speech model, and
// `attnzoo train` / `eval` on generated recordings.

#include <unistd.h>

#include <algorithm>
#include <cmath>
#include <filesystem>
#include <fstream>
#include <numeric>
#include <string>

#include <fmt/core.h>

#include <gtest/gtest.h>
#include <torch/script.h>
#include <torch/torch.h>
#include <nlohmann/json.hpp>

#include "datasets/speech/fbank.h"
#include "datasets/speech/wav_reader.h"
#include "datasets/speech_datasets.h"
#include "models/speech_model.h"
#include "tests/test_util.h"

namespace {

namespace fs = std::filesystem;
using namespace attnzoo;
using attnzoo::testing::max_abs_diff;
using attnzoo::testing::message_of;

using attnzoo::testing::contains;

fs::path fresh_dir(const std::string& name) {
  return attnzoo::testing::fresh_dir("speech", name);
}

// A tone whose pitch says the digit, with a little noise: learnable, and different per file.
std::vector<float> tone(int64_t label, int64_t index, int64_t rate, double seconds) {
  std::vector<float> samples;
  const double pi = 3.14159265358979323846, hz = 300.0 + 150.0 * label;
  for (int64_t i = 0; i < static_cast<int64_t>(seconds * rate); ++i) {
    const double t = static_cast<double>(i) / rate;
    samples.push_back(static_cast<float>(0.3 * std::sin(2 * pi * hz * t) +
                                         0.02 * std::sin(2 * pi * (57.0 + index) * t * 31.0)));
  }
  return samples;
}

TEST(Wav, RoundTripAndBadFilesNameTheFile) {
  auto dir = fresh_dir("wav");
  auto samples = tone(3, 1, 8000, 0.1);
  write_wav((dir / "a.wav").string(), samples, 8000);
  auto wave = read_wav((dir / "a.wav").string());
  EXPECT_EQ(wave.sample_rate, 8000);
  ASSERT_EQ(wave.samples.size(), samples.size());
  double worst = 0;
  for (size_t i = 0; i < samples.size(); ++i)
    worst = std::max(worst, std::abs(static_cast<double>(wave.samples[i] - samples[i])));
  EXPECT_LE(worst, 1.0 / 32768);  // 16-bit quantisation

  std::ofstream(dir / "text.wav") << "this is not audio at all, just some words\n";
  std::ofstream(dir / "empty.wav");
  std::ifstream whole(dir / "a.wav", std::ios::binary);
  std::string bytes{std::istreambuf_iterator<char>(whole), std::istreambuf_iterator<char>()};
  std::ofstream(dir / "cut.wav", std::ios::binary) << bytes.substr(0, bytes.size() - 100);
  for (const auto& [name, expected] :
       std::vector<std::pair<std::string, std::string>>{{"text.wav", "not a readable WAV file"},
                                                        {"empty.wav", "empty file"},
                                                        {"cut.wav", "truncated"},
                                                        {"missing.wav", "cannot open"}}) {
    const auto path = (dir / name).string();
    auto message = message_of([&] { read_wav(path); });
    EXPECT_TRUE(contains(message, path) && contains(message, expected)) << message;
  }
}

TEST(Fbank, HundredFramesPerSecondAndFilterbankShape) {
  FbankOptions options;
  options.sample_rate = 8000;
  auto frames = fbank(tone(2, 0, 8000, 1.0), options);
  // 1 s at 8 kHz: 200-sample frames every 80 samples, whole frames only: 1 + (8000 - 200) / 80.
  EXPECT_EQ(frames.sizes(), (std::vector<int64_t>{98, 40}));
  auto bank = mel_filterbank(options, 256);
  EXPECT_EQ(bank.sizes(), (std::vector<int64_t>{40, 129}));
  EXPECT_EQ(bank.select(1, 128).abs().max().item<double>(), 0.0);  // no weight at Nyquist
  EXPECT_LE(bank.max().item<double>(), 1.0);
  EXPECT_EQ(fbank(std::vector<float>(150, 0.1f), options).size(0), 0);  // shorter than a frame
}

// The reference: torchaudio.compliance.kaldi.fbank on real FSDD recordings.
TEST(Fbank, MatchesTorchaudioKaldiFbankOnFsddRecordings) {
  const fs::path recordings = fs::path(ATTNZOO_SHARED_DATA) / "fsdd" / "recordings";
  if (!fs::exists(recordings))
    GTEST_SKIP() << recordings << " is missing (the FSDD recordings of ../shared/data)";
  if (attnzoo::testing::shell("/usr/bin/python3 -c 'import torchaudio'").status != 0)
    GTEST_SKIP() << "Debian's python3-torchaudio is not installed (scripts/setup.sh installs it)";
  const std::vector<std::string> names = {"0_george_0.wav", "3_jackson_17.wav", "7_lucas_42.wav",
                                          "9_nicolas_3.wav", "5_yweweler_49.wav"};
  auto out = fresh_dir("fbank") / "reference.txt";
  std::string command = "/usr/bin/python3 " + std::string(ATTNZOO_SOURCE_DIR) +
                        "/tests/reference/kaldi_fbank.py " + out.string() + " 40";
  for (const auto& name : names)
    command += " " + (recordings / name).string();
  auto run = attnzoo::testing::shell(command);
  ASSERT_EQ(run.status, 0) << run.output;
  std::ifstream in(out);
  for (const auto& name : names) {
    int64_t rows = 0, cols = 0;
    in >> rows >> cols;
    auto expected = torch::empty({rows, cols}, torch::kDouble);
    auto e = expected.accessor<double, 2>();
    for (int64_t r = 0; r < rows; ++r) {
      for (int64_t c = 0; c < cols; ++c)
        in >> e[r][c];
    }
    ASSERT_TRUE(in.good()) << name;
    auto wave = read_wav((recordings / name).string());
    FbankOptions options;
    options.sample_rate = wave.sample_rate;
    auto frames = fbank(wave.samples, options).to(torch::kDouble);
    ASSERT_EQ(frames.sizes(), expected.sizes()) << name;
    // Within 1e-3 on every value whose energy is above the floor (log(eps) = -15.9).
    auto above = expected > -15.0;
    EXPECT_GT(above.sum().item<int64_t>(), rows * cols / 2) << name;
    auto diff = (frames - expected).abs().masked_select(above);
    EXPECT_LE(diff.max().item<double>(), 1e-3) << name;
  }
}

TEST(Speech, ResamplingKeepsATone) {
  auto high = tone(1, 0, 16000, 0.2), low = tone(1, 0, 8000, 0.2);
  auto resampled = resample_audio(high, 16000, 8000);
  ASSERT_EQ(resampled.size(), low.size());
  double worst = 0;
  for (size_t i = 100; i + 100 < low.size(); ++i)  // away from the edges
    worst = std::max(worst, std::abs(static_cast<double>(resampled[i] - low[i])));
  EXPECT_LE(worst, 0.03);
}

TEST(Speech, FsddSplitByIndexAndMixedRatesAreAnError) {
  auto dir = fresh_dir("fsdd");
  for (int64_t label = 0; label < 3; ++label) {
    for (const char* speaker : {"ann", "bob"}) {
      for (int64_t index = 0; index < 10; ++index) {
        write_wav((dir / fmt::format("{}_{}_{}.wav", label, speaker, index)).string(),
                  tone(label, index, 8000, 0.3), 8000);
      }
    }
  }
  SpeechDataOptions options;
  options.data = dir.string();
  options.validation_fraction = 0.2;
  auto task = load_speech_task(options);
  EXPECT_EQ(task.test.size(), 30);       // index 0-4, 3 labels x 2 speakers
  EXPECT_EQ(task.validation.size(), 6);  // 20% of the 30 others
  EXPECT_EQ(task.train.size(), 24);
  EXPECT_EQ(task.sample_rate, 8000);
  EXPECT_EQ(task.label_names, (std::vector<std::string>{"0", "1", "2"}));
  EXPECT_EQ(task.speakers, (std::vector<std::string>{"ann", "bob"}));
  EXPECT_EQ(task.train.feature_dim(), 40);
  auto batch = task.train.batch({0, 1});
  EXPECT_EQ(batch.inputs.sizes(), (std::vector<int64_t>{2, 28, 40}));  // 0.3 s: 28 frames
  EXPECT_TRUE(batch.mask.all().item<bool>());

  options.stack = 3;
  options.subsample = 2;
  auto stacked = load_speech_task(options);
  EXPECT_EQ(stacked.train.feature_dim(), 120);
  EXPECT_EQ(stacked.train.max_length(), 14);

  write_wav((dir / "1_bob_33.wav").string(), tone(1, 3, 16000, 0.3), 16000);
  options.stack = options.subsample = 1;
  auto message = message_of([&] { load_speech_task(options); });
  EXPECT_TRUE(contains(message, "1_bob_33.wav: sample rate 16000 Hz, the dataset's is 8000 Hz"))
      << message;
  options.resample = 8000;
  EXPECT_EQ(load_speech_task(options).train.size() + load_speech_task(options).validation.size(),
            31);
  fs::remove(dir / "1_bob_33.wav");
  std::ofstream(dir / "oops.wav") << "x";
  message = message_of([&] { load_speech_task(options); });
  EXPECT_TRUE(contains(message, "oops.wav: an FSDD file is named")) << message;
  fs::remove(dir / "oops.wav");
  // A stray file named like a recording must not add a class "x".
  write_wav((dir / "x_george_7.wav").string(), tone(1, 3, 8000, 0.3), 8000);
  message = message_of([&] { load_speech_task(options); });
  EXPECT_TRUE(contains(message, "x_george_7.wav: label 'x' is not a digit")) << message;
}

// Leave-one-speaker-out: every recording of the named speaker is the test set, every recording
// of the others trains (validation carved from them).
TEST(Speech, FsddTestSpeakersAreLeftOutOfTraining) {
  auto dir = fresh_dir("speakers");
  for (int64_t label = 0; label < 2; ++label) {
    for (const char* speaker : {"ann", "bob", "cy"}) {
      for (int64_t index = 0; index < 6; ++index) {
        // bob's recordings are the only ones of 0.5 s: the test set's length tells them apart.
        write_wav((dir / fmt::format("{}_{}_{}.wav", label, speaker, index)).string(),
                  tone(label, index, 8000, std::string(speaker) == "bob" ? 0.5 : 0.3), 8000);
      }
    }
  }
  SpeechDataOptions options;
  options.data = dir.string();
  options.validation_fraction = 0.25;
  options.test_speakers = {"bob"};
  auto task = load_speech_task(options);
  EXPECT_EQ(task.test.size(), 12);  // all of bob's
  EXPECT_EQ(task.validation.size() + task.train.size(), 24);
  EXPECT_EQ(task.validation.size(), 6);
  for (int64_t i = 0; i < task.test.size(); ++i)
    EXPECT_EQ(task.test.length(i), 48) << i;  // 0.5 s
  for (int64_t i = 0; i < task.train.size(); ++i)
    EXPECT_EQ(task.train.length(i), 28) << i;  // 0.3 s: nobody's but ann's and cy's
  options.test_speakers = {"bob", "cy"};
  EXPECT_EQ(load_speech_task(options).test.size(), 24);

  options.test_speakers = {"dan"};
  auto unknown = message_of([&] { load_speech_task(options); });
  EXPECT_TRUE(contains(unknown, dir.string() + ": --test-speakers dan: no recordings of that "
                                               "speaker (the speakers are ann, bob, cy)"))
      << unknown;
  options.test_speakers = {"ann", "bob", "cy"};
  auto everyone = message_of([&] { load_speech_task(options); });
  EXPECT_TRUE(contains(everyone, "names every speaker")) << everyone;
  options.test_speakers = {"bob"};
  options.kind = "speech-folders";
  auto folders = message_of([&] { load_speech_task(options); });
  EXPECT_TRUE(contains(folders, "--test-speakers needs the fsdd kind")) << folders;
}

TEST(Speech, FoldersUseTheirListsAndPaddingIsMasked) {
  auto root = fresh_dir("folders");
  for (const char* label : {"no", "yes"}) {
    fs::create_directories(root / label);
    for (int64_t i = 0; i < 6; ++i) {
      write_wav((root / label / fmt::format("{}.wav", i)).string(),
                tone(label[0] == 'y', i, 8000, 0.1 + 0.05 * i), 8000);
    }
  }
  fs::create_directories(root / "_background_noise_");
  write_wav((root / "_background_noise_" / "hum.wav").string(), tone(9, 0, 8000, 0.2), 8000);
  std::ofstream(root / "validation_list.txt") << "no/1.wav\nyes/1.wav\n";
  std::ofstream(root / "testing_list.txt") << "no/2.wav\nyes/2.wav\nyes/3.wav\n";
  SpeechDataOptions options;
  options.kind = "speech-folders";
  options.data = root.string();
  auto task = load_speech_task(options);
  EXPECT_EQ(task.validation.size(), 2);
  EXPECT_EQ(task.test.size(), 3);
  EXPECT_EQ(task.train.size(), 7);
  EXPECT_EQ(task.label_names, (std::vector<std::string>{"no", "yes"}));
  std::vector<int64_t> all(7);
  std::iota(all.begin(), all.end(), 0);
  auto batch = task.train.batch(all);
  for (int64_t k = 0; k < 7; ++k)
    EXPECT_EQ(batch.mask[k].sum().item<int64_t>(), task.train.length(k));

  // The model: padded frames change nothing.
  AttentionConfig attention;
  attention.name = "truncated";
  attention.d_model = 16;
  attention.heads = 2;
  attention.truncate_left = 3;
  attention.truncate_right = 1;
  SpeechModel model(SpeechModelOptions(40, 2, EncoderOptions(EncoderLayerOptions(attention), 1))
                        .max_positions(100));
  model->eval();
  auto logits = model->forward(batch.inputs, batch.mask);
  EXPECT_EQ(logits.sizes(), (std::vector<int64_t>{7, 2}));
  const int64_t k = 0, t = task.train.length(0);
  auto alone = model->forward(batch.inputs[k].narrow(0, 0, t).unsqueeze(0),
                              torch::ones({1, t}, torch::kBool));
  EXPECT_LE(max_abs_diff(alone[0], logits[k]), 1e-5);
}

// Utterance normalisation takes out what is added to every frame of an utterance (a speaker's or
// a microphone's offset): such an offset then leaves the logits alone, padding included.
TEST(Speech, UtteranceNormRemovesAnOffsetOfTheWholeUtterance) {
  AttentionConfig attention;
  attention.name = "truncated";
  attention.d_model = 16;
  attention.heads = 2;
  torch::manual_seed(0);
  auto options = SpeechModelOptions(6, 3, EncoderOptions(EncoderLayerOptions(attention), 1));
  SpeechModel plain(options);
  SpeechModel normalised(options.utterance_norm(true));
  attnzoo::testing::copy_parameters(*plain, *normalised);
  plain->eval();
  normalised->eval();
  auto frames = torch::randn({2, 9, 6});
  const auto mask = attnzoo::testing::lengths_to_mask({9, 5}, 9);
  // Each utterance its own offset per feature; the padded frames of the second get another.
  auto shifted = frames + torch::randn({2, 1, 6}) * 3;
  shifted.narrow(0, 1, 1).narrow(1, 5, 4).add_(7.0);
  EXPECT_LE(max_abs_diff(normalised->forward(shifted, mask), normalised->forward(frames, mask)),
            1e-5);
  EXPECT_GT(max_abs_diff(plain->forward(shifted, mask), plain->forward(frames, mask)), 1e-2);
}

// SpecAugment-style training augmentation: a warp of the bin axis by one factor per utterance,
// one band of bins and one span of real frames blanked; nothing at all in evaluation.
TEST(Speech, AugmentationWarpsBinsAndBlanksABandAndASpanInTrainingOnly) {
  AttentionConfig attention;
  attention.d_model = 8;
  attention.heads = 2;
  auto options = SpeechModelOptions(10, 3, EncoderOptions(EncoderLayerOptions(attention), 1));
  torch::manual_seed(3);
  SpeechModel plain(options);
  SpeechModel augmented(SpeechModelOptions(options).freq_warp(0.2).freq_mask(3).time_mask(4));
  attnzoo::testing::copy_parameters(*plain, *augmented);
  plain->eval();
  augmented->eval();
  const auto x = torch::randn({4, 20, 10}) + 10.0;  // no entry is 0 by itself
  const auto mask = attnzoo::testing::lengths_to_mask({20, 12, 5, 1}, 20);
  EXPECT_LE(max_abs_diff(augmented->forward(x, mask), plain->forward(x, mask)), 1e-6);

  // Warp alone: bin j of a ramp (value j) reads j / alpha, one alpha per utterance in 1 +- 0.2.
  SpeechModel warp(SpeechModelOptions(options).freq_warp(0.2));
  const auto ramp = torch::arange(10, torch::kFloat).view({1, 1, 10}).expand({4, 20, 10});
  const auto warped = warp->augment(ramp, mask);
  for (int64_t b = 0; b < 4; ++b) {
    EXPECT_LE(max_abs_diff(warped[b], warped[b][0].expand({20, 10})), 1e-6);
    const double ratio = warped[b][0][3].item<double>() / 3.0;  // 3 / alpha < 9: not clamped
    EXPECT_GE(ratio, 1 / 1.2 - 1e-6);
    EXPECT_LE(ratio, 1 / 0.8 + 1e-6);
    EXPECT_LE(max_abs_diff(warped[b][0].narrow(0, 0, 5), torch::arange(5) * ratio), 1e-5);
  }
  // Masks alone: the blanked entries are a band of at most 3 bins over every frame plus a span of
  // at most 4 real frames over every bin; everything else is untouched.
  SpeechModel masks(SpeechModelOptions(options).freq_mask(3).time_mask(4));
  for (int trial = 0; trial < 20; ++trial) {
    const auto out = masks->augment(x, mask);
    const auto blank = out == 0;
    EXPECT_TRUE(torch::equal(out.masked_select(~blank), x.masked_select(~blank)));
    for (int64_t b = 0; b < 4; ++b) {
      const auto bins = blank[b].all(0);    // [F]: blanked on every frame
      const auto frames = blank[b].all(1);  // [T]: blanked on every bin
      EXPECT_TRUE(torch::equal(blank[b], bins.unsqueeze(0) | frames.unsqueeze(1)));
      EXPECT_LE(bins.sum().item<int64_t>(), 3);
      EXPECT_LE(frames.sum().item<int64_t>(), 4);
      const int64_t length = mask[b].sum().item<int64_t>();
      EXPECT_FALSE(frames.narrow(0, length, 20 - length).any().item<bool>());
    }
  }
}

TEST(SpeechCli, TrainsTruncatedAttentionOnFsddFilesAndEvaluates) {
  auto dir = fresh_dir("cli");
  for (int64_t label = 0; label < 3; ++label) {
    for (int64_t index = 0; index < 16; ++index) {
      write_wav((dir / fmt::format("{}_ann_{}.wav", label, index)).string(),
                tone(label, index, 8000, 0.2 + 0.01 * index), 8000);
    }
  }
  const auto run = (dir / "run").string();
  const std::string binary = ATTNZOO_BINARY;
  auto train = attnzoo::testing::shell(
      binary + " train --dataset fsdd --data " + dir.string() +
      " --model truncated --truncate-left 4 --truncate-right 2 --d-model 16 --heads 2 --layers 1"
      " --epochs 10 --val-fraction 0.3 --batch-size 8 --lr 3e-3 --threads 1 --out " +
      run);
  ASSERT_EQ(train.status, 0) << train.output;
  EXPECT_TRUE(contains(train.output, "15 test utterances at 8000 Hz, 3 classes")) << train.output;
  const auto at = train.output.find("test accuracy ");
  ASSERT_NE(at, std::string::npos) << train.output;
  // The pitch tells the class: far above chance (1/3).
  EXPECT_GE(std::stod(train.output.substr(at + 14)), 0.8) << train.output;
  auto eval = attnzoo::testing::shell(binary + " eval --run " + run + " --dataset fsdd --data " +
                                      dir.string() + " --threads 1");
  ASSERT_EQ(eval.status, 0) << eval.output;
  EXPECT_TRUE(contains(eval.output, "48 examples")) << eval.output;

  // Exported, the module labels WAV files as the run's C++ model does.
  const auto model = (dir / "model.pt").string();
  auto exported = attnzoo::testing::shell(binary + " export --run " + run + " --out " + model);
  ASSERT_EQ(exported.status, 0) << exported.output;
  auto module = torch::jit::load(model);
  EXPECT_EQ(module.attr("sample_rate").toInt(), 8000);
  EXPECT_EQ(module.attr("num_mel_bins").toInt(), 40);
  std::string inputs;
  for (const char* name : {"0_ann_3.wav", "1_ann_5.wav", "2_ann_7.wav"})
    inputs += " " + (dir / name).string();
  auto by_module =
      attnzoo::testing::shell(binary + " predict --threads 1 --model " + model + inputs);
  auto by_run = attnzoo::testing::shell(binary + " predict --threads 1 --run " + run + inputs);
  ASSERT_EQ(by_module.status, 0) << by_module.output;
  EXPECT_EQ(by_module.output, by_run.output);
  EXPECT_TRUE(contains(by_run.output, "0_ann_3.wav\t")) << by_run.output;
  auto missing = attnzoo::testing::shell(binary + " predict --model " + model + " nothing.wav");
  EXPECT_NE(missing.status, 0);
  EXPECT_TRUE(contains(missing.output, "nothing.wav")) << missing.output;

  // Another speaker, with recordings 4x longer than any in training: sinusoidal positions take
  // any length, in eval, predict and the exported module alike.
  EXPECT_TRUE(nlohmann::json::parse(attnzoo::testing::read_text(fs::path(run) / "model.json"))
                  .at("max_length")
                  .is_null());
  EXPECT_EQ(module.attr("max_length").toInt(), 0);
  const auto other = dir / "other";
  fs::create_directories(other);
  std::string long_inputs;
  for (int64_t label = 0; label < 3; ++label) {
    for (int64_t index = 0; index < 2; ++index) {
      const auto path = other / fmt::format("{}_bob_{}.wav", label, index);
      write_wav(path.string(), tone(label, 20 + index, 8000, 1.6), 8000);
      long_inputs += " " + path.string();
    }
  }
  auto long_eval = attnzoo::testing::shell(
      binary + " eval --run " + run + " --dataset fsdd --data " + other.string() + " --threads 1");
  ASSERT_EQ(long_eval.status, 0) << long_eval.output;
  EXPECT_TRUE(contains(long_eval.output, "6 examples")) << long_eval.output;
  auto long_by_module =
      attnzoo::testing::shell(binary + " predict --threads 1 --model " + model + long_inputs);
  auto long_by_run =
      attnzoo::testing::shell(binary + " predict --threads 1 --run " + run + long_inputs);
  ASSERT_EQ(long_by_run.status, 0) << long_by_run.output;
  EXPECT_EQ(long_by_module.output, long_by_run.output);
  EXPECT_EQ(std::count(long_by_run.output.begin(), long_by_run.output.end(), '\n'), 6);

  // Learned positions bound the length by their table: past it, one line naming the option.
  const auto learned = (dir / "learned").string();
  auto small = attnzoo::testing::shell(
      binary + " train --dataset fsdd --data " + dir.string() +
      " --positional learned --max-positions 40 --d-model 16 --heads 2 --layers 1 --epochs 1"
      " --val-fraction 0.3 --threads 1 --out " +
      learned);
  ASSERT_EQ(small.status, 0) << small.output;
  auto too_long = attnzoo::testing::shell(binary + " eval --run " + learned +
                                          " --dataset fsdd --data " + other.string());
  EXPECT_EQ(too_long.status, 1) << too_long.output;
  EXPECT_TRUE(contains(too_long.output, other.string() + ": an utterance has 15"))
      << too_long.output;
  EXPECT_TRUE(contains(too_long.output,
                       " frames, longer than the model's learned position table "
                       "(40); train with a larger --max-positions"))
      << too_long.output;
}

}  // namespace
