#include "datasets/image/cifar_reader.h"

#include <fstream>
#include <iterator>
#include <stdexcept>

#include <fmt/core.h>

namespace attnzoo {

CifarImages read_cifar(const std::string& path, CifarFormat format, bool coarse) {
  std::ifstream in(path, std::ios::binary);
  if (!in)
    throw std::runtime_error(path + ": cannot open");
  std::vector<uint8_t> bytes((std::istreambuf_iterator<char>(in)),
                             std::istreambuf_iterator<char>());
  constexpr size_t kPixels = 3 * 32 * 32;
  const size_t label_bytes = format == CifarFormat::kCifar10 ? 1 : 2;
  const size_t record = label_bytes + kPixels;
  const char* name = format == CifarFormat::kCifar10 ? "CIFAR-10" : "CIFAR-100";
  if (bytes.empty())
    throw std::runtime_error(fmt::format("{}: empty file, expected {} records", path, name));
  if (bytes.size() % record != 0) {
    throw std::runtime_error(fmt::format(
        "{}: {} bytes is not a whole number of {}-byte {} records (truncated, or another format?)",
        path, bytes.size(), record, name));
  }
  const int64_t classes = format == CifarFormat::kCifar10 ? 10 : coarse ? 20 : 100;
  const size_t label_offset = format == CifarFormat::kCifar100 && !coarse ? 1 : 0;
  CifarImages images;
  images.count = static_cast<int64_t>(bytes.size() / record);
  images.pixels.resize(static_cast<size_t>(images.count) * kPixels);
  images.labels.resize(static_cast<size_t>(images.count));
  for (size_t i = 0; i < static_cast<size_t>(images.count); ++i) {
    const uint8_t* r = bytes.data() + i * record;
    const int64_t label = r[label_offset];
    if (label >= classes) {
      throw std::runtime_error(fmt::format("{}: record {} has label {}, expected 0..{} ({})", path,
                                           i, label, classes - 1, name));
    }
    images.labels[i] = label;
    std::copy(r + label_bytes, r + record,
              images.pixels.begin() + static_cast<ptrdiff_t>(i * kPixels));
  }
  return images;
}

}  // namespace attnzoo
