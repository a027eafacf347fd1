#include "datasets/text/text_file.h"

#include <algorithm>
#include <cstdio>
#include <filesystem>
#include <stdexcept>
#include <system_error>

namespace fs = std::filesystem;

namespace attnzoo {

void throw_at(const std::string& path, int64_t line, const std::string& what) {
  const std::string where = line > 0 ? path + ":" + std::to_string(line) : path;
  throw std::runtime_error(where + ": " + what);
}

std::string shown_text(std::string_view text, size_t max_shown) {
  std::string out = "'";
  for (size_t i = 0; i < text.size() && i < max_shown; ++i) {
    const auto byte = static_cast<unsigned char>(text[i]);
    if (byte >= 0x20 && byte < 0x7f) {
      out += static_cast<char>(byte);
    } else {
      char escaped[5];
      std::snprintf(escaped, sizeof escaped, "\\x%02X", byte);
      out += escaped;
    }
  }
  if (text.size() > max_shown)
    out += "...";
  return out + "'";
}

bool is_ascii_space(char c) {
  return c == ' ' || c == '\t' || c == '\n' || c == '\r' || c == '\f' || c == '\v';
}

std::string_view trim_ascii(std::string_view text) {
  while (!text.empty() && is_ascii_space(text.front()))
    text.remove_prefix(1);
  while (!text.empty() && is_ascii_space(text.back()))
    text.remove_suffix(1);
  return text;
}

size_t invalid_utf8_at(std::string_view text) {
  const auto* b = reinterpret_cast<const unsigned char*>(text.data());
  const size_t n = text.size();
  for (size_t i = 0; i < n;) {
    const unsigned c = b[i];
    if (c < 0x80) {
      ++i;
      continue;
    }
    size_t length = 0;
    unsigned low = 0x80, high = 0xBF;  // the allowed range of the second byte
    if (c >= 0xC2 && c <= 0xDF) {
      length = 2;
    } else if (c >= 0xE0 && c <= 0xEF) {
      length = 3;
      if (c == 0xE0)
        low = 0xA0;  // overlong
      if (c == 0xED)
        high = 0x9F;  // surrogates
    } else if (c >= 0xF0 && c <= 0xF4) {
      length = 4;
      if (c == 0xF0)
        low = 0x90;  // overlong
      if (c == 0xF4)
        high = 0x8F;  // past U+10FFFF
    } else {
      return i;
    }
    if (n - i < length || b[i + 1] < low || b[i + 1] > high)
      return i;
    for (size_t k = 2; k < length; ++k)
      if (b[i + k] < 0x80 || b[i + k] > 0xBF)
        return i;
    i += length;
  }
  return std::string_view::npos;
}

void require_utf8(const std::string& path, int64_t line, std::string_view text) {
  const size_t at = invalid_utf8_at(text);
  if (at == std::string_view::npos)
    return;
  throw_at(path, line,
           "invalid UTF-8 at byte " + std::to_string(at + 1) + " (" +
               shown_text(text.substr(at), 4) +
               "; expected UTF-8 text: convert the file, for example with iconv -f latin1 -t "
               "utf-8)");
}

namespace {
size_t line_bound = size_t{1} << 20;
}  // namespace

size_t max_line_bytes() {
  return line_bound;
}
void set_max_line_bytes(size_t bytes) {
  line_bound = bytes;
}

LineReader::LineReader(std::string path, std::string what)
    : path_(std::move(path)), what_(std::move(what)) {
  std::error_code error;
  const auto status = fs::status(path_, error);
  if (!fs::exists(status))
    throw_at(path_, 0, "no such file (expected " + what_ + ")");
  if (fs::is_directory(status))
    throw_at(path_, 0, "is a directory (expected " + what_ + ")");
  in_.open(path_, std::ios::binary);
  if (!in_)
    throw_at(path_, 0, "cannot open the file (expected a readable " + what_ + ")");
}

bool LineReader::next(std::string& line) {
  // Byte by byte from the stream's buffer, so that a line past the bound is never held whole.
  line.clear();
  auto* buffer = in_.rdbuf();
  const size_t bound = max_line_bytes();
  bool read_any = false;
  for (;;) {
    const auto c = buffer->sbumpc();
    if (c == std::char_traits<char>::eof())
      break;
    read_any = true;
    if (c == '\n')
      break;
    if (line.size() >= bound + 1) {  // + 1: a \r before the \n does not count
      throw_at(path_, line_number_ + 1,
               "a line longer than " + std::to_string(bound) +
                   " bytes (expected lines of text; --max-line-bytes raises the bound)");
    }
    line.push_back(static_cast<char>(c));
  }
  if (!read_any)
    return false;
  ++line_number_;
  if (line_number_ == 1 && line.rfind("\xEF\xBB\xBF", 0) == 0)
    line.erase(0, 3);
  if (!line.empty() && line.back() == '\r')
    line.pop_back();
  if (line.size() > bound) {
    throw_at(path_, line_number_,
             "a line longer than " + std::to_string(bound) +
                 " bytes (expected lines of text; --max-line-bytes raises the bound)");
  }
  require_utf8(path_, line_number_, line);
  return true;
}

std::vector<std::string> split_path_list(const std::string& value, const std::string& option) {
  std::error_code error;
  if (!value.empty() && fs::exists(value, error))
    return {value};
  std::vector<std::string> paths;
  size_t start = 0;
  while (start <= value.size()) {
    size_t comma = value.find(',', start);
    if (comma == std::string::npos)
      comma = value.size();
    const auto part = trim_ascii(std::string_view(value).substr(start, comma - start));
    if (!part.empty())
      paths.emplace_back(part);
    start = comma + 1;
  }
  if (paths.empty()) {
    throw std::invalid_argument("option " + option + " is " + shown_text(value) +
                                " (expected a file, a folder or comma-separated files)");
  }
  return paths;
}

std::vector<std::string> read_trimmed_lines(const std::string& path, const std::string& what) {
  LineReader reader(path, what);
  std::vector<std::string> lines;
  for (std::string line; reader.next(line);) {
    const auto trimmed = trim_ascii(line);
    if (!trimmed.empty())
      lines.emplace_back(trimmed);
  }
  return lines;
}

std::vector<std::string> list_files(const std::string& folder) {
  std::error_code error;
  std::vector<std::string> files;
  fs::directory_iterator it(folder, error);
  if (error)
    throw_at(folder, 0, "cannot list the folder: " + error.message());
  for (const auto& entry : it) {
    const std::string name = entry.path().filename().string();
    if (name.empty() || name[0] == '.')
      continue;
    std::error_code type_error;
    if (!entry.is_regular_file(type_error))
      continue;
    files.push_back(entry.path().string());
  }
  std::sort(files.begin(), files.end());
  return files;
}

void require_exists(const std::string& path, const std::string& what) {
  std::error_code error;
  if (!fs::exists(path, error))
    throw_at(path, 0, "no such file or directory (expected " + what + ")");
}

}  // namespace attnzoo
