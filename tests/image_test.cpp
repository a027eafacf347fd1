// Images: the IDX and CIFAR readers (good and malformed files), the splits, augmentation, the
// patch embedding against Conv2d, the ViT model, and `attnzoo train` / `eval` on IDX files.

#include <unistd.h>
#include <zlib.h>

#include <algorithm>
#include <filesystem>
#include <fstream>
#include <string>

#include <gtest/gtest.h>
#include <torch/torch.h>

#include "datasets/image/cifar_reader.h"
#include "datasets/image/idx_reader.h"
#include "datasets/image_datasets.h"
#include "models/image_model.h"
#include "models/patch_embedding.h"
#include "tests/test_util.h"

namespace {

namespace fs = std::filesystem;
using namespace attnzoo;
using attnzoo::testing::max_abs_diff;
using attnzoo::testing::message_of;

using attnzoo::testing::contains;

fs::path fresh_dir(const std::string& name) {
  return attnzoo::testing::fresh_dir("image", name);
}

void write_bytes(const fs::path& path, const std::vector<uint8_t>& bytes) {
  std::ofstream out(path, std::ios::binary);
  out.write(reinterpret_cast<const char*>(bytes.data()),
            static_cast<std::streamsize>(bytes.size()));
}

std::vector<uint8_t> read_bytes(const fs::path& path) {
  std::ifstream in(path, std::ios::binary);
  return {std::istreambuf_iterator<char>(in), std::istreambuf_iterator<char>()};
}

void gzip_file(const fs::path& from, const fs::path& to) {
  auto bytes = read_bytes(from);
  gzFile out = gzopen(to.string().c_str(), "wb");
  ASSERT_NE(out, nullptr);
  ASSERT_EQ(gzwrite(out, bytes.data(), static_cast<unsigned>(bytes.size())),
            static_cast<int>(bytes.size()));
  gzclose(out);
}

// count images of rows x cols whose pixels encode (image, position), and labels image % classes;
// class c images are bright in the c-th column band, so that a model can learn them.
void write_idx_pair(const fs::path& dir, const std::string& split, int64_t count, int64_t rows,
                    int64_t cols, int64_t classes) {
  IdxArray images{{count, rows, cols}, {}};
  IdxArray labels{{count}, {}};
  for (int64_t i = 0; i < count; ++i) {
    const int64_t label = i % classes;
    labels.values.push_back(static_cast<uint8_t>(label));
    for (int64_t r = 0; r < rows; ++r) {
      for (int64_t c = 0; c < cols; ++c) {
        const bool band = c * classes / cols == label;
        images.values.push_back(
            static_cast<uint8_t>(band ? 200 + (i + r) % 50 : (i * 7 + r + c) % 60));
      }
    }
  }
  write_idx((dir / (split + "-images-idx3-ubyte")).string(), images);
  write_idx((dir / (split + "-labels-idx1-ubyte")).string(), labels);
}

TEST(Idx, ReadsRawAndGzippedFilesAlike) {
  auto dir = fresh_dir("idx");
  IdxArray array{{3, 2, 4}, {}};
  for (int i = 0; i < 24; ++i)
    array.values.push_back(static_cast<uint8_t>(i * 10));
  write_idx((dir / "a.idx").string(), array);
  gzip_file(dir / "a.idx", dir / "a.idx.gz");
  for (const char* name : {"a.idx", "a.idx.gz"}) {
    auto read = read_idx((dir / name).string());
    EXPECT_EQ(read.dims, array.dims) << name;
    EXPECT_EQ(read.values, array.values) << name;
  }
  // The header is big-endian: 00 00 08 03, then 3 as 00 00 00 03.
  auto bytes = read_bytes(dir / "a.idx");
  ASSERT_GE(bytes.size(), 8u);
  EXPECT_EQ(bytes[2], 0x08);
  EXPECT_EQ(bytes[3], 3);
  EXPECT_EQ(bytes[7], 3);
}

TEST(Idx, MalformedFilesNameTheFileAndTheProblem) {
  auto dir = fresh_dir("idx_bad");
  IdxArray array{{4, 2, 2}, std::vector<uint8_t>(16, 1)};
  write_idx((dir / "good").string(), array);
  auto bytes = read_bytes(dir / "good");

  auto magic = bytes;
  magic[0] = 0x1f;
  magic[1] = 0x00;
  write_bytes(dir / "magic", magic);
  auto type = bytes;
  type[2] = 0x0D;  // float
  write_bytes(dir / "type", type);
  write_bytes(dir / "truncated", {bytes.begin(), bytes.end() - 3});
  auto extra = bytes;
  extra.push_back(7);
  write_bytes(dir / "extra", extra);
  write_bytes(dir / "empty", {});
  write_bytes(dir / "header", {bytes.begin(), bytes.begin() + 9});

  const std::vector<std::pair<std::string, std::string>> cases = {
      {"magic", "not an IDX file"}, {"type", "only unsigned bytes"},
      {"truncated", "truncated"},   {"extra", "more data than the header"},
      {"empty", "too short"},       {"header", "truncated IDX header"},
      {"missing", "cannot open"}};
  for (const auto& [name, expected] : cases) {
    const auto path = (dir / name).string();
    auto message = message_of([&] { read_idx(path); });
    EXPECT_TRUE(contains(message, path)) << name << ": " << message;
    EXPECT_TRUE(contains(message, expected)) << name << ": " << message;
  }
}

TEST(Cifar, ReadsBothFormatsAndRefusesBadFiles) {
  auto dir = fresh_dir("cifar");
  std::vector<uint8_t> ten, hundred;
  for (int i = 0; i < 3; ++i) {
    ten.push_back(static_cast<uint8_t>(i + 7));
    hundred.push_back(static_cast<uint8_t>(i + 17));  // coarse
    hundred.push_back(static_cast<uint8_t>(i + 97));  // fine
    for (int p = 0; p < 3072; ++p) {
      ten.push_back(static_cast<uint8_t>((p + i) % 256));
      hundred.push_back(static_cast<uint8_t>((p * 3 + i) % 256));
    }
  }
  write_bytes(dir / "ten.bin", ten);
  write_bytes(dir / "hundred.bin", hundred);
  auto a = read_cifar((dir / "ten.bin").string(), CifarFormat::kCifar10);
  EXPECT_EQ(a.count, 3);
  EXPECT_EQ(a.labels, (std::vector<int64_t>{7, 8, 9}));
  EXPECT_EQ(a.pixels[3072 + 1024 + 5], (1024 + 5 + 1) % 256);  // image 1, green, pixel 5
  auto fine = read_cifar((dir / "hundred.bin").string(), CifarFormat::kCifar100);
  EXPECT_EQ(fine.labels, (std::vector<int64_t>{97, 98, 99}));
  auto coarse = read_cifar((dir / "hundred.bin").string(), CifarFormat::kCifar100, true);
  EXPECT_EQ(coarse.labels, (std::vector<int64_t>{17, 18, 19}));
  EXPECT_EQ(fine.pixels[2 * 3072 + 10], (10 * 3 + 2) % 256);

  // predict's reader: a file's images as [N, 3, 32, 32]; test.bin and train.bin are CIFAR-100's.
  ImageDataOptions cifar;
  cifar.kind = "cifar";
  auto images = read_image_file(cifar, (dir / "ten.bin").string());
  EXPECT_EQ(images.sizes(), (std::vector<int64_t>{3, 3, 32, 32}));
  EXPECT_EQ(images[1][1][0][5].item<int64_t>(), (1024 + 5 + 1) % 256);
  write_bytes(dir / "test.bin", hundred);
  EXPECT_EQ(read_image_file(cifar, (dir / "test.bin").string())[2][0][0][10].item<int64_t>(),
            (10 * 3 + 2) % 256);

  write_bytes(dir / "short.bin", {ten.begin(), ten.end() - 1});
  auto label = ten;
  label[3073] = 10;  // record 1
  write_bytes(dir / "label.bin", label);
  write_bytes(dir / "empty.bin", {});
  for (const auto& [name, expected] : std::vector<std::pair<std::string, std::string>>{
           {"short.bin", "not a whole number of 3073-byte CIFAR-10 records"},
           {"label.bin", "record 1 has label 10, expected 0..9"},
           {"empty.bin", "empty file"}}) {
    const auto path = (dir / name).string();
    auto message = message_of([&] { read_cifar(path, CifarFormat::kCifar10); });
    EXPECT_TRUE(contains(message, path) && contains(message, expected)) << message;
  }
}

TEST(ImageDatasets, OnePairIsSplitBySeedAndTwoPairsGiveTrainAndTest) {
  auto one = fresh_dir("one_pair");
  write_idx_pair(one, "t10k", 100, 6, 8, 4);
  ImageDataOptions options;
  options.data = one.string();
  options.test_fraction = 0.2;
  options.validation_fraction = 0.1;
  auto task = load_image_task(options);
  EXPECT_EQ(task.test.size(), 20);
  EXPECT_EQ(task.validation.size(), 10);
  EXPECT_EQ(task.train.size(), 70);
  EXPECT_EQ(task.num_classes(), 4);
  EXPECT_EQ(task.train.images().sizes(), (std::vector<int64_t>{70, 1, 6, 8}));
  // Stratified: 5 test images per class.
  EXPECT_TRUE(torch::equal(torch::bincount(task.test.labels()), torch::full({4}, 5, torch::kLong)));
  // Every image lands in exactly one split: the pixel sums of the splits add up to the pool's.
  auto all = read_idx((one / "t10k-images-idx3-ubyte").string());
  int64_t total = 0;
  for (auto v : all.values)
    total += v;
  int64_t split_total = 0;
  for (const auto* split : {&task.train, &task.validation, &task.test})
    split_total += split->images().to(torch::kLong).sum().item<int64_t>();
  EXPECT_EQ(split_total, total);
  // Another seed, another split; the same seed, the same.
  auto again = load_image_task(options);
  EXPECT_TRUE(torch::equal(again.test.images(), task.test.images()));
  options.split_seed = 1;
  EXPECT_FALSE(torch::equal(load_image_task(options).test.images(), task.test.images()));

  auto two = fresh_dir("two_pairs");
  write_idx_pair(two, "train", 50, 6, 8, 4);
  write_idx_pair(two, "t10k", 12, 6, 8, 4);
  gzip_file(two / "t10k-images-idx3-ubyte", two / "t10k-images-idx3-ubyte.gz");
  fs::remove(two / "t10k-images-idx3-ubyte");
  options.data = two.string();
  auto both = load_image_task(options);
  EXPECT_EQ(both.test.size(), 12);
  EXPECT_EQ(both.validation.size(), 5);
  EXPECT_EQ(both.train.size(), 45);

  // Mismatched counts and a missing half are errors naming the files.
  write_idx_pair(two, "t10k", 11, 6, 8, 4);
  fs::remove(two / "t10k-images-idx3-ubyte");  // the .gz (12 images) stays, labels now 11
  auto message = message_of([&] { load_image_task(options); });
  EXPECT_TRUE(contains(message, "has 11 labels but") && contains(message, "has 12 images"))
      << message;
  fs::remove(two / "t10k-labels-idx1-ubyte");
  message = message_of([&] { load_image_task(options); });
  EXPECT_TRUE(contains(message, "no t10k-labels file")) << message;

  // One label byte of 200 among labels 0-3 would make 201 classes: an error naming the data.
  auto stray = fresh_dir("stray_label");
  write_idx_pair(stray, "train", 40, 6, 8, 4);
  auto labels = read_idx((stray / "train-labels-idx1-ubyte").string());
  labels.values[7] = 200;
  write_idx((stray / "train-labels-idx1-ubyte").string(), labels);
  options.data = stray.string();
  message = message_of([&] { load_image_task(options); });
  EXPECT_TRUE(contains(message, stray.string() + ": label 4 has no training image (196 of the "
                                                 "labels 0..200 have none"))
      << message;
  fs::remove_all(stray);
}

TEST(ImageDatasets, BatchesArePixelsInZeroToOneAndAugmentationKeepsTheImage) {
  auto images = torch::randint(0, 256, {5, 3, 6, 7}, torch::kLong).to(torch::kUInt8);
  ImageDataset data(images, torch::arange(5, torch::kLong));
  auto batch = data.batch({4, 1});
  EXPECT_TENSOR_NEAR(batch.inputs,
                     images.index_select(0, torch::tensor({4, 1})).to(torch::kFloat) / 255.0, 1e-7);
  EXPECT_TRUE(torch::equal(batch.labels, torch::tensor({4, 1})));
  EXPECT_FALSE(batch.mask.defined());

  // A flip-only batch: each image is itself or its mirror, and both happen.
  data.augment(0, true);
  torch::manual_seed(3);
  int mirrored = 0, kept = 0;
  for (int i = 0; i < 20; ++i) {
    auto x = data.batch({2}).inputs[0];
    auto original = images[2].to(torch::kFloat) / 255.0;
    if (torch::allclose(x, original.flip({2})))
      ++mirrored;
    else if (torch::allclose(x, original))
      ++kept;
  }
  EXPECT_EQ(mirrored + kept, 20);
  EXPECT_GT(mirrored, 0);
  EXPECT_GT(kept, 0);

  // Crop with padding 2: the same size, and each output is a shifted window of the zero-padded
  // image (found among the 25 offsets).
  data.augment(2, false);
  auto x = data.batch({0, 3}).inputs;
  EXPECT_EQ(x.sizes(), (std::vector<int64_t>{2, 3, 6, 7}));
  for (int64_t k = 0; k < 2; ++k) {
    auto padded =
        torch::constant_pad_nd(images[k == 0 ? 0 : 3].to(torch::kFloat) / 255.0, {2, 2, 2, 2}, 0.0);
    bool found = false;
    for (int64_t dy = 0; dy <= 4 && !found; ++dy) {
      for (int64_t dx = 0; dx <= 4 && !found; ++dx)
        found = torch::allclose(x[k], padded.narrow(1, dy, 6).narrow(2, dx, 7));
    }
    EXPECT_TRUE(found) << k;
  }
  // Statistics per channel, of pixels in 0..1.
  auto [mean, std] = data.channel_statistics();
  ASSERT_EQ(mean.size(), 3u);
  auto green = images.select(1, 1).to(torch::kDouble) / 255.0;
  EXPECT_NEAR(mean[1], green.mean().item<double>(), 1e-12);
  const double m = green.mean().item<double>();
  EXPECT_NEAR(std[1], std::sqrt((green - m).pow(2).sum().item<double>() / green.numel()), 1e-12);
}

TEST(PatchEmbedding, EqualsAConvolutionWithKernelAndStrideP) {
  torch::manual_seed(4);
  for (int64_t p : {1, 2, 4}) {
    PatchEmbedding embed(PatchEmbeddingOptions(3, p, 10));
    torch::nn::Conv2d conv(torch::nn::Conv2dOptions(3, 10, p).stride(p));
    torch::NoGradGuard no_grad;
    conv->weight.copy_(embed->projection->weight.view({10, 3, p, p}));
    conv->bias.copy_(embed->projection->bias);
    auto images = torch::randn({2, 3, 8, 12});
    auto expected = conv(images).flatten(2).transpose(1, 2);  // [B, patches, d], row-major
    EXPECT_TENSOR_NEAR(embed(images), expected, 1e-5);
  }
  PatchEmbedding embed(PatchEmbeddingOptions(1, 5, 8));
  auto message = message_of([&] { embed(torch::randn({1, 1, 28, 28})); });
  EXPECT_TRUE(contains(message, "28x28 is not divisible by the patch size 5")) << message;
}

TEST(ImageModel, ClassifiesAnyAttentionAndNormalisesInside) {
  torch::manual_seed(5);
  AttentionConfig attention;
  attention.d_model = 16;
  attention.heads = 2;
  for (const char* name : {"multihead", "local", "bigbird"}) {
    attention.name = name;
    for (auto pooling : {Pooling::kCls, Pooling::kMean}) {
      auto options =
          ImageModelOptions(1, 8, 8, 3, EncoderOptions(EncoderLayerOptions(attention), 1))
              .patch(2)
              .pooling(pooling)
              .positional(PositionalKind::kSinusoidal)
              .mean({0.5})
              .std({0.25});
      ImageModel model(options);
      model->eval();
      auto images = torch::rand({4, 1, 8, 8});
      auto logits = model->forward(images);
      EXPECT_EQ(logits.sizes(), (std::vector<int64_t>{4, 3})) << name;
      // The normalisation is the model's: an unnormalised model fed normalised pixels agrees.
      ImageModel plain(ImageModelOptions(options).mean({}).std({}));
      plain->eval();
      attnzoo::testing::copy_parameters(*model, *plain);
      EXPECT_TENSOR_NEAR(plain->forward(images.sub(0.5).div(0.25)), logits, 1e-5);
    }
  }
  // 2-D sinusoidal positions: the first half codes the row, the second the column.
  auto table = sinusoidal_table_2d(3, 4, 8);
  EXPECT_TENSOR_NEAR(table[1 * 4 + 2].narrow(0, 0, 4), sinusoidal_table(3, 4)[1], 1e-7);
  EXPECT_TENSOR_NEAR(table[1 * 4 + 2].narrow(0, 4, 4), sinusoidal_table(4, 4)[2], 1e-7);
  auto message = message_of([&] {
    ImageModel(ImageModelOptions(1, 28, 28, 10, EncoderOptions(EncoderLayerOptions(attention), 1))
                   .patch(3));
  });
  EXPECT_TRUE(contains(message, "not divisible by the patch size 3")) << message;
}

TEST(ImageCli, TrainsOnIdxFilesAndEvaluatesTheRun) {
  auto dir = fresh_dir("cli");
  write_idx_pair(dir, "t10k", 120, 8, 8, 3);
  const auto run = (dir / "run").string();
  auto train = attnzoo::testing::shell(
      std::string(ATTNZOO_BINARY) + " train --dataset idx --data " + dir.string() +
      " --test-fraction 0.2 --patch 2 --d-model 16 --heads 2 --layers 1 --epochs 8 "
      "--batch-size 16 --lr 3e-3 --crop-padding 1 --threads 1 --out " +
      run);
  ASSERT_EQ(train.status, 0) << train.output;
  EXPECT_TRUE(
      contains(train.output, "84 train / 12 validation / 24 test images of 1x8x8, 3 classes"))
      << train.output;
  std::ifstream final_json(fs::path(run) / "final.json");
  std::string text{std::istreambuf_iterator<char>(final_json), std::istreambuf_iterator<char>()};
  auto at = text.find("\"test_accuracy\"");
  ASSERT_NE(at, std::string::npos) << text;
  const double accuracy = std::stod(text.substr(text.find(':', at) + 1));
  EXPECT_GT(accuracy, 0.6) << text;  // the classes are bright bands: far above chance (1/3)

  auto eval = attnzoo::testing::shell(std::string(ATTNZOO_BINARY) + " eval --run " + run +
                                      " --dataset idx --data " + dir.string() + " --json " +
                                      (dir / "eval.json").string() + " --threads 1");
  ASSERT_EQ(eval.status, 0) << eval.output;
  EXPECT_TRUE(contains(eval.output, "120 examples")) << eval.output;

  // Exported, the module labels images from the IDX file as the run's C++ model does.
  const auto model = (dir / "model.pt").string();
  auto exported = attnzoo::testing::shell(std::string(ATTNZOO_BINARY) + " export --run " + run +
                                          " --out " + model);
  ASSERT_EQ(exported.status, 0) << exported.output;
  EXPECT_TRUE(contains(exported.output, "forward(images [B, 1, 8, 8])")) << exported.output;
  const auto file = (dir / "t10k-images-idx3-ubyte").string();
  const std::string inputs = " " + file + ":0 " + file + ":1 " + file + ":2 " + file + ":119";
  auto by_module = attnzoo::testing::shell(std::string(ATTNZOO_BINARY) +
                                           " predict --threads 1 --model " + model + inputs);
  auto by_run = attnzoo::testing::shell(std::string(ATTNZOO_BINARY) +
                                        " predict --threads 1 --run " + run + inputs);
  ASSERT_EQ(by_module.status, 0) << by_module.output;
  EXPECT_EQ(by_module.output, by_run.output);
  EXPECT_TRUE(contains(by_run.output, file + ":119\t")) << by_run.output;
  EXPECT_EQ(std::count(by_run.output.begin(), by_run.output.end(), '\n'), 4);
  auto out_of_range = attnzoo::testing::shell(
      std::string(ATTNZOO_BINARY) + " predict --threads 1 --model " + model + " " + file + ":120");
  EXPECT_NE(out_of_range.status, 0);
  EXPECT_TRUE(contains(out_of_range.output, "index 120, the file has 120 images"))
      << out_of_range.output;

  auto bad = attnzoo::testing::shell(std::string(ATTNZOO_BINARY) + " train --dataset idx --data " +
                                     dir.string() + " --patch 3 --epochs 1 --threads 1 --out " +
                                     run + "_bad");
  EXPECT_EQ(bad.status, 2) << bad.output;
  EXPECT_TRUE(contains(bad.output, "--patch 3 does not divide the 8x8 images")) << bad.output;

  // Larger images: learned patch positions (the default) cover the training size only, a
  // one-line error; 2-D sinusoidal positions take any size that divides into patches.
  const auto large = dir / "large";
  fs::create_directories(large);
  write_idx_pair(large, "t10k", 12, 16, 24, 3);
  const auto large_file = (large / "t10k-images-idx3-ubyte").string();
  auto learned = attnzoo::testing::shell(std::string(ATTNZOO_BINARY) + " eval --run " + run +
                                         " --dataset idx --data " + large.string());
  EXPECT_EQ(learned.status, 1) << learned.output;
  EXPECT_TRUE(contains(learned.output, large.string() +
                                           ": images of 16x24 pixels, but the learned patch "
                                           "positions cover 8x8 (sinusoidal positions take any "
                                           "size)"))
      << learned.output;
  auto learned_predict = attnzoo::testing::shell(std::string(ATTNZOO_BINARY) + " predict --model " +
                                                 model + " " + large_file + ":0");
  EXPECT_EQ(learned_predict.status, 1) << learned_predict.output;
  EXPECT_TRUE(contains(learned_predict.output, "but the learned patch positions cover 8x8"))
      << learned_predict.output;
  const auto sinusoidal = (dir / "sinusoidal").string();
  auto train_sinusoidal = attnzoo::testing::shell(
      std::string(ATTNZOO_BINARY) + " train --dataset idx --data " + dir.string() +
      " --test-fraction 0.2 --patch 2 --positional sinusoidal --d-model 16 --heads 2 --layers 1 "
      "--epochs 2 --batch-size 16 --threads 1 --out " +
      sinusoidal);
  ASSERT_EQ(train_sinusoidal.status, 0) << train_sinusoidal.output;
  auto large_eval =
      attnzoo::testing::shell(std::string(ATTNZOO_BINARY) + " eval --run " + sinusoidal +
                              " --dataset idx --data " + large.string() + " --threads 1");
  ASSERT_EQ(large_eval.status, 0) << large_eval.output;
  EXPECT_TRUE(contains(large_eval.output, "12 examples")) << large_eval.output;
  const auto sinusoidal_model = sinusoidal + ".pt";
  auto exported_sinusoidal = attnzoo::testing::shell(
      std::string(ATTNZOO_BINARY) + " export --run " + sinusoidal + " --out " + sinusoidal_model);
  ASSERT_EQ(exported_sinusoidal.status, 0) << exported_sinusoidal.output;
  EXPECT_TRUE(contains(exported_sinusoidal.output, "forward(images [B, 1, H, W (multiples of 2)])"))
      << exported_sinusoidal.output;
  const std::string large_inputs =
      " " + large_file + ":0 " + large_file + ":5 " + file + ":3 " + large_file + ":11";
  auto large_by_module =
      attnzoo::testing::shell(std::string(ATTNZOO_BINARY) + " predict --threads 1 --model " +
                              sinusoidal_model + large_inputs);
  auto large_by_run = attnzoo::testing::shell(
      std::string(ATTNZOO_BINARY) + " predict --threads 1 --run " + sinusoidal + large_inputs);
  ASSERT_EQ(large_by_run.status, 0) << large_by_run.output;
  EXPECT_EQ(large_by_module.output, large_by_run.output);
  EXPECT_EQ(std::count(large_by_run.output.begin(), large_by_run.output.end(), '\n'), 4);
}

}  // namespace
