#include "datasets/text/tsv_reader.h"

#include <algorithm>
#include <stdexcept>
#include <string_view>
#include <tuple>

#include "datasets/text/text_file.h"

namespace attnzoo {
namespace {

bool parse_index(const std::string& text, size_t& index) {
  if (text.empty() || text.size() > 9)
    return false;
  index = 0;
  for (const char c : text) {
    if (c < '0' || c > '9')
      return false;
    index = index * 10 + static_cast<size_t>(c - '0');
  }
  return true;
}

std::vector<std::string_view> split_tabs(std::string_view line) {
  std::vector<std::string_view> fields;
  size_t start = 0;
  while (true) {
    const size_t tab = line.find('\t', start);
    if (tab == std::string_view::npos)
      break;
    fields.push_back(line.substr(start, tab - start));
    start = tab + 1;
  }
  fields.push_back(line.substr(start));
  return fields;
}

// The index of a column option in this file: a header name first, then a 0-based index.
size_t resolve_column(const std::string& option, const std::string& value,
                      const std::vector<std::string_view>& header, const std::string& path) {
  if (!header.empty()) {
    const auto first = std::find(header.begin(), header.end(), value);
    if (first != header.end()) {
      if (std::find(first + 1, header.end(), value) != header.end()) {
        throw_at(path, 1,
                 "the header names column " + shown_text(value) + " twice (expected " + option +
                     " to name one column; give its 0-based index instead)");
      }
      return static_cast<size_t>(first - header.begin());
    }
  }
  size_t index = 0;
  if (parse_index(value, index))
    return index;
  std::string names;
  for (const auto& name : header)
    names += (names.empty() ? "" : ", ") + shown_text(name);
  throw_at(path, 1,
           "no column named " + shown_text(value) + " for " + option + " in the header (expected " +
               names + ", or a 0-based index)");
}

}  // namespace

void check_tsv_columns(const std::string& label_column, const std::string& text_column,
                       bool header) {
  size_t label = 0, text = 0;
  for (const auto& [option, value, index] : {std::tuple{"label_column", &label_column, &label},
                                             std::tuple{"text_column", &text_column, &text}}) {
    if (value->empty() || (!header && !parse_index(*value, *index))) {
      throw std::invalid_argument(
          std::string("option ") + option + " is " + shown_text(*value) +
          " (expected a 0-based column index" +
          (header ? " or a header name)" : ", or a name with header=true)"));
    }
  }
  if (label_column == text_column) {
    throw std::invalid_argument("options label_column and text_column are both " +
                                shown_text(label_column) + " (expected two different columns)");
  }
}

std::vector<RawExample> read_tsv(const std::string& path, const std::string& label_column,
                                 const std::string& text_column, bool header) {
  check_tsv_columns(label_column, text_column, header);
  LineReader reader(path, "a tab-separated file");
  std::string line;
  std::string header_line;
  std::vector<std::string_view> header_fields;
  if (header) {
    if (!reader.next(line))
      throw_at(path, 0, "empty file (expected a header line of column names)");
    header_line = line;
    header_fields = split_tabs(header_line);
  }
  const size_t label = resolve_column("label_column", label_column, header_fields, path);
  const size_t text = resolve_column("text_column", text_column, header_fields, path);
  if (label == text) {
    throw_at(path, 1,
             "label_column " + shown_text(label_column) + " and text_column " +
                 shown_text(text_column) + " are the same column (expected two different columns)");
  }
  const size_t needed = std::max(label, text) + 1;

  std::vector<RawExample> examples;
  while (reader.next(line)) {
    const int64_t number = reader.line_number();
    if (trim_ascii(line).empty())
      continue;
    const auto fields = split_tabs(line);
    if (fields.size() < needed) {
      throw_at(path, number,
               std::to_string(fields.size()) + " tab-separated column" +
                   (fields.size() == 1 ? "" : "s") + " (expected at least " +
                   std::to_string(needed) + ": label in column " + std::to_string(label) +
                   ", text in column " + std::to_string(text) + ", counted from 0)");
    }
    RawExample example;
    example.source = path;
    example.line = number;
    example.label = std::string(trim_ascii(fields[label]));
    example.text = std::string(trim_ascii(fields[text]));
    if (example.label.empty()) {
      throw_at(path, number,
               "empty label in column " + std::to_string(label) + " (expected a label)");
    }
    if (example.text.empty()) {
      throw_at(path, number, "empty text in column " + std::to_string(text) + " (expected text)");
    }
    examples.push_back(std::move(example));
  }
  if (reader.line_number() == 0)
    throw_at(path, 0, "empty file (expected tab-separated lines)");
  if (examples.empty()) {
    throw_at(path, 0,
             std::string("no examples") + (header ? " after the header" : "") +
                 " (expected lines with a label and a text column)");
  }
  return examples;
}

}  // namespace attnzoo
