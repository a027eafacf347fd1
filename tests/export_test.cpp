// Exported sequence models (text, speech, image heads with every registered sequence variant):
// the reloaded TorchScript module equals the C++ model within 1e-5 at several lengths, batch 1
// and batch > 1 with padding, in C++ and through Python's torch.jit.load. Only a learned position
// table bounds the length: with sinusoidal positions the models run inputs 4x longer than any
// table the earlier versions sized from the data, and images of another size.

#include <algorithm>
#include <array>
#include <filesystem>
#include <string>
#include <vector>

#include <gtest/gtest.h>
#include <torch/script.h>
#include <torch/torch.h>

#include "models/baselines/convolution_mixer.h"
#include "models/graph_model.h"
#include "models/registry.h"
#include "models/torchscript/attention_script.h"
#include "models/torchscript/graph_model_script.h"
#include "models/torchscript/sequence_model_script.h"
#include "models/torchscript/torchscript_file.h"
#include "tests/test_util.h"

namespace fs = std::filesystem;
using namespace attnzoo;
using attnzoo::testing::contains;
using attnzoo::testing::lengths_to_mask;
using attnzoo::testing::max_abs_diff;
using attnzoo::testing::message_of;

namespace {

std::vector<std::string> sequence_variants() {
  std::vector<std::string> names;
  for (const auto& entry : attention_registry()) {
    if (!entry.is_graph())
      names.push_back(entry.name);
  }
  return names;
}

// Small settings under which every variant's pattern has several blocks, partial blocks,
// strided and global parts at the tested lengths.
AttentionConfig small_config(const std::string& name) {
  AttentionConfig c;
  c.name = name;
  c.d_model = 8;
  c.heads = 2;
  c.window = 3;
  c.truncate_left = 4;
  c.truncate_right = 1;
  c.stride = 5;
  c.globals = 2;
  c.dilation = {1, 2};
  c.block_size = 4;
  c.window_blocks = 3;
  c.global_blocks = 2;
  c.random_blocks = 1;
  c.pattern_seed = 7;
  c.kernel_block = 4;
  return c;
}

EncoderOptions small_encoder(const AttentionConfig& attention, int64_t layers) {
  return EncoderOptions(EncoderLayerOptions(attention).mlp_dim(16), layers);
}

// Batches of the given lengths, padded to the longest.
struct Lengths {
  std::vector<int64_t> real;
  int64_t padded() const { return *std::max_element(real.begin(), real.end()); }
};

// Lengths up to 40 (the longest "training" input), and, with sinusoidal positions, 4x that.
const std::vector<Lengths>& text_lengths(bool any_length) {
  static const std::vector<Lengths> bounded = {{{1}},  {{5}},         {{23}},
                                               {{40}}, {{40, 17, 1}}, {{9, 9}}};
  static std::vector<Lengths> unbounded = [] {
    auto cases = bounded;
    cases.push_back({{160}});
    cases.push_back({{160, 41, 3}});
    return cases;
  }();
  return any_length ? unbounded : bounded;
}

}  // namespace

