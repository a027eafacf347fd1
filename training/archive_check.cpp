#include "training/archive_check.h"

#include <zlib.h>

#include <algorithm>
#include <cstdint>
#include <fstream>
#include <iterator>
#include <stdexcept>
#include <string_view>

#include <fmt/core.h>

namespace attnzoo {

namespace {

constexpr uint32_t kEndOfDirectory = 0x06054b50, kZip64End = 0x06064b50, kZip64Locator = 0x07064b50,
                   kDirectoryEntry = 0x02014b50, kLocalHeader = 0x04034b50;

// Little-endian fields at checked offsets of the whole file.
class Bytes {
 public:
  Bytes(std::string_view data, const std::string& path) : data_(data), path_(path) {}
  uint64_t get(uint64_t at, int width) const {
    if (at > data_.size() || data_.size() - at < static_cast<uint64_t>(width))
      fail(fmt::format("a record at byte {} runs past the end", at));
    uint64_t v = 0;
    for (int i = width - 1; i >= 0; --i)
      v = (v << 8) | static_cast<unsigned char>(data_[at + i]);
    return v;
  }
  std::string_view span(uint64_t at, uint64_t size) const {
    if (at > data_.size() || data_.size() - at < size)
      fail(fmt::format("a record at byte {} runs past the end", at));
    return data_.substr(at, size);
  }
  uint64_t size() const { return data_.size(); }
  [[noreturn]] void fail(const std::string& what) const {
    throw std::runtime_error(path_ + ": damaged or truncated archive (" + what + ")");
  }

