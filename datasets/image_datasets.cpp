#include "datasets/image_datasets.h"

#include <algorithm>
#include <cmath>
#include <filesystem>
#include <fstream>
#include <optional>
#include <stdexcept>

#include <fmt/core.h>

#include "datasets/image/cifar_reader.h"
#include "datasets/image/idx_reader.h"
#include "datasets/text/seeded_split.h"
#include "datasets/text/text_file.h"

namespace attnzoo {

namespace fs = std::filesystem;

std::string image_dataset_kinds() {
  return "idx | cifar";
}

bool is_image_dataset_kind(const std::string& kind) {
  return kind == "idx" || kind == "cifar";
}

ImageDataset::ImageDataset(torch::Tensor images, torch::Tensor labels)
    : images_(std::move(images)), labels_(std::move(labels)) {
  TORCH_CHECK(images_.dim() == 4 && images_.scalar_type() == torch::kUInt8,
              "images must be uint8 [N, C, H, W], got ", images_.sizes(), " ",
              images_.scalar_type());
  TORCH_CHECK(labels_.dim() == 1 && labels_.size(0) == images_.size(0), "labels ", labels_.sizes(),
              " do not match ", images_.size(0), " images");
}

void ImageDataset::augment(int64_t crop_padding, bool flip) {
  TORCH_CHECK(crop_padding >= 0, "crop padding must be >= 0, got ", crop_padding);
  crop_padding_ = crop_padding;
  flip_ = flip;
}

Batch ImageDataset::batch(const std::vector<int64_t>& indices) const {
  auto index = torch::tensor(indices, torch::kLong);
  auto x = images_.index_select(0, index).to(torch::kFloat).div_(255.0);
  const int64_t b = x.size(0), h = x.size(2), w = x.size(3);
  if (crop_padding_ > 0) {
    const int64_t p = crop_padding_;
    auto padded = torch::constant_pad_nd(x, {p, p, p, p}, 0.0);
    auto offsets = torch::randint(0, 2 * p + 1, {b, 2}, torch::kLong);
    auto off = offsets.accessor<int64_t, 2>();
    for (int64_t i = 0; i < b; ++i)
      x[i].copy_(padded[i].narrow(1, off[i][0], h).narrow(2, off[i][1], w));
  }
  if (flip_) {
    auto mirror = torch::rand({b}) < 0.5;
    x = torch::where(mirror.view({b, 1, 1, 1}), x.flip({3}), x);
  }
  return {x, {}, labels_.index_select(0, index), {}};
}

std::pair<std::vector<double>, std::vector<double>> ImageDataset::channel_statistics() const {
  std::vector<double> mean, std;
  for (int64_t c = 0; c < channels(); ++c) {
    auto pixels = images_.select(1, c).to(torch::kDouble).div_(255.0);
    const double m = pixels.mean().item<double>();
    mean.push_back(m);
    // The population deviation, written out: Tensor::std's overloads differ between versions.
    std.push_back(std::max(std::sqrt((pixels - m).pow(2).mean().item<double>()), 1e-6));
  }
  return {mean, std};
}

namespace {

// All images of one source, before splitting.
struct Pool {
  torch::Tensor images, labels;
  int64_t size() const { return images.size(0); }
};

Pool concat(const std::vector<Pool>& pools) {
  std::vector<torch::Tensor> images, labels;
  for (const auto& p : pools) {
    images.push_back(p.images);
    labels.push_back(p.labels);
  }
  return {torch::cat(images), torch::cat(labels)};
}

Pool subset(const Pool& pool, const std::vector<size_t>& indices) {
  std::vector<int64_t> index(indices.begin(), indices.end());
  auto i = torch::tensor(index, torch::kLong);
  return {pool.images.index_select(0, i), pool.labels.index_select(0, i)};
}

Pool read_idx_pair(const std::string& images_path, const std::string& labels_path) {
  auto images = read_idx(images_path);
  if (images.dims.size() != 3) {
    throw std::runtime_error(
        fmt::format("{}: an image file has 3 dimensions (count, rows, columns), this one has {}",
                    images_path, images.dims.size()));
  }
  auto labels = read_idx(labels_path);
  if (labels.dims.size() != 1) {
    throw std::runtime_error(fmt::format("{}: a label file has 1 dimension, this one has {}",
                                         labels_path, labels.dims.size()));
  }
  if (labels.dims[0] != images.dims[0]) {
    throw std::runtime_error(fmt::format("{} has {} labels but {} has {} images", labels_path,
                                         labels.dims[0], images_path, images.dims[0]));
  }
  auto pixels = torch::from_blob(images.values.data(),
                                 {images.dims[0], 1, images.dims[1], images.dims[2]}, torch::kUInt8)
                    .clone();
  auto label_values =
      torch::from_blob(labels.values.data(), {labels.dims[0]}, torch::kUInt8).to(torch::kLong);
  return {pixels, label_values};
}

// The one file of `dir` whose name starts with `prefix` (train-images, t10k-labels, ...).
std::optional<std::string> find_prefixed(const fs::path& dir, const std::string& prefix) {
  std::vector<std::string> found;
  for (const auto& file : list_files(dir.string())) {
    if (fs::path(file).filename().string().rfind(prefix, 0) == 0)
      found.push_back(file);
  }
  if (found.size() > 1) {
    throw std::runtime_error(fmt::format("{}: several files start with {} ({} and {}); keep one",
                                         dir.string(), prefix, found[0], found[1]));
  }
  return found.empty() ? std::nullopt : std::optional<std::string>(found[0]);
}

// A split of an IDX directory: both files, or neither.
std::optional<Pool> read_idx_split(const fs::path& dir, const std::string& split) {
  auto images = find_prefixed(dir, split + "-images");
  auto labels = find_prefixed(dir, split + "-labels");
  if (!images && !labels)
    return std::nullopt;
  if (!images || !labels) {
    throw std::runtime_error(fmt::format("{}: has {} but no {} file", dir.string(),
                                         images ? *images : *labels,
                                         split + (images ? "-labels" : "-images")));
  }
  return read_idx_pair(*images, *labels);
}

// The pools an IDX path gives: {train, test}, either possibly absent.
std::pair<std::optional<Pool>, std::optional<Pool>> read_idx_source(const std::string& path) {
  if (fs::is_directory(path)) {
    auto train = read_idx_split(path, "train");
    auto test = read_idx_split(path, "t10k");
    if (!train && !test) {
      throw std::runtime_error(path +
                               ": no IDX files (expected train-images*/train-labels* and/or "
                               "t10k-images*/t10k-labels*)");
    }
    return {train, test};
  }
  auto files = split_path_list(path, "--data");
  if (files.size() != 2) {
    throw std::runtime_error("idx data '" + path +
                             "': expected a directory or IMAGES,LABELS (two files)");
  }
  return {read_idx_pair(files[0], files[1]), std::nullopt};
}

// Label names, one per line, from a CIFAR meta file when there is one.
std::vector<std::string> read_names(const fs::path& path) {
  if (!fs::exists(path))
    return {};
  return read_trimmed_lines(path.string(), "a label-name file");
}

Pool read_cifar_files(const std::vector<std::string>& files, CifarFormat format, bool coarse) {
  std::vector<Pool> pools;
  for (const auto& file : files) {
    auto batch = read_cifar(file, format, coarse);
    auto pixels =
        torch::from_blob(batch.pixels.data(), {batch.count, 3, 32, 32}, torch::kUInt8).clone();
    pools.push_back({pixels, torch::tensor(batch.labels, torch::kLong)});
  }
  return concat(pools);
}

struct CifarSource {
  std::optional<Pool> train, test;
  std::vector<std::string> names;
};

CifarSource read_cifar_source(const std::string& path, bool coarse) {
  CifarSource source;
  if (!fs::is_directory(path)) {
    throw std::runtime_error(path +
                             ": cifar data is a directory (CIFAR-10: data_batch_*.bin, "
                             "test_batch.bin; CIFAR-100: train.bin, test.bin)");
  }
  const fs::path dir(path);
  std::vector<std::string> batches;
  for (const auto& file : list_files(path)) {
    const fs::path name = fs::path(file).filename();
    if (name.string().rfind("data_batch_", 0) == 0 && name.extension() == ".bin")
      batches.push_back(file);
  }
  if (!batches.empty() || fs::exists(dir / "test_batch.bin")) {
    if (!batches.empty())
      source.train = read_cifar_files(batches, CifarFormat::kCifar10, false);
    if (fs::exists(dir / "test_batch.bin"))
      source.test =
          read_cifar_files({(dir / "test_batch.bin").string()}, CifarFormat::kCifar10, false);
    source.names = read_names(dir / "batches.meta.txt");
  } else if (fs::exists(dir / "train.bin") || fs::exists(dir / "test.bin")) {
    if (fs::exists(dir / "train.bin"))
      source.train =
          read_cifar_files({(dir / "train.bin").string()}, CifarFormat::kCifar100, coarse);
    if (fs::exists(dir / "test.bin"))
      source.test = read_cifar_files({(dir / "test.bin").string()}, CifarFormat::kCifar100, coarse);
    source.names = read_names(dir / (coarse ? "coarse_label_names.txt" : "fine_label_names.txt"));
  } else {
    throw std::runtime_error(path +
                             ": no CIFAR batches (expected data_batch_*.bin / test_batch.bin or "
                             "train.bin / test.bin)");
  }
  return source;
}

std::vector<std::string> strata(const Pool& pool) {
  std::vector<std::string> labels;
  auto values = pool.labels.accessor<int64_t, 1>();
  for (int64_t i = 0; i < pool.size(); ++i)
    labels.push_back(std::to_string(values[i]));
  return labels;
}

struct Source {
  std::optional<Pool> train, test;
  std::vector<std::string> names;
};

Source read_source(const ImageDataOptions& options, const std::string& path) {
  if (options.kind == "idx") {
    auto [train, test] = read_idx_source(path);
    return {train, test, {}};
  }
  if (options.kind == "cifar") {
    auto cifar = read_cifar_source(path, options.coarse);
    return {cifar.train, cifar.test, cifar.names};
  }
  throw std::invalid_argument("unknown image dataset kind '" + options.kind + "' (expected " +
                              image_dataset_kinds() + ")");
}

Pool everything(const Source& source) {
  std::vector<Pool> pools;
  if (source.train)
    pools.push_back(*source.train);
  if (source.test)
    pools.push_back(*source.test);
  return concat(pools);
}

}  // namespace

ImageTask load_image_task(const ImageDataOptions& options) {
  if (options.data.empty())
    throw std::invalid_argument("--data is required for the " + options.kind + " dataset kind");
  auto source = read_source(options, options.data);
  // The train split when there is one; otherwise the one pair there is, split three ways.
  Pool pool = source.train ? *source.train : *source.test;
  std::optional<Pool> given_test = source.train ? source.test : std::nullopt;
  if (!options.test_data.empty())
    given_test = everything(read_source(options, options.test_data));
  const bool carve_test = !given_test;
  const size_t n = static_cast<size_t>(pool.size());
  const size_t test_size = carve_test ? split_size(n, options.test_fraction) : 0;
  const size_t validation_size = split_size(n, options.validation_fraction);
  if (test_size + validation_size >= n) {
    throw std::invalid_argument(
        fmt::format("{}: {} images cannot give {} test and {} validation images and still train",
                    options.data, n, test_size, validation_size));
  }
  auto split = seeded_split(strata(pool), validation_size, test_size, options.split_seed);
  Pool train = subset(pool, split.train), validation = subset(pool, split.validation);
  Pool test = carve_test ? subset(pool, split.test) : *given_test;
  const auto shape = [](const Pool& p) {
    return fmt::format("{}x{}x{}", p.images.size(1), p.images.size(2), p.images.size(3));
  };
  if (shape(test) != shape(train)) {
    throw std::runtime_error(fmt::format(
        "{}: the test images are {}, the training images {}",
        options.test_data.empty() ? options.data : options.test_data, shape(test), shape(train)));
  }
  ImageTask task;
  task.name = options.kind + ":" + fs::path(options.data).filename().string();
  const int64_t classes =
      std::max({train.labels.max().item<int64_t>(), validation.labels.max().item<int64_t>(),
                test.labels.max().item<int64_t>()}) +
      1;
  // Classes are the labels 0..max: a stray label byte (200 among digits) would add classes that
  // nothing trains, so every class must have training images.
  const auto counts = torch::bincount(train.labels, {}, classes);
  const auto missing = (counts == 0).nonzero().flatten();
  if (missing.numel() > 0) {
    throw std::runtime_error(fmt::format(
        "{}: label {} has no training image ({} of the labels 0..{} have none; expected labels "
        "0..K-1, every one in training: a stray label byte?)",
        options.data, missing[0].item<int64_t>(), missing.numel(), classes - 1));
  }
  task.label_names = source.names;
  if (static_cast<int64_t>(task.label_names.size()) < classes) {
    task.label_names.clear();
    for (int64_t c = 0; c < classes; ++c)
      task.label_names.push_back(std::to_string(c));
  }
  task.train = ImageDataset(train.images, train.labels);
  task.train.augment(options.crop_padding, options.flip);
  task.validation = ImageDataset(validation.images, validation.labels);
  task.test = ImageDataset(test.images, test.labels);
  return task;
}

ImageDataset load_image_examples(const ImageDataOptions& options, int64_t num_classes) {
  auto pool = everything(read_source(options, options.data));
  const int64_t top = pool.labels.max().item<int64_t>();
  if (top >= num_classes) {
    throw std::runtime_error(fmt::format("{}: label {} is not one of the run's {} classes",
                                         options.data, top, num_classes));
  }
  return ImageDataset(pool.images, pool.labels);
}

torch::Tensor read_image_file(const ImageDataOptions& options, const std::string& path) {
  if (options.kind == "idx") {
    auto images = read_idx(path);
    if (images.dims.size() != 3) {
      throw std::runtime_error(
          fmt::format("{}: an image file has 3 dimensions (count, rows, columns), this one has {}",
                      path, images.dims.size()));
    }
    return torch::from_blob(images.values.data(),
                            {images.dims[0], 1, images.dims[1], images.dims[2]}, torch::kUInt8)
        .clone();
  }
  if (options.kind == "cifar") {
    const auto name = fs::path(path).filename().string();
    const auto format =
        name == "train.bin" || name == "test.bin" ? CifarFormat::kCifar100 : CifarFormat::kCifar10;
    return read_cifar_files({path}, format, options.coarse).images;
  }
  throw std::invalid_argument("unknown image dataset kind '" + options.kind + "' (expected " +
                              image_dataset_kinds() + ")");
}

}  // namespace attnzoo
