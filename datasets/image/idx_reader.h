#pragma once
// The IDX format of the MNIST family (MNIST, Fashion-MNIST, notMNIST, EMNIST): a big-endian
// header -- two zero bytes, a type byte (0x08: unsigned bytes), the number of dimensions, then
// one uint32 per dimension -- followed by the values, row-major. Files are read gzipped (as
// distributed) or raw; zlib tells the two apart by their first bytes.

#include <cstdint>
#include <string>
#include <vector>

namespace attnzoo {

struct IdxArray {
  std::vector<int64_t> dims;    ///< e.g. {N, 28, 28} for images, {N} for labels
  std::vector<uint8_t> values;  ///< product(dims) bytes, row-major
};

/// Reads an IDX file of unsigned bytes. A wrong magic, another value type, a truncated file or
/// bytes after the data are a std::runtime_error naming the file and what was expected.
IdxArray read_idx(const std::string& path);

/// Writes `array` as raw (not gzipped) IDX: for tests and tools.
void write_idx(const std::string& path, const IdxArray& array);

}  // namespace attnzoo