 private:
  std::string_view data_;
  const std::string& path_;
};

// CRC-32 of bytes: a stored record, or the whole file for its seal.
uint32_t stored_crc(std::string_view record) {
  uLong crc = crc32(0L, Z_NULL, 0);
  for (uint64_t done = 0; done < record.size();) {  // crc32 takes at most 4 GB a call
    const auto chunk = static_cast<uInt>(std::min<uint64_t>(record.size() - done, 1u << 30));
    crc = crc32(crc, reinterpret_cast<const Bytef*>(record.data() + done), chunk);
    done += chunk;
  }
  return static_cast<uint32_t>(crc);
}

// CRC-32 of a deflated record's inflated bytes, and their count; false when it does not inflate.
bool deflated_crc(std::string_view record, uint32_t& crc_out, uint64_t& size_out) {
  z_stream z{};
  if (inflateInit2(&z, -MAX_WBITS) != Z_OK)  // raw deflate, as zip stores it
    return false;
  std::string out(1 << 16, '\0');
  uLong crc = crc32(0L, Z_NULL, 0);
  uint64_t size = 0, done = 0;
  int status = Z_OK;
  while (status != Z_STREAM_END) {
    if (z.avail_in == 0 && done < record.size()) {
      const auto chunk = static_cast<uInt>(std::min<uint64_t>(record.size() - done, 1u << 30));
      z.next_in = reinterpret_cast<Bytef*>(const_cast<char*>(record.data() + done));
      z.avail_in = chunk;
      done += chunk;
    }
    z.next_out = reinterpret_cast<Bytef*>(out.data());
    z.avail_out = static_cast<uInt>(out.size());
    status = inflate(&z, Z_NO_FLUSH);
    const auto produced = out.size() - z.avail_out;
    crc = crc32(crc, reinterpret_cast<const Bytef*>(out.data()), static_cast<uInt>(produced));
    size += produced;
    if (status != Z_OK && status != Z_STREAM_END)
      break;
    if (status == Z_OK && produced == 0 && z.avail_in == 0 && done == record.size())
      break;  // input used up before the stream's end
  }
  inflateEnd(&z);
  crc_out = static_cast<uint32_t>(crc);
  size_out = size;
  return status == Z_STREAM_END;
}

constexpr std::string_view kSeal = "attnzoo-crc32 ";

}  // namespace

std::string sealed_archive(std::string archive) {
  // LibTorch ends the archive with a 22-byte end-of-directory record and no comment.
  if (archive.size() < 22 || archive.compare(archive.size() - 22, 4, "PK\x05\x06") != 0 ||
      archive[archive.size() - 2] != 0 || archive[archive.size() - 1] != 0)
    throw std::logic_error("sealed_archive: not an archive ending in a bare end-of-directory");
  const std::string comment = fmt::format(
      "{}{:08x}", kSeal, stored_crc(std::string_view(archive).substr(0, archive.size() - 2)));
  archive[archive.size() - 2] = static_cast<char>(comment.size() & 0xFF);
  archive[archive.size() - 1] = static_cast<char>(comment.size() >> 8);
  return archive + comment;
}

void check_archive(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  if (!in)
    throw std::runtime_error(path + ": cannot open");
  const std::string data{std::istreambuf_iterator<char>(in), std::istreambuf_iterator<char>()};
  const Bytes b(data, path);
  if (data.size() < 22 || b.get(0, 4) != kLocalHeader)
    throw std::runtime_error(path + ": not a model or checkpoint file (no zip archive)");
  // The end-of-directory record: the last 22 bytes unless a comment follows it.
  uint64_t end = data.size() - 22;
  while (b.get(end, 4) != kEndOfDirectory) {
    if (end == 0 || data.size() - end > 22 + 0xFFFF)
      b.fail("no end-of-directory record: the file is cut short");
    --end;
  }
  const uint64_t comment_size = b.get(end + 20, 2);
  if (end + 22 + comment_size != data.size())
    b.fail("bytes after the end-of-directory record");
  const auto comment = b.span(end + 22, comment_size);
  if (comment.substr(0, kSeal.size()) == kSeal) {
    const auto expected = fmt::format("{}{:08x}", kSeal, stored_crc(b.span(0, end + 20)));
    if (comment != expected)
      b.fail("the file does not match its seal: a byte has changed");
  }
  uint64_t entries = b.get(end + 10, 2), directory = b.get(end + 16, 4);
  if (entries == 0xFFFF || directory == 0xFFFFFFFF) {  // zip64
    if (end < 20 || b.get(end - 20, 4) != kZip64Locator)
      b.fail("no zip64 locator");
    const uint64_t end64 = b.get(end - 20 + 8, 8);
    if (b.get(end64, 4) != kZip64End)
      b.fail("no zip64 end record");
    entries = b.get(end64 + 32, 8);
    directory = b.get(end64 + 48, 8);
  }
  uint64_t at = directory;
  for (uint64_t i = 0; i < entries; ++i) {
    if (b.get(at, 4) != kDirectoryEntry)
      b.fail(fmt::format("directory entry {} of {} is not one", i + 1, entries));
    const auto method = b.get(at + 10, 2);
    const auto crc = static_cast<uint32_t>(b.get(at + 16, 4));
    uint64_t size = b.get(at + 20, 4), offset = b.get(at + 42, 4);
    const auto name_length = b.get(at + 28, 2), extra_length = b.get(at + 30, 2),
               comment_length = b.get(at + 32, 2);
    const auto name = b.span(at + 46, name_length);
    // Zip64 sizes and offsets: the extra field 0x0001 holds, in order, those set to all ones.
    const uint64_t uncompressed = b.get(at + 24, 4);
    uint64_t uncompressed_size = uncompressed;
    for (uint64_t x = at + 46 + name_length; x + 4 <= at + 46 + name_length + extra_length;) {
      const auto id = b.get(x, 2), length = b.get(x + 2, 2);
      if (id == 1) {
        uint64_t field = x + 4;
        if (uncompressed == 0xFFFFFFFF) {
          uncompressed_size = b.get(field, 8);
          field += 8;
        }
        if (size == 0xFFFFFFFF) {
          size = b.get(field, 8);
          field += 8;
        }
        if (offset == 0xFFFFFFFF)
          offset = b.get(field, 8);
      }
      x += 4 + length;
    }
    if (b.get(offset, 4) != kLocalHeader)
      b.fail(fmt::format("record '{}' has no header at byte {}", name, offset));
    const uint64_t start = offset + 30 + b.get(offset + 26, 2) + b.get(offset + 28, 2);
    const auto record = b.span(start, size);
    if (method == 0) {
      if (stored_crc(record) != crc)
        b.fail(fmt::format("record '{}' does not match its CRC-32", name));
    } else if (method == 8) {
      uint32_t actual = 0;
      uint64_t inflated = 0;
      if (!deflated_crc(record, actual, inflated))
        b.fail(fmt::format("record '{}' does not inflate", name));
      if (actual != crc || inflated != uncompressed_size)
        b.fail(fmt::format("record '{}' does not match its CRC-32", name));
    } else {
      b.fail(fmt::format("record '{}' uses compression method {} (expected 0 or 8)", name, method));
    }
    at += 46 + name_length + extra_length + comment_length;
  }
}

}  // namespace attnzoo
