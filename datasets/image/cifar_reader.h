#pragma once
// The CIFAR binary formats. CIFAR-10: records of 1 label byte (0-9) then 3072 pixel bytes (1024
// red, 1024 green, 1024 blue, each 32x32 row-major). CIFAR-100: 1 coarse label byte (0-19),
// 1 fine label byte (0-99), then the same 3072 pixel bytes.

#include <cstdint>
#include <string>
#include <vector>

namespace attnzoo {

enum class CifarFormat { kCifar10, kCifar100 };

struct CifarImages {
  int64_t count = 0;
  std::vector<uint8_t> pixels;  ///< count x 3 x 32 x 32
  std::vector<int64_t> labels;  ///< count
};

/// Reads one binary batch file. CIFAR-100 takes the fine label unless `coarse`. A size that is
/// not a whole number of records, or a label out of range, is a std::runtime_error naming the
/// file (and the record).
CifarImages read_cifar(const std::string& path, CifarFormat format, bool coarse = false);

}  // namespace attnzoo
