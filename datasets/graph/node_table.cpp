#include "datasets/graph/node_table.h"

#include <charconv>
#include <unordered_set>

#include <fmt/core.h>

#include "datasets/text/text_file.h"

namespace attnzoo {

namespace {

// The fields of a line, split at runs of tabs, commas and spaces.
std::vector<std::string_view> fields_of(std::string_view line) {
  std::vector<std::string_view> fields;
  size_t i = 0;
  auto is_separator = [](char c) { return c == ',' || is_ascii_space(c); };
  while (i < line.size()) {
    while (i < line.size() && is_separator(line[i]))
      ++i;
    const size_t start = i;
    while (i < line.size() && !is_separator(line[i]))
      ++i;
    if (i > start)
      fields.push_back(line.substr(start, i - start));
  }
  return fields;
}

bool skipped(std::string_view line) {
  line = trim_ascii(line);
  return line.empty() || line.front() == '#';
}

bool parse_number(std::string_view text, float& value) {
  const char* end = text.data() + text.size();
  auto [ptr, ec] = std::from_chars(text.data(), end, value);
  return ec == std::errc() && ptr == end;
}

}  // namespace

NodeTable read_node_table(const std::string& path, bool header) {
  LineReader reader(path, "a node table (ID, features, label per line)");
  NodeTable table;
  std::unordered_set<std::string> seen;
  bool header_pending = header;
  std::string line;
  while (reader.next(line)) {
    if (skipped(line))
      continue;
    const auto fields = fields_of(line);
    if (header_pending) {
      header_pending = false;
      continue;
    }
    const auto line_number = reader.line_number();
    if (fields.size() < 3) {
      throw_at(path, line_number,
               fmt::format("{} fields (expected a node ID, at least one feature and a label)",
                           fields.size()));
    }
    const auto dim = static_cast<int64_t>(fields.size()) - 2;
    if (table.ids.empty()) {
      table.feature_dim = dim;
    } else if (dim != table.feature_dim) {
      throw_at(path, line_number,
               fmt::format("{} features (expected {}, as on the first node's line)", dim,
                           table.feature_dim));
    }
    std::string id(fields.front());
    if (!seen.insert(id).second)
      throw_at(path, line_number, "node " + shown_text(id) + " appears twice");
    for (int64_t f = 1; f <= dim; ++f) {
      float value = 0;
      if (!parse_number(fields[static_cast<size_t>(f)], value)) {
        throw_at(path, line_number,
                 fmt::format("feature {} is {} (expected a number)", f,
                             shown_text(fields[static_cast<size_t>(f)])));
      }
      table.features.push_back(value);
    }
    table.ids.push_back(std::move(id));
    table.labels.emplace_back(fields.back());
    table.lines.push_back(line_number);
  }
  if (table.ids.empty())
    throw_at(path, 0, "no node found (expected one line per node: ID, features, label)");
  return table;
}

std::vector<std::pair<std::string, std::string>> read_edge_list(const std::string& path) {
  LineReader reader(path, "an edge list (two node IDs per line)");
  std::vector<std::pair<std::string, std::string>> edges;
  std::string line;
  while (reader.next(line)) {
    if (skipped(line))
      continue;
    const auto fields = fields_of(line);
    if (fields.size() != 2) {
      throw_at(path, reader.line_number(),
               fmt::format("{} fields (expected two node IDs)", fields.size()));
    }
    edges.emplace_back(std::string(fields[0]), std::string(fields[1]));
  }
  if (edges.empty())
    throw_at(path, 0, "no edge found (expected one line per edge: two node IDs)");
  return edges;
}

}  // namespace attnzoo