TEST(SequenceExport, EveryVariantAndHeadMatchesTheModelInCppAndPython) {
  const auto dir = attnzoo::testing::fresh_dir("export", "sequence");
  std::vector<std::pair<std::string, std::string>> python;
  auto save_and_load = [&](torch::jit::Module module, const std::string& name) {
    const auto path = (dir / (name + ".pt")).string();
    module.save(path);
    python.emplace_back(path, (dir / (name + "_cases.pt")).string());
    return torch::jit::load(path);
  };
  // Token batches of every length of text_lengths(), in C++ and recorded for Python.
  auto check_text = [&](TextModelImpl& model, torch::jit::Module& loaded, const std::string& what) {
    attnzoo::testing::ExportCases cases;
    EXPECT_EQ(loaded.attr("max_length").toInt(), model.max_length()) << what;
    for (const auto& l : text_lengths(model.max_length() == 0)) {
      auto tokens =
          torch::randint(0, 30, {static_cast<int64_t>(l.real.size()), l.padded()}, torch::kLong);
      auto mask = lengths_to_mask(l.real, l.padded());
      auto expected = model.forward(tokens, mask);
      auto out = loaded.forward({tokens, mask}).toTensor();
      EXPECT_LE(max_abs_diff(out, expected), 1e-5) << what << " n=" << l.padded();
      cases.add({tokens, mask}, expected);
    }
    cases.save(python.back().second);
  };
  torch::NoGradGuard no_grad;
  bool utterance_norm = false;  // every other variant's speech model normalises utterances
  for (const auto& variant : sequence_variants()) {
    utterance_norm = !utterance_norm;
    // Text classification with a [CLS] token: dot scores, softmax, two layers.
    {
      torch::manual_seed(1);
      auto model = TextModel(TextModelOptions(30, 3, small_encoder(small_config(variant), 2)));
      model->eval();
      auto loaded =
          save_and_load(script_text_model(*model, {"a", "b", "c"}, {}), variant + "_text");
      check_text(*model, loaded, variant + " text");
      auto bad_id = message_of([&] {
        loaded.forward({torch::full({1, 3}, 30, torch::kLong), torch::ones({1, 3}, torch::kBool)});
      });
      EXPECT_TRUE(contains(bad_id, "outside the vocabulary")) << bad_id;
    }
    // Sequence labelling with additive scores, ReLU normalisation (linear: causal), learned
    // positions and word classes (ids 25..29 stand for classes; a third of the words have one).
    {
      auto config = small_config(variant);
      if (variant == "linear") {  // its feature map replaces scores and normalisation
        config.causal = true;
        config.linear_chunk = 3;
      } else {
        config.score = Score::kAdditive;
        config.normalization = Normalization::kRelu;
      }
      std::vector<int64_t> classes(30, 0);
      for (int64_t id = 2; id < 25; id += 3)
        classes[static_cast<size_t>(id)] = 25 + id % 5;
      torch::manual_seed(2);
      auto model = TextModel(TextModelOptions(30, 4, small_encoder(config, 1))
                                 .max_positions(40)
                                 .labelling(true)
                                 .positional(PositionalKind::kLearned)
                                 .token_classes(classes));
      model->eval();
      auto loaded = save_and_load(script_text_model(*model, {"A", "B", "C", "D"}, {}),
                                  variant + "_labelling");
      check_text(*model, loaded, variant + " labelling");
      // Past the learned table: the same one-line message from the model and the module.
      const auto tokens = torch::zeros({1, 41}, torch::kLong);
      const auto mask = torch::ones({1, 41}, torch::kBool);
      const std::string expected =
          "an input of 41 tokens is longer than the learned position table (max_positions 40)";
      auto by_model = message_of([&] { model->forward(tokens, mask); });
      EXPECT_TRUE(contains(by_model, expected)) << by_model;
      auto by_module = message_of([&] { loaded.forward({tokens, mask}); });
      EXPECT_TRUE(contains(by_module, expected)) << by_module;
    }
    // Speech, mean pooling, automatic kernel blocks, and one utterance long enough for the
    // kernel's fused path (C++) against the exported general path.
    {
      auto config = small_config(variant);
      config.kernel_block = 0;
      torch::manual_seed(3);
      auto model = SpeechModel(SpeechModelOptions(5, 3, small_encoder(config, 1))
                                   .utterance_norm(utterance_norm)
                                   .mean({0.1, 0.2, 0.3, 0.4, 0.5})
                                   .std({1.0, 2.0, 0.5, 1.0, 3.0}));
      model->eval();
      auto loaded =
          save_and_load(script_speech_model(*model, {"x", "y", "z"}), variant + "_speech");
      attnzoo::testing::ExportCases cases;
      EXPECT_EQ(loaded.attr("max_length").toInt(), 0) << variant;
      for (const auto& l : std::vector<Lengths>{{{2}}, {{37, 20}}, {{1100, 1030}}}) {
        auto frames = torch::randn({static_cast<int64_t>(l.real.size()), l.padded(), 5});
        auto mask = lengths_to_mask(l.real, l.padded());
        auto expected = model->forward(frames, mask);
        auto out = loaded.forward({frames, mask}).toTensor();
        EXPECT_LE(max_abs_diff(out, expected), 1e-5) << variant << " speech T=" << l.padded();
        cases.add({frames, mask}, expected);
      }
      cases.save(python.back().second);
    }
    // Images: normalisation, patches and 2-D sinusoidal positions inside the module.
    {
      torch::manual_seed(4);
      auto model =
          ImageModel(ImageModelOptions(3, 8, 12, 5, small_encoder(small_config(variant), 1))
                         .patch(2)
                         .positional(PositionalKind::kSinusoidal)
                         .mean({0.5, 0.4, 0.3})
                         .std({0.2, 0.25, 0.3}));
      model->eval();
      auto loaded =
          save_and_load(script_image_model(*model, {"0", "1", "2", "3", "4"}), variant + "_image");
      attnzoo::testing::ExportCases cases;
      // The training size, and larger images of other shapes (16 and 32 times the patches).
      for (auto [batch, height, width] :
           std::vector<std::array<int64_t, 3>>{{1, 8, 12}, {4, 8, 12}, {2, 32, 24}, {1, 8, 96}}) {
        if (variant == "cnn" && width != 12)
          continue;  // its 2-D kernel runs over rows of the training width (below)
        auto images = torch::rand({batch, 3, height, width});
        auto expected = model->forward(images);
        auto out = loaded.forward({images}).toTensor();
        EXPECT_LE(max_abs_diff(out, expected), 1e-5)
            << variant << " image batch " << batch << " " << height << "x" << width;
        cases.add({images}, expected);
      }
      cases.save(python.back().second);
      if (variant == "cnn") {
        auto taller = torch::rand({1, 3, 32, 12});
        EXPECT_LE(max_abs_diff(loaded.forward({taller}).toTensor(), model->forward(taller)), 1e-5);
        const std::string expected =
            "images 24 pixels wide, but the cnn mixer's grid is 12 wide (8x12 in training)";
        auto wider = torch::rand({1, 3, 8, 24});
        auto by_model = message_of([&] { model->forward(wider); });
        EXPECT_TRUE(contains(by_model, expected)) << by_model;
        auto by_module = message_of([&] { loaded.forward({wider}); });
        EXPECT_TRUE(contains(by_module, expected)) << by_module;
      }
      auto odd = message_of([&] { loaded.forward({torch::rand({1, 3, 9, 12})}); });
      EXPECT_TRUE(contains(odd, "images of 9x12 pixels do not divide into 2x2 patches")) << odd;
    }
    // Learned patch positions cover the training size only: another size is a one-line error.
    {
      torch::manual_seed(5);
      auto model = ImageModel(ImageModelOptions(1, 8, 8, 3, small_encoder(small_config(variant), 1))
                                  .patch(4)
                                  .positional(PositionalKind::kLearned));
      model->eval();
      auto loaded = script_image_model(*model, {"0", "1", "2"});
      auto same = torch::rand({2, 1, 8, 8});
      EXPECT_LE(max_abs_diff(loaded.forward({same}).toTensor(), model->forward(same)), 1e-5)
          << variant;
      const std::string expected =
          "images of 16x8 pixels, but the learned patch positions cover 8x8 (sinusoidal "
          "positions take any size)";
      auto larger = torch::rand({1, 1, 16, 8});
      auto by_model = message_of([&] { model->forward(larger); });
      EXPECT_TRUE(contains(by_model, expected)) << variant << ": " << by_model;
      auto by_module = message_of([&] { loaded.forward({larger}); });
      EXPECT_TRUE(contains(by_module, expected)) << variant << ": " << by_module;
    }
  }

  if (!attnzoo::testing::python_torch_available())
    GTEST_SKIP() << "Debian's python3-torch is not installed (scripts/setup.sh installs it)";
  std::string args;
  for (const auto& [model, cases] : python)
    args += " " + model + " " + cases;
  auto run = attnzoo::testing::shell("/usr/bin/python3 " + std::string(ATTNZOO_SOURCE_DIR) +
                                     "/tests/reference/check_export.py" + args);
  EXPECT_EQ(run.status, 0) << run.output;
  EXPECT_TRUE(contains(run.output, "labels ['A', 'B', 'C', 'D']")) << run.output;
}

