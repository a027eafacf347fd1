#include "datasets/text/text_lines_reader.h"

#include <filesystem>
#include <stdexcept>
#include <string_view>

#include "datasets/text/text_file.h"

namespace fs = std::filesystem;

namespace attnzoo {

void check_label_from(const std::string& label_from) {
  if (label_from != "extension" && label_from != "prefix") {
    throw std::invalid_argument("option label_from is " + shown_text(label_from) +
                                " (expected extension or prefix)");
  }
}

std::vector<std::string> text_lines_files(const std::string& data, const std::string& option) {
  std::vector<std::string> files;
  for (const auto& path : split_path_list(data, option)) {
    require_exists(path, "a text file, a folder of them, or comma-separated files");
    std::error_code error;
    if (!fs::is_directory(path, error)) {
      files.push_back(path);
      continue;
    }
    size_t found = 0;
    for (const auto& file : list_files(path)) {
      if (fs::path(file).extension() == ".md")
        continue;
      files.push_back(file);
      ++found;
    }
    if (found == 0) {
      throw_at(path, 0, "no data file in the folder (expected files such as data.pos, data.neg)");
    }
  }
  return files;
}

std::vector<RawExample> read_text_lines(const std::string& path, const std::string& label_from,
                                        const std::string& separator,
                                        const std::string& label_separator) {
  check_label_from(label_from);
  const bool from_extension = label_from == "extension";
  std::string file_label;
  if (from_extension) {
    file_label = fs::path(path).extension().string();
    if (file_label.size() <= 1) {
      throw_at(path, 0,
               "no file extension (expected a name like reviews.pos whose extension is the label, "
               "or label_from=prefix)");
    }
    file_label.erase(0, 1);
  }

  LineReader reader(path, "a text file with one example per line");
  std::vector<RawExample> examples;
  std::string line;
  while (reader.next(line)) {
    const int64_t number = reader.line_number();
    const std::string_view content = trim_ascii(line);
    if (content.empty())
      continue;
    RawExample example;
    example.source = path;
    example.line = number;
    if (from_extension) {
      example.label = file_label;
      example.text = std::string(content);
      examples.push_back(std::move(example));
      continue;
    }
    // Prefix mode works on the line as it is: leading whitespace means an empty label.
    std::string_view label, text;
    if (separator.empty()) {
      size_t end = 0;
      while (end < line.size() && !is_ascii_space(line[end]))
        ++end;
      label = std::string_view(line).substr(0, end);
      text = std::string_view(line).substr(end);
    } else {
      const size_t at = line.find(separator);
      if (at == std::string::npos) {
        throw_at(
            path, number,
            "no separator " + shown_text(separator) + " (expected LABEL" + separator + "text)");
      }
      label = std::string_view(line).substr(0, at);
      text = std::string_view(line).substr(at + separator.size());
    }
    if (!label_separator.empty())
      label = label.substr(0, label.find(label_separator));
    if (label.empty()) {
      throw_at(path, number,
               "empty label (expected LABEL" + (separator.empty() ? " " : separator) +
                   "text with the label at the start of the line" +
                   (label_separator.empty() ? "" : ", before any " + shown_text(label_separator)) +
                   ")");
    }
    text = trim_ascii(text);
    if (text.empty()) {
      throw_at(path, number,
               "label " + shown_text(label) + " with no text (expected LABEL" +
                   (separator.empty() ? " " : separator) + "text)");
    }
    example.label = std::string(label);
    example.text = std::string(text);
    examples.push_back(std::move(example));
  }
  if (reader.line_number() == 0)
    throw_at(path, 0, "empty file (expected one example per line)");
  if (examples.empty()) {
    throw_at(path, 0, "no examples, only blank lines (expected one example per line)");
  }
  return examples;
}

}  // namespace attnzoo
