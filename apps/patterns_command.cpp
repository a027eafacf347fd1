// `attnzoo patterns`: one PNG per attention variant showing which (query, key) pairs it allows,
// drawn from attention_pattern(), the same description the blocked kernel computes from.

#include <algorithm>
#include <cmath>
#include <filesystem>
#include <sstream>

#include <fmt/core.h>

#include "apps/command.h"
#include "apps/pattern_image.h"
#include "models/attention/sparse_attention.h"
#include "models/registry.h"

namespace attnzoo::cli {

namespace {

constexpr const char* kDense = "dense";   // the all-pairs reference (the registry's multihead)
constexpr int64_t kReferenceLength = 64;  // the length the option defaults are chosen for

std::vector<std::string> split_names(const std::string& text) {
  std::vector<std::string> names;
  std::stringstream stream(text);
  for (std::string name; std::getline(stream, name, ',');) {
    name.erase(0, name.find_first_not_of(" \t"));
    name.erase(name.find_last_not_of(" \t") + 1);
    if (!name.empty())
      names.push_back(name);
  }
  return names;
}

bool is_sparse(const AttentionConfig& config) {
  return std::dynamic_pointer_cast<SparseAttentionImpl>(make_attention(config)) != nullptr;
}

// dense, then every sparse variant of the registry.
std::string default_models() {
  std::string names = kDense;
  for (const auto& entry : attention_registry()) {
    if (entry.is_graph())
      continue;
    AttentionConfig config;
    config.name = entry.name;
    if (is_sparse(config))
      names += "," + entry.name;
  }
  return names;
}

// Pictures at n = 64 need smaller windows and blocks than the benchmarks' reference
// configuration; options the user leaves alone scale with --n.
void set_picture_defaults(AttentionConfig& c) {
  c.heads = 2;
  c.window = 4;
  c.truncate_left = 8;
  c.truncate_right = 2;
  c.stride = 8;
  c.globals = 2;
  c.block_size = 4;
  c.window_blocks = 3;
  c.global_blocks = 2;
  c.random_blocks = 2;
}

void scale_defaults(const po::variables_map& vm, int64_t n, AttentionConfig& c) {
  auto scale = [&](const char* option, int64_t& value) {
    if (!vm[option].defaulted() || n == kReferenceLength)
      return;
    const auto scaled = std::llround(static_cast<double>(value) * n / kReferenceLength);
    value = std::max<int64_t>(value > 0 ? 1 : 0, scaled);
  };
  scale("window", c.window);
  scale("truncate-left", c.truncate_left);
  scale("truncate-right", c.truncate_right);
  scale("stride", c.stride);
  scale("globals", c.globals);
  scale("block-size", c.block_size);
  // Longformer's per-head dilation, as in the paper's figure: heads alternate 1 and 2.
  if (vm["dilation"].defaulted()) {
    c.dilation.clear();
    for (int64_t h = 0; h < c.heads; ++h)
      c.dilation.push_back(1 + h % 2);
  }
}

}  // namespace

int run_patterns(const std::vector<std::string>& args) {
  AttentionConfig attention;
  set_picture_defaults(attention);
  int64_t n = kReferenceLength, cell = 0;
  std::string out, models;
  po::options_description pictures("Pictures");
  // clang-format off
  pictures.add_options()
      ("n", po::value<int64_t>(&n)->default_value(n), "sequence length (queries and keys)")
      ("out", po::value<std::string>(&out)->default_value("patterns"),
       "directory for the PNG files (created if missing)")
      ("models", po::value<std::string>(&models)->default_value(default_models()),
       "comma-separated variants to draw; dense (all pairs) as the reference")
      ("cell", po::value<int64_t>(&cell)->default_value(0),
       "pixels per (query, key) cell (0: about 512 pixels per panel, 2 to 8 per cell)");
  // clang-format on
  po::options_description options;
  options.add(pictures).add(attention_options(attention));
  po::variables_map vm;
  if (!parse("patterns",
             "[options]   (the attention defaults shown suit --n 64 and scale with --n; "
             "longformer's heads alternate dilation 1 and 2 unless --dilation is given)",
             options, args, vm)) {
    return 0;
  }
  finish_attention_options(vm, attention);
  if (!vm["model"].defaulted())
    throw UsageError("--model: patterns takes a list, use --models");
  if (n < 1 || n > 8192)
    throw UsageError("--n must be in 1..8192, got " + std::to_string(n));
  if (cell < 0 || cell > 64)
    throw UsageError("--cell must be in 0..64, got " + std::to_string(cell));
  if (cell == 0)
    cell = std::clamp<int64_t>(512 / n, 2, 8);
  scale_defaults(vm, n, attention);

  // Every name is checked before anything is written.
  const auto names = split_names(models);
  if (names.empty())
    throw UsageError("--models: no model given");
  std::vector<AttentionConfig> configs;
  for (const auto& name : names) {
    AttentionConfig config = attention;
    config.name = name == kDense ? "multihead" : name;
    try {
      make_attention(config);
    } catch (const std::invalid_argument& e) {
      if (std::string(e.what()).rfind("unknown attention", 0) == 0) {
        throw UsageError("--models: unknown model '" + name + "' (known: " + kDense + ", " +
                         attention_names() + ")");
      }
      throw UsageError("--models: " + name + ": " + e.what());
    }
    configs.push_back(config);
  }

  std::error_code error;
  std::filesystem::create_directories(out, error);
  if (error)
    throw std::runtime_error("cannot create directory '" + out + "': " + error.message());
  for (size_t m = 0; m < names.size(); ++m) {
    const auto& config = configs[m];
    PatternImageOptions picture;
    picture.cell = cell;
    torch::Tensor mask;
    if (is_sparse(config)) {
      mask = attention_pattern(config, n);
      auto layer = std::dynamic_pointer_cast<SparseAttentionImpl>(make_attention(config));
      picture.block = layer->pattern(n).block;
    } else {
      mask = torch::ones({1, n, n}, torch::kBool);  // dense attention allows every pair
    }
    const auto path = (std::filesystem::path(out) / (names[m] + ".png")).string();
    auto image = draw_pattern(mask, picture);
    write_png(path, image);
    const int64_t panels = mask.size(0);
    const double allowed = mask.to(torch::kDouble).sum().item<double>() / panels;
    fmt::print("wrote {} ({} x {} px): {} panel{}, {:.0f} of {} pairs allowed ({:.1f}%){}\n", path,
               image.width, image.height, panels, panels > 1 ? "s (one per head)" : "", allowed,
               n * n, 100.0 * allowed / static_cast<double>(n * n),
               panels > 1 ? " per head on average" : "");
  }
  return 0;
}

}  // namespace attnzoo::cli
