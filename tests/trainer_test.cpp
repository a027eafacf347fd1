// The shared trainer: it learns, it stops on a non-finite loss, it writes its run directory, and
// its batching and schedule do what they say.

#include <filesystem>
#include <fstream>
#include <limits>
#include <random>
#include <set>

#include <nlohmann/json.hpp>

#include "datasets/token_dataset.h"
#include "models/text_model.h"
#include "tests/test_util.h"
#include "training/batching.h"
#include "training/checkpoint.h"
#include "training/schedule.h"
#include "training/trainer.h"

namespace attnzoo {
namespace {

namespace fs = std::filesystem;

// Random token sequences of varied length with random labels: only memorisation fits them.
TokenDataset random_dataset(int64_t count, int64_t vocab, int64_t classes, uint64_t seed) {
  std::mt19937_64 rng(seed);
  std::vector<TokenExample> examples;
  for (int64_t i = 0; i < count; ++i) {
    TokenExample e;
    const int64_t length = 3 + static_cast<int64_t>(rng() % 6);
    for (int64_t j = 0; j < length; ++j)
      e.tokens.push_back(2 + static_cast<int64_t>(rng() % (vocab - 2)));
    e.label = static_cast<int64_t>(rng() % classes);
    examples.push_back(e);
  }
  return TokenDataset(examples);
}

std::shared_ptr<TextModelImpl> tiny_classifier(int64_t vocab, int64_t classes,
                                               const std::string& attention = "multihead",
                                               double dropout = 0.0) {
  AttentionConfig config;
  config.name = attention;
  config.d_model = 32;
  config.heads = 2;
  return std::make_shared<TextModelImpl>(
      TextModelOptions(vocab, classes,
                       EncoderOptions(EncoderLayerOptions(config).dropout(dropout), 1))
          .max_positions(16)
          .dropout(dropout));
}

fs::path fresh_dir(const std::string& name) {
  auto dir =
      fs::temp_directory_path() / ("attnzoo_test_" + name + "_" + std::to_string(::getpid()));
  fs::remove_all(dir);
  return dir;
}

// A tagger over a vocabulary of 6 with 3 tags and no dropout, small enough to reason about.
TextModelOptions small_tagger_options() {
  AttentionConfig config;
  config.d_model = 16;
  config.heads = 2;
  return TextModelOptions(6, 3, EncoderOptions(EncoderLayerOptions(config).dropout(0.0), 1))
      .max_positions(8)
      .dropout(0.0)
      .labelling(true);
}

// A word's class embedding is added to its own: the model with token_classes equals one without,
// whose embedding rows already hold the sums. Id 0 (none) adds nothing.
TEST(TextModel, TokenClassesAddTheClassEmbedding) {
  const auto options = small_tagger_options();
  torch::manual_seed(3);
  TextModel with_classes(TextModelOptions(options).token_classes({0, 0, 5, 5, 0, 0}));
  TextModel plain(options);
  attnzoo::testing::copy_parameters(*with_classes, *plain);
  {
    torch::NoGradGuard no_grad;
    auto rows = plain->embedding->weight;
    rows[2].add_(rows[5].clone());
    rows[3].add_(rows[5].clone());
  }
  with_classes->eval();
  plain->eval();
  auto tokens = torch::tensor({2, 3, 4, 5, 1, 0}, torch::kLong).view({1, 6});
  auto mask = torch::ones({1, 6}, torch::kBool);
  auto expected = plain->forward(tokens, mask);
  EXPECT_LT(attnzoo::testing::max_abs_diff(with_classes->forward(tokens, mask), expected), 1e-6);
  // Without the sums the outputs differ at the classed tokens: the test can fail.
  TextModel unsummed(options);
  attnzoo::testing::copy_parameters(*with_classes, *unsummed);
  unsummed->eval();
  EXPECT_GT(attnzoo::testing::max_abs_diff(unsummed->forward(tokens, mask), expected), 1e-4);
  // A mapping of the wrong size or outside the vocabulary is refused.
  EXPECT_THROW(TextModel(TextModelOptions(options).token_classes({0, 1})), c10::Error);
  EXPECT_THROW(TextModel(TextModelOptions(options).token_classes({0, 0, 9, 0, 0, 0})), c10::Error);
}

// Word dropout replaces words, in training only, by what an unseen word gets: its class token
// with token classes (words without a class and padding stay), the unknown token without.
TEST(TextModel, WordDropoutReplacesWordsByTheirUnseenForm) {
  const auto options = small_tagger_options().token_classes({0, 0, 5, 5, 0, 0});
  auto tokens = torch::tensor({2, 3, 4, 5, 1, 2}, torch::kLong).view({1, 6});
  auto mask = torch::tensor({1, 1, 1, 1, 1, 0}, torch::kBool).view({1, 6});
  torch::manual_seed(4);
  TextModel dropping(TextModelOptions(options).word_dropout(1.0));
  EXPECT_TRUE(torch::equal(dropping->drop_words(tokens, mask),
                           torch::tensor({5, 5, 4, 5, 1, 2}, torch::kLong).view({1, 6})));
  TextModel plain(TextModelOptions(options).word_dropout(0.0));
  EXPECT_TRUE(torch::equal(plain->drop_words(tokens, mask), tokens));
  TextModel classless(TextModelOptions(options).token_classes({}).word_dropout(1.0));
  EXPECT_TRUE(torch::equal(classless->drop_words(tokens, mask),
                           torch::tensor({1, 1, 1, 1, 1, 2}, torch::kLong).view({1, 6})));

  // forward: in training the dropping model sees the replaced words; in eval the words themselves.
  attnzoo::testing::copy_parameters(*dropping, *plain);
  plain->eval();
  dropping->train();
  const auto replaced = torch::tensor({5, 5, 4, 5, 1, 2}, torch::kLong).view({1, 6});
  EXPECT_LT(attnzoo::testing::max_abs_diff(dropping->forward(tokens, mask),
                                           plain->forward(replaced, mask)),
            1e-6);
  EXPECT_GT(
      attnzoo::testing::max_abs_diff(dropping->forward(tokens, mask), plain->forward(tokens, mask)),
      1e-4);
  dropping->eval();
  EXPECT_LT(
      attnzoo::testing::max_abs_diff(dropping->forward(tokens, mask), plain->forward(tokens, mask)),
      1e-6);

  // A probability p replaces about p of the candidates, never padding.
  TextModel half(TextModelOptions(options).token_classes({}).word_dropout(0.3));
  auto many = torch::randint(2, 6, {50, 200}, torch::kLong);
  auto many_mask = torch::rand({50, 200}) < 0.8;
  auto dropped = half->drop_words(many, many_mask) != many;
  EXPECT_FALSE(dropped.masked_select(many_mask.logical_not()).any().item<bool>());
  const double share = dropped.sum().item<double>() / many_mask.sum().item<double>();
  EXPECT_NEAR(share, 0.3, 0.02);
  EXPECT_THROW(TextModel(TextModelOptions(options).word_dropout(1.5)), c10::Error);
}

TEST(Trainer, TinyModelOverfitsTinyDataset) {
  torch::manual_seed(0);
  auto data = random_dataset(24, 12, 3, 1);
  for (const char* attention : {"vanilla", "multihead"}) {
    auto model = tiny_classifier(12, 3, attention);
    TrainerOptions options;
    options.epochs = 100;
    options.batch_size = 12;
    options.lr = 5e-3;
    options.weight_decay = 0.0;
    options.log_every = 1000000;
    Trainer trainer(model, options);
    const double before = trainer.evaluate(data).accuracy;
    auto result = trainer.fit(data, data);
    EXPECT_EQ(result.best_validation.accuracy, 1.0)
        << attention << " (started at " << before << ")";
    EXPECT_EQ(trainer.evaluate(data).accuracy, result.best_validation.accuracy) << attention;
  }
}

// Logits that turn into NaN after a few steps.
class PoisonedModel : public TaskModelImpl {
 public:
  PoisonedModel() { weight = register_parameter("weight", torch::zeros({2})); }
  torch::Tensor forward(const Batch& batch) override {
    ++calls;
    auto logits = weight.unsqueeze(0).expand({batch.size(), 2});
    return calls >= 3 ? logits * std::numeric_limits<double>::quiet_NaN() : logits;
  }
  torch::Tensor weight;
  int calls = 0;
};

TEST(Trainer, NonFiniteLossStopsTheRunNamingTheStep) {
  auto data = random_dataset(32, 8, 2, 2);
  TrainerOptions options;
  options.batch_size = 4;
  options.log_every = 1000000;
  Trainer trainer(std::make_shared<PoisonedModel>(), options);
  try {
    trainer.fit(data, data);
    FAIL() << "a NaN loss must stop the run";
  } catch (const std::runtime_error& e) {
    EXPECT_NE(std::string(e.what()).find("nan at step 3"), std::string::npos) << e.what();
  }
}

TEST(Trainer, WritesRunDirectory) {
  torch::manual_seed(0);
  auto dir = fresh_dir("run");
  auto data = random_dataset(16, 10, 2, 3);
  auto model = tiny_classifier(10, 2);
  TrainerOptions options;
  options.epochs = 2;
  options.batch_size = 4;
  options.log_every = 2;
  options.out_dir = dir.string();
  options.tags = {{"model", "multihead"}, {"dataset", "random"}};
  auto result = Trainer(model, options).fit(data, data, &data);

  std::ifstream final_file(dir / "final.json");
  ASSERT_TRUE(final_file.good());
  auto final_json = nlohmann::json::parse(final_file);
  for (const char* key : {"test_accuracy", "val_accuracy", "params", "train_seconds",
                          "peak_rss_bytes", "model", "dataset"}) {
    EXPECT_TRUE(final_json.contains(key)) << key;
  }
  EXPECT_EQ(final_json["model"], "multihead");
  EXPECT_EQ(final_json["params"].get<int64_t>(), count_parameters(*model));
  EXPECT_DOUBLE_EQ(final_json["test_accuracy"].get<double>(), result.test.accuracy);
  EXPECT_GE(final_json["peak_rss_bytes"].get<int64_t>(), 1000000);

  std::ifstream metrics(dir / "metrics.jsonl");
  int steps = 0, epochs = 0;
  double seconds = 0.0;  // every record carries the run's time so far, for plots against time
  for (std::string line; std::getline(metrics, line);) {
    auto record = nlohmann::json::parse(line);
    (record["kind"] == "epoch" ? epochs : steps)++;
    ASSERT_TRUE(record.contains("seconds")) << line;
    EXPECT_GE(record["seconds"].get<double>(), seconds) << line;
    seconds = record["seconds"].get<double>();
  }
  EXPECT_EQ(epochs, 2);
  EXPECT_EQ(steps, 4);  // 8 steps, one record every 2

  // The best checkpoint loads into a fresh model and gives the reported validation accuracy.
  auto reloaded = tiny_classifier(10, 2);
  load_module(*reloaded, (dir / "best.pt").string());
  TrainerOptions eval_options;
  eval_options.batch_size = 4;
  EXPECT_DOUBLE_EQ(Trainer(reloaded, eval_options).evaluate(data).accuracy,
                   result.best_validation.accuracy);
  EXPECT_FALSE(fs::exists(dir / "best.pt.tmp"));
  fs::remove_all(dir);
}

// Records which examples each training batch held.
class CountingModel : public TaskModelImpl {
 public:
  CountingModel() { weight = register_parameter("weight", torch::zeros({2})); }
  torch::Tensor forward(const Batch& batch) override {
    if (is_training())
      seen.push_back(batch.inputs.select(1, 0).clone());
    return weight.unsqueeze(0).expand({batch.size(), 2});
  }
  torch::Tensor weight;
  std::vector<torch::Tensor> seen;
};

TEST(Trainer, StepBudgetStopsTheRunAndTrainFractionTrainsOnASeededPart) {
  auto data = random_dataset(40, 10, 2, 7);
  TrainerOptions options;
  options.epochs = 50;
  options.batch_size = 4;
  options.log_every = 1000000;
  options.max_steps = 13;  // one whole epoch (10 steps) and 3 steps of the second
  auto model = std::make_shared<CountingModel>();
  auto result = Trainer(model, options).fit(data, data, &data);
  EXPECT_EQ(result.steps, 13);
  EXPECT_EQ(result.epochs_run, 2);  // the second ends early, with its validation pass
  EXPECT_EQ(model->seen.size(), 13u);

  options.max_steps = 0;
  options.epochs = 3;
  options.train_fraction = 0.25;
  auto part = std::make_shared<CountingModel>();
  result = Trainer(part, options).fit(data, data, &data);
  EXPECT_EQ(result.steps, 9);  // 10 of the 40 examples: 3 batches an epoch
  std::set<int64_t> first_tokens;
  for (const auto& batch : part->seen) {
    for (int64_t i = 0; i < batch.size(0); ++i)
      first_tokens.insert(batch[i].item<int64_t>());
  }
  EXPECT_LE(first_tokens.size(), 10u);  // every epoch draws from the same 10 examples
  auto again = std::make_shared<CountingModel>();
  Trainer(again, options).fit(data, data, &data);
  ASSERT_EQ(again->seen.size(), part->seen.size());
  for (size_t i = 0; i < again->seen.size(); ++i)
    EXPECT_TRUE(torch::equal(again->seen[i], part->seen[i])) << "batch " << i;  // seeded
}

TEST(Trainer, ResumedRunEndsLikeAnUninterruptedOne) {
  auto data = random_dataset(40, 10, 3, 5);
  auto validation = random_dataset(12, 10, 3, 6);
  TrainerOptions options;
  options.epochs = 4;
  options.batch_size = 8;
  options.log_every = 3;
  // Dropout makes the run depend on the random state, which the checkpoint must carry.
  auto fresh_model = [] {
    torch::manual_seed(42);
    return tiny_classifier(10, 3, "multihead", 0.2);
  };
  auto whole_dir = fresh_dir("whole");
  options.out_dir = whole_dir.string();
  auto whole_model = fresh_model();
  auto whole = Trainer(whole_model, options).fit(data, validation, &validation);

  auto split_dir = fresh_dir("split");
  options.out_dir = split_dir.string();
  options.stop_after_epochs = 2;
  auto first = Trainer(fresh_model(), options).fit(data, validation, &validation);
  EXPECT_FALSE(first.finished);
  EXPECT_EQ(first.epochs_run, 2);
  EXPECT_FALSE(fs::exists(split_dir / "final.json"));
  options.stop_after_epochs = 0;
  options.resume = true;
  torch::manual_seed(7);  // a different random state in the new process must not matter
  auto resumed_model = tiny_classifier(10, 3, "multihead", 0.2);
  auto resumed = Trainer(resumed_model, options).fit(data, validation, &validation);

  EXPECT_TRUE(resumed.finished);
  EXPECT_EQ(resumed.steps, whole.steps);
  EXPECT_EQ(resumed.best_epoch, whole.best_epoch);
  EXPECT_EQ(resumed.best_validation.accuracy, whole.best_validation.accuracy);
  EXPECT_EQ(resumed.test.accuracy, whole.test.accuracy);
  EXPECT_EQ(resumed.test.loss, whole.test.loss);
  auto whole_params = whole_model->parameters();
  auto resumed_params = resumed_model->parameters();
  ASSERT_EQ(whole_params.size(), resumed_params.size());
  for (size_t i = 0; i < whole_params.size(); ++i) {
    EXPECT_TRUE(torch::equal(whole_params[i], resumed_params[i])) << "parameter " << i;
  }
  // The resumed run's log continues where the first part stopped.
  auto epoch_losses = [](const fs::path& dir) {
    std::vector<double> losses;
    std::ifstream metrics(dir / "metrics.jsonl");
    for (std::string line; std::getline(metrics, line);) {
      auto record = nlohmann::json::parse(line);
      if (record["kind"] == "epoch")
        losses.push_back(record["val_loss"].get<double>());
    }
    return losses;
  };
  EXPECT_EQ(epoch_losses(split_dir), epoch_losses(whole_dir));
  EXPECT_EQ(epoch_losses(whole_dir).size(), 4u);
  fs::remove_all(whole_dir);
  fs::remove_all(split_dir);
}

TEST(Trainer, LoadingAMissingOrForeignCheckpointNamesTheFile) {
  auto model = tiny_classifier(10, 2);
  try {
    load_module(*model, "/nonexistent/best.pt");
    FAIL();
  } catch (const std::runtime_error& e) {
    EXPECT_NE(std::string(e.what()).find("/nonexistent/best.pt"), std::string::npos);
  }
  auto dir = fresh_dir("foreign");
  fs::create_directories(dir);
  const auto path = (dir / "other.pt").string();
  save_module(*tiny_classifier(10, 3), path);  // three classes: a different head
  try {
    load_module(*model, path);
    FAIL();
  } catch (const std::runtime_error& e) {
    EXPECT_NE(std::string(e.what()).find(path), std::string::npos);
    EXPECT_NE(std::string(e.what()).find("head.weight"), std::string::npos) << e.what();
  }
  std::ofstream(dir / "garbage.pt") << "not a checkpoint";
  try {
    load_module(*model, (dir / "garbage.pt").string());
    FAIL();
  } catch (const std::runtime_error& e) {
    EXPECT_NE(std::string(e.what()).find("garbage.pt"), std::string::npos);
  }
  fs::remove_all(dir);
}

TEST(Batching, EveryExampleOnceDeterministicAndBucketed) {
  auto data = random_dataset(1000, 10, 2, 4);
  auto batches = make_batches(data, 16, true, 7);
  std::multiset<int64_t> seen;
  int64_t padded = 0;
  for (const auto& batch : batches) {
    EXPECT_LE(batch.size(), 16u);
    int64_t longest = 0, total = 0;
    for (auto i : batch) {
      seen.insert(i);
      longest = std::max(longest, data.length(i));
      total += data.length(i);
    }
    padded += longest * static_cast<int64_t>(batch.size()) - total;
  }
  EXPECT_EQ(seen.size(), 1000u);
  EXPECT_EQ(std::set<int64_t>(seen.begin(), seen.end()).size(), 1000u);
  EXPECT_EQ(make_batches(data, 16, true, 7), batches);
  EXPECT_NE(make_batches(data, 16, true, 8), batches);
  // Lengths are 3..8; random batches of 16 would pad ~ (8 - 5.5) per example, buckets almost none.
  EXPECT_LT(padded, 200);
  auto ordered = make_batches(data, 16, false, 0);
  EXPECT_EQ(ordered.front().front(), 0);
  EXPECT_EQ(ordered.back().back(), 999);
}

TEST(Batching, PadsWithMaskAndKeepsLabels) {
  TokenDataset data({{{5, 6, 7}, 1, {}}, {{8}, 0, {}}});
  auto batch = data.batch({0, 1});
  EXPECT_TRUE(torch::equal(batch.inputs, torch::tensor({{5, 6, 7}, {8, 0, 0}})));
  EXPECT_TRUE(torch::equal(batch.mask, torch::tensor({{true, true, true}, {true, false, false}})));
  EXPECT_TRUE(torch::equal(batch.labels, torch::tensor({1, 0})));
}

// Batches are padded to few lengths (so tensor sizes repeat from step to step), at most an eighth
// longer than their longest example and never longer than the split's longest.
TEST(Batching, PadsToFewLengthsCappedAtTheLongestExample) {
  std::set<int64_t> lengths;
  for (int64_t n = 1; n <= 5000; ++n) {
    const int64_t padded = padded_batch_length(n, std::numeric_limits<int64_t>::max());
    ASSERT_GE(padded, n);
    ASSERT_LE(8 * (padded - n), n) << n;
    if (n >= 500 && n <= 2000)
      lengths.insert(padded);
  }
  EXPECT_EQ(padded_batch_length(8, 100), 8);
  EXPECT_EQ(padded_batch_length(1001, 1010), 1010);  // 1024 by the rule, capped at the split's
  EXPECT_EQ(padded_batch_length(1001, 500), 1001);   // never below the batch's own longest
  EXPECT_LE(lengths.size(), 17u);                    // 8 per power of two, and 512

  TokenDataset data({{std::vector<int64_t>(17, 5), 1, {}}, {std::vector<int64_t>(41, 6), 0, {}}});
  auto short_one = data.batch({0});
  ASSERT_EQ(short_one.inputs.size(1), 18);
  EXPECT_EQ(short_one.mask.sum().item<int64_t>(), 17);
  EXPECT_EQ(short_one.inputs[0][17].item<int64_t>(), Vocabulary::kPad);
  EXPECT_EQ(data.batch({1}).inputs.size(1), 41);  // 44 by the rule, but no example is longer
  EXPECT_EQ(data.batch({0, 1}).inputs.size(1), 41);
}

TEST(Schedule, WarmupThenCosine) {
  EXPECT_DOUBLE_EQ(warmup_cosine_lr(1.0, 0, 10, 110), 0.1);
  EXPECT_DOUBLE_EQ(warmup_cosine_lr(1.0, 9, 10, 110), 1.0);
  EXPECT_DOUBLE_EQ(warmup_cosine_lr(1.0, 10, 10, 110), 1.0);
  EXPECT_NEAR(warmup_cosine_lr(1.0, 60, 10, 110), 0.5, 1e-12);
  EXPECT_NEAR(warmup_cosine_lr(1.0, 110, 10, 110), 0.0, 1e-12);
}

}  // namespace
}  // namespace attnzoo