// The exported sparse variants keep the sparse computation: at 60,000 tokens a dense score
// matrix of the two heads would take 28.8 GB, the exported layers need a few MB, and they still
// equal the C++ model (whose kernel takes its fused path at this length).
// Every file of models/torchscript/source/ is compiled by some export above (a file no layer
// uses, or one that no longer compiles, fails here or there).
TEST(SequenceExport, EveryTorchScriptFileIsCompiledByAnExport) {
  const auto names = attnzoo::torchscript_file_names();
  EXPECT_GE(names.size(), 14u);
  torch::NoGradGuard no_grad;
  auto unit = std::make_shared<torch::jit::CompilationUnit>();
  for (const auto& variant : sequence_variants()) {
    for (const auto score : {Score::kDot, Score::kAdditive}) {
      auto config = small_config(variant);
      if (variant != "linear")
        config.score = score;
      auto layer = make_attention(config);
      layer->eval();
      auto module = script_attention(*layer, "Layer", unit);
      auto x = torch::randn({2, 7, config.d_model});
      auto mask = torch::ones({2, 7}, torch::kBool);
      EXPECT_LE(max_abs_diff(module.forward({x, mask}).toTensor(), layer->forward(x, mask).output),
                1e-5)
          << variant;
    }
  }
  auto image = ConvolutionMixer(ConvolutionMixerOptions(8).grid_width(3).grid_offset(1));
  image->eval();
  auto module = script_attention(*image, "Image", unit);
  auto x = torch::randn({2, 10, 8});
  auto mask = torch::ones({2, 10}, torch::kBool);
  EXPECT_LE(max_abs_diff(module.forward({x, mask}).toTensor(), image->forward(x, mask).output),
            1e-5);
  AttentionConfig gat;
  gat.name = "gat";
  gat.d_model = 8;
  gat.heads = 2;
  auto graph = GraphModel(GraphModelOptions(5, 3, gat));
  graph->eval();
  script_graph_model(*graph, {"a", "b", "c"});
  const auto served = attnzoo::torchscript_files_served();
  for (const auto& name : names)
    EXPECT_TRUE(served.count(name)) << "models/torchscript/source/" << name << ".py";
}

TEST(SequenceExport, SparseVariantsStaySparseAtLongLengths) {
  const int64_t n = 60000;
  torch::NoGradGuard no_grad;
  for (const auto& variant : sequence_variants()) {
    if (variant == "vanilla" || variant == "multihead")
      continue;
    auto config = small_config(variant);
    config.kernel_block = 0;
    config.stride = 1000;  // the strided part has n / stride keys per query
    config.block_size = 128;
    torch::manual_seed(6);
    auto model = SpeechModel(SpeechModelOptions(5, 3, small_encoder(config, 1)));
    model->eval();
    auto loaded = script_speech_model(*model, {"x", "y", "z"});
    auto frames = torch::randn({1, n, 5});
    auto mask = lengths_to_mask({n - 7}, n);
    EXPECT_LE(max_abs_diff(loaded.forward({frames, mask}).toTensor(), model->forward(frames, mask)),
              1e-5)
        << variant;
  }
}
