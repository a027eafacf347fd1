#include "datasets/image/idx_reader.h"

#include <zlib.h>

#include <algorithm>
#include <fstream>
#include <memory>
#include <stdexcept>

#include <fmt/core.h>
#include <fmt/ranges.h>

namespace attnzoo {

namespace {

// gzread reads gzipped and plain files alike.
struct GzCloser {
  void operator()(gzFile_s* f) const { gzclose(f); }
};

class GzReader {
 public:
  explicit GzReader(const std::string& path) : path_(path), file_(gzopen(path.c_str(), "rb")) {
    if (!file_)
      throw std::runtime_error(path + ": cannot open");
  }
  // Reads up to `size` bytes; returns how many were read.
  size_t read(void* into, size_t size) {
    size_t done = 0;
    auto* out = static_cast<char*>(into);
    while (done < size) {
      const unsigned chunk = static_cast<unsigned>(std::min<size_t>(size - done, 1u << 30));
      const int got = gzread(file_.get(), out + done, chunk);
      if (got < 0) {
        int code = 0;
        throw std::runtime_error(path_ + ": not a readable gzip or IDX file (" +
                                 gzerror(file_.get(), &code) + ")");
      }
      if (got == 0)
        break;
      done += static_cast<size_t>(got);
    }
    return done;
  }

 private:
  std::string path_;
  std::unique_ptr<gzFile_s, GzCloser> file_;
};

}  // namespace

IdxArray read_idx(const std::string& path) {
  GzReader in(path);
  unsigned char magic[4];
  if (in.read(magic, 4) != 4)
    throw std::runtime_error(path + ": too short for an IDX header (4 magic bytes expected)");
  if (magic[0] != 0 || magic[1] != 0) {
    throw std::runtime_error(
        fmt::format("{}: not an IDX file (magic bytes {:02x} {:02x} {:02x} {:02x}, expected 00 00 "
                    "08 <dimensions>)",
                    path, magic[0], magic[1], magic[2], magic[3]));
  }
  if (magic[2] != 0x08) {
    throw std::runtime_error(fmt::format(
        "{}: IDX value type 0x{:02x}; only unsigned bytes (0x08) are supported", path, magic[2]));
  }
  const int rank = magic[3];
  if (rank < 1)
    throw std::runtime_error(path + ": IDX header gives 0 dimensions");
  IdxArray array;
  size_t total = 1;
  for (int i = 0; i < rank; ++i) {
    unsigned char b[4];
    if (in.read(b, 4) != 4) {
      throw std::runtime_error(
          fmt::format("{}: truncated IDX header ({} dimensions announced)", path, rank));
    }
    const int64_t size =
        (int64_t{b[0]} << 24) | (int64_t{b[1]} << 16) | (int64_t{b[2]} << 8) | b[3];
    array.dims.push_back(size);
    if (size > 0 && total > (size_t{1} << 46) / static_cast<size_t>(size)) {
      throw std::runtime_error(
          fmt::format("{}: IDX header dimensions {} multiply past 64 TiB (a damaged header?)", path,
                      fmt::join(array.dims, " x ")));
    }
    total *= static_cast<size_t>(size);
  }
  // The header's size is a claim: memory grows with the data actually read, so a header that
  // promises 4M images in a small file is a truncation error rather than an allocation.
  constexpr size_t kChunk = size_t{64} << 20;
  size_t got = 0;
  while (got < total) {
    const size_t want = std::min(kChunk, total - got);
    array.values.resize(got + want);
    const size_t read = in.read(array.values.data() + got, want);
    got += read;
    if (read < want)
      break;
  }
  if (got != total) {
    throw std::runtime_error(
        fmt::format("{}: truncated: {} data bytes, the header promises {}", path, got, total));
  }
  char extra;
  if (in.read(&extra, 1) != 0) {
    throw std::runtime_error(fmt::format(
        "{}: more data than the header's {} bytes (wrong dimensions in the header?)", path, total));
  }
  return array;
}

void write_idx(const std::string& path, const IdxArray& array) {
  std::ofstream out(path, std::ios::binary);
  const unsigned char magic[4] = {0, 0, 0x08, static_cast<unsigned char>(array.dims.size())};
  out.write(reinterpret_cast<const char*>(magic), 4);
  for (auto d : array.dims) {
    const unsigned char b[4] = {static_cast<unsigned char>(d >> 24),
                                static_cast<unsigned char>(d >> 16),
                                static_cast<unsigned char>(d >> 8), static_cast<unsigned char>(d)};
    out.write(reinterpret_cast<const char*>(b), 4);
  }
  out.write(reinterpret_cast<const char*>(array.values.data()),
            static_cast<std::streamsize>(array.values.size()));
  if (!out)
    throw std::runtime_error(path + ": cannot write");
}

}  // namespace attnzoo
