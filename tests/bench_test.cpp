// `attnzoo bench` and `attnzoo patterns` as a user runs them (records, pictures, skipped cases,
// errors), and the pair counting that bench's FLOPs rest on.

#include <sys/wait.h>
#include <unistd.h>

#include <algorithm>
#include <array>
#include <cstdio>
#include <filesystem>
#include <fstream>
#include <string>
#include <vector>

#include <fmt/core.h>
#include <gtest/gtest.h>
#include <torch/torch.h>
#include <nlohmann/json.hpp>

#define STB_IMAGE_IMPLEMENTATION
#define STB_IMAGE_STATIC
#include <stb/stb_image.h>

#include "bench/attention_cost.h"
#include "models/attention/sparse_attention.h"
#include "models/registry.h"
#include "tests/test_util.h"

namespace {

namespace fs = std::filesystem;
using json = nlohmann::json;

using attnzoo::testing::Run;
using attnzoo::testing::shell;

Run attnzoo(const std::string& args) {
  return shell(std::string(ATTNZOO_BINARY) + " " + args);
}

using attnzoo::testing::contains;

fs::path fresh_dir(const std::string& name) {
  return attnzoo::testing::fresh_dir("bench", name);
}

std::vector<std::string> sparse_variants() {
  std::vector<std::string> names;
  for (const auto& entry : attnzoo::attention_registry()) {
    if (entry.is_graph())
      continue;
    attnzoo::AttentionConfig config;
    config.name = entry.name;
    if (std::dynamic_pointer_cast<attnzoo::SparseAttentionImpl>(entry.make(config))) {
      names.push_back(entry.name);
    }
  }
  return names;
}

// ---- FLOPs: the allowed pairs, counted without the n x n mask ----------------------------------

TEST(BenchCost, AllowedPairsEqualTheDenseMask) {
  torch::NoGradGuard no_grad;
  attnzoo::AttentionConfig small;
  small.d_model = 12;
  small.heads = 3;
  small.window = 3;
  small.truncate_left = 5;
  small.truncate_right = 2;
  small.stride = 6;
  small.globals = 2;
  small.block_size = 4;
  small.random_blocks = 1;
  auto no_window_stride = small;
  no_window_stride.window = -1;
  auto dilated = small;
  dilated.dilation = {1, 2, 3};
  auto reference = attnzoo::AttentionConfig();  // the benchmarks' configuration
  reference.heads = 2;
  for (const auto& base : {small, no_window_stride, dilated, reference}) {
    for (const auto& name : sparse_variants()) {
      if (base.window < 0 && name != "stride")
        continue;  // only stride may go without a window
      for (const int64_t n :
           base.window == 128 ? std::vector<int64_t>{300} : std::vector<int64_t>{1, 23, 64, 100}) {
        auto config = base;
        config.name = name;
        auto layer = std::dynamic_pointer_cast<attnzoo::SparseAttentionImpl>(
            attnzoo::make_attention(config));
        ASSERT_TRUE(layer) << name;
        auto mask = layer->pattern(n).dense_mask()[0];  // [table_heads, n, n]
        const int64_t expected = mask.sum().item<int64_t>() * (config.heads / mask.size(0));
        EXPECT_EQ(attnzoo::allowed_pairs(layer->pattern(n), config.heads), expected)
            << name << " n=" << n << " window=" << config.window;
      }
    }
  }
}

TEST(BenchCost, FlopsCountProjectionsAndAllowedPairs) {
  attnzoo::AttentionShape shape{2, 10, 4, 8};  // d_model 32
  const double projections = 4.0 * 2 * 2 * 10 * 32 * 32;
  EXPECT_DOUBLE_EQ(attnzoo::attention_flops(shape, 100, false), projections + 4.0 * 2 * 8 * 100);
  EXPECT_DOUBLE_EQ(attnzoo::attention_flops(shape, 100, true),
                   3 * (projections + 4.0 * 2 * 8 * 100));
  EXPECT_EQ(attnzoo::dense_pairs(4, 10), 400);
}

// ---- patterns ----------------------------------------------------------------------------------

// Width and height from a PNG's signature and IHDR chunk; {-1, -1} when it is not a PNG.
std::pair<int64_t, int64_t> png_size(const fs::path& path) {
  std::ifstream in(path, std::ios::binary);
  std::array<unsigned char, 24> header{};
  if (!in.read(reinterpret_cast<char*>(header.data()), header.size()))
    return {-1, -1};
  const std::array<unsigned char, 8> signature = {0x89, 'P', 'N', 'G', '\r', '\n', 0x1a, '\n'};
  if (!std::equal(signature.begin(), signature.end(), header.begin()) ||
      std::string(header.begin() + 12, header.begin() + 16) != "IHDR") {
    return {-1, -1};
  }
  auto be32 = [&](size_t at) {
    return (int64_t{header[at]} << 24) | (int64_t{header[at + 1]} << 16) |
           (int64_t{header[at + 2]} << 8) | int64_t{header[at + 3]};
  };
  return {be32(16), be32(20)};
}

TEST(Patterns, OnePngPerVariantWhosePixelsAreTheDenseMask) {
  auto dir = fresh_dir("patterns");
  const int64_t n = 24, cell = 4;
  attnzoo::AttentionConfig config;
  config.heads = 2;
  config.window = 2;
  config.truncate_left = 3;
  config.truncate_right = 1;
  config.stride = 5;
  config.globals = 2;
  config.dilation = {1, 2};
  config.block_size = 4;
  config.random_blocks = 1;
  auto run = attnzoo(fmt::format(
      "patterns --n {} --cell {} --out {} --heads 2 --window 2 --truncate-left 3 "
      "--truncate-right 1 --stride 5 --globals 2 --dilation 1,2 --block-size 4 --random-blocks 1",
      n, cell, dir.string()));
  ASSERT_EQ(run.status, 0) << run.output;

  auto names = sparse_variants();
  names.insert(names.begin(), "dense");
  for (const auto& name : names) {
    const auto path = dir / (name + ".png");
    ASSERT_TRUE(fs::exists(path)) << path << "\n" << run.output;
    config.name = name == "dense" ? "multihead" : name;
    const auto mask = name == "dense" ? torch::ones({1, n, n}, torch::kBool)
                                      : attnzoo::attention_pattern(config, n);
    const int64_t panels = mask.size(0);
    const int64_t panel = n * cell + 1, gap = 2 * cell;  // the layout of pattern_image.h
    const auto [width, height] = png_size(path);
    EXPECT_EQ(width, panels * panel + (panels - 1) * gap) << name;
    EXPECT_EQ(height, panel) << name;

    int w = 0, h = 0, channels = 0;
    unsigned char* pixels = stbi_load(path.c_str(), &w, &h, &channels, 3);
    ASSERT_NE(pixels, nullptr) << path;
    ASSERT_EQ(w, width);
    const auto a = mask.accessor<bool, 3>();
    int64_t mismatches = 0;
    for (int64_t p = 0; p < panels; ++p) {
      for (int64_t i = 0; i < n; ++i) {
        for (int64_t j = 0; j < n; ++j) {
          const int64_t x = p * (panel + gap) + j * cell + cell / 2, y = i * cell + cell / 2;
          const bool filled = pixels[(y * w + x) * 3] < 128;  // allowed cells are dark
          mismatches += filled != a[p][i][j];
        }
      }
    }
    stbi_image_free(pixels);
    EXPECT_EQ(mismatches, 0) << name;
  }
  // Longformer with per-head dilation is drawn as one panel per head.
  EXPECT_EQ(png_size(dir / "longformer.png").first, 2 * (n * cell + 1) + 2 * cell);
  fs::remove_all(dir);
}

TEST(Patterns, BadInputIsAnErrorNamingIt) {
  auto dir = fresh_dir("patterns_bad");
  auto model = attnzoo("patterns --models local,nonesuch --out " + dir.string());
  EXPECT_EQ(model.status, 2);
  EXPECT_TRUE(contains(model.output, "nonesuch")) << model.output;
  EXPECT_FALSE(fs::exists(dir / "local.png"));  // nothing written before every name is checked
  auto length = attnzoo("patterns --n many --out " + dir.string());
  EXPECT_EQ(length.status, 2);
  EXPECT_TRUE(contains(length.output, "many")) << length.output;
  fs::remove_all(dir);
}

// ---- bench -------------------------------------------------------------------------------------

const char* kTinyBench =
    "bench --batch 1 --heads 2 --head-dim 8 --repeats 1 --warmup 0 --threads 1";

TEST(Bench, TinyRunRecordsEveryModelAndPassWithRatios) {
  auto dir = fresh_dir("tiny");
  const auto file = dir / "bench.json";
  auto run = attnzoo(std::string(kTinyBench) + " --models local --lengths 64 --backward" +
                     " --json " + file.string());
  ASSERT_EQ(run.status, 0) << run.output;
  EXPECT_TRUE(contains(run.output, "torch-mha")) << run.output;
  EXPECT_TRUE(contains(run.output, "bench [3/3]")) << run.output;  // a progress line per case
  std::ifstream in(file);
  auto records = json::parse(in);
  ASSERT_TRUE(records.is_array());
  ASSERT_EQ(records.size(), 6u) << records.dump(1);  // 3 models x 2 passes
  for (const auto* model : {"dense", "torch-mha", "local"}) {
    for (const auto* pass : {"forward", "backward"}) {
      int found = 0;
      for (const auto& r : records) {
        if (r["model"] != model || r["pass"] != pass)
          continue;
        ++found;
        EXPECT_EQ(r["status"], "ok") << r.dump();
        EXPECT_EQ(r["n"], 64);
        EXPECT_EQ(r["batch"], 1);
        EXPECT_EQ(r["heads"], 2);
        EXPECT_EQ(r["head_dim"], 8);
        EXPECT_GT(r["median_ms"].get<double>(), 0.0) << r.dump();
        EXPECT_GE(r["peak_bytes"].get<int64_t>(), 0) << r.dump();
        EXPECT_GT(r["gflops"].get<double>(), 0.0) << r.dump();
        // The share of the machine's matrix-product rate measured in the same run.
        EXPECT_GT(r["gemm_gflops"].get<double>(), 0.0) << r.dump();
        EXPECT_NEAR(r["gemm_share"].get<double>(),
                    r["gflops"].get<double>() / r["gemm_gflops"].get<double>(), 1e-12)
            << r.dump();
        for (const auto* ratio : {"speedup_vs_dense", "speedup_vs_torch_mha"}) {
          EXPECT_TRUE(r[ratio].is_number()) << ratio << " " << r.dump();
        }
        for (const auto* ratio : {"memory_ratio_vs_dense", "memory_ratio_vs_torch_mha"}) {
          EXPECT_TRUE(r.contains(ratio)) << ratio << " " << r.dump();  // null when peak is 0
        }
        if (std::string(model) == "dense") {
          EXPECT_DOUBLE_EQ(r["speedup_vs_dense"].get<double>(), 1.0);
        }
      }
      EXPECT_EQ(found, 1) << model << " " << pass;
    }
  }
  fs::remove_all(dir);
}

TEST(Bench, CaseThatCannotFitIsSkippedWithWhatItWouldNeed) {
  auto dir = fresh_dir("skip");
  const auto file = dir / "bench.json";
  auto run =
      attnzoo(std::string(kTinyBench) +
              " --models dense --lengths 100000 --memory-limit-mb 100 --json " + file.string());
  ASSERT_EQ(run.status, 0) << run.output;
  EXPECT_TRUE(contains(run.output, "skipped")) << run.output;
  EXPECT_TRUE(contains(run.output, "would need about")) << run.output;
  std::ifstream in(file);
  auto records = json::parse(in);
  ASSERT_EQ(records.size(), 2u) << records.dump(1);  // dense and torch-mha, forward
  for (const auto& r : records) {
    EXPECT_EQ(r["status"], "skipped") << r.dump();
    EXPECT_TRUE(r["median_ms"].is_null()) << r.dump();
    EXPECT_GT(r["estimated_bytes"].get<int64_t>(), int64_t{100} << 20) << r.dump();
  }
  fs::remove_all(dir);
}

TEST(Bench, ChildThatDiesIsReportedAsFailedNotACrash) {
#if defined(__SANITIZE_ADDRESS__)
  GTEST_SKIP() << "AddressSanitizer reserves terabytes of address space, so no child starts "
                  "under ulimit -v";
#endif
  // Under a 2 GB address-space limit the children cannot allocate dense n = 16384's 2 GB score
  // tensor (the memory limit is raised so that the case is not skipped first).
  auto dir = fresh_dir("failed");
  const auto file = dir / "bench.json";
  auto run = shell("ulimit -v 2000000; " + std::string(ATTNZOO_BINARY) +
                   " bench --batch 1 --heads 2 --head-dim 8 --repeats 1 --warmup 0 --threads 1 "
                   "--models dense --lengths 16384 --memory-limit-mb 1000000 --json " +
                   file.string());
  EXPECT_EQ(run.status, 1) << run.output;
  EXPECT_TRUE(contains(run.output, "failed: exited with status 1")) << run.output;
  EXPECT_TRUE(contains(run.output, "allocate")) << run.output;  // the child's reason, quoted
  std::ifstream in(file);
  auto records = json::parse(in);
  ASSERT_EQ(records.size(), 2u) << records.dump(1);
  for (const auto& r : records) {
    EXPECT_EQ(r["status"], "failed") << r.dump();
    EXPECT_TRUE(r["median_ms"].is_null()) << r.dump();
  }
  fs::remove_all(dir);
}

int count_lines(const std::string& text) {
  return static_cast<int>(std::count(text.begin(), text.end(), '\n'));
}

TEST(Bench, BadInputIsAOneLineErrorNamingIt) {
  auto model = attnzoo("bench --models dense,nonesuch --lengths 64");
  EXPECT_EQ(model.status, 2);
  EXPECT_TRUE(contains(model.output, "nonesuch")) << model.output;
  EXPECT_EQ(count_lines(model.output), 1) << model.output;
  auto length = attnzoo("bench --models dense --lengths 64,abc");
  EXPECT_EQ(length.status, 2);
  EXPECT_TRUE(contains(length.output, "abc")) << length.output;
  EXPECT_EQ(count_lines(length.output), 1) << length.output;
  auto single = attnzoo("bench --models vanilla --lengths 64");
  EXPECT_EQ(single.status, 2);
  EXPECT_TRUE(contains(single.output, "vanilla")) << single.output;
}

}  // namespace
