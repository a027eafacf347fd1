#include "datasets/graph/node_table.h"

#include <charconv>
#include <cmath>
#include <unordered_map>
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
  return ec == std::errc() && ptr == end && std::isfinite(value);  // from_chars takes "nan"
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
                 fmt::format("feature {} is {} (expected a finite number)", f,
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

namespace {

// The fields of a .tab line: tab-separated, empty fields dropped.
std::vector<std::string_view> tab_fields(std::string_view line) {
  std::vector<std::string_view> fields;
  size_t start = 0;
  while (start <= line.size()) {
    const size_t end = std::min(line.find('\t', start), line.size());
    const auto field = trim_ascii(line.substr(start, end - start));
    if (!field.empty())
      fields.push_back(field);
    start = end + 1;
  }
  return fields;
}

}  // namespace

NodeTable read_linqs_tab_nodes(const std::string& path) {
  LineReader reader(path, "a LINQS NODE .tab file");
  std::string line;
  if (!reader.next(line) || trim_ascii(line).rfind("NODE", 0) != 0)
    throw_at(path, 1, "expected the header 'NODE<tab>...' of a LINQS .tab node file");
  if (!reader.next(line))
    throw_at(path, 2, "expected the feature declarations (numeric:NAME:DEFAULT ...)");
  std::unordered_map<std::string, int64_t> column;
  for (auto field : tab_fields(line)) {
    if (field.rfind("numeric:", 0) != 0)
      continue;  // the label and summary declarations
    const auto rest = field.substr(8);
    const auto name = rest.substr(0, rest.find(':'));
    column.emplace(std::string(name), static_cast<int64_t>(column.size()));
  }
  if (column.empty())
    throw_at(path, 2, "no numeric:NAME:DEFAULT feature declaration");
  NodeTable table;
  table.feature_dim = static_cast<int64_t>(column.size());
  std::unordered_set<std::string> seen;
  while (reader.next(line)) {
    if (skipped(line))
      continue;
    const auto fields = tab_fields(line);
    const auto n = reader.line_number();
    if (fields.size() < 2)
      throw_at(path, n, "expected a node ID and label=K");
    std::string id(fields[0]);
    if (!seen.insert(id).second)
      throw_at(path, n, "node " + shown_text(id) + " appears twice");
    std::vector<float> row(static_cast<size_t>(table.feature_dim), 0.0f);
    std::string label;
    for (size_t i = 1; i < fields.size(); ++i) {
      const auto field = fields[i];
      const auto eq = field.find('=');
      if (eq == std::string_view::npos)
        throw_at(path, n, "field " + shown_text(field) + " (expected NAME=VALUE)");
      const auto name = field.substr(0, eq), value = field.substr(eq + 1);
      if (name == "label") {
        label = std::string(value);
      } else if (name != "summary") {
        const auto found = column.find(std::string(name));
        if (found == column.end())
          throw_at(path, n, "feature " + shown_text(name) + " is not declared on line 2");
        if (!parse_number(value, row[static_cast<size_t>(found->second)])) {
          throw_at(path, n,
                   "feature " + shown_text(name) + " is " + shown_text(value) +
                       " (expected a finite number)");
        }
      }
    }
    if (label.empty())
      throw_at(path, n, "no label=K field");
    table.ids.push_back(std::move(id));
    table.features.insert(table.features.end(), row.begin(), row.end());
    table.labels.push_back(std::move(label));
    table.lines.push_back(n);
  }
  if (table.ids.empty())
    throw_at(path, 0, "no node found");
  return table;
}

std::vector<std::pair<std::string, std::string>> read_linqs_tab_edges(const std::string& path) {
  LineReader reader(path, "a LINQS cites .tab file");
  std::vector<std::pair<std::string, std::string>> edges;
  std::string line;
  while (reader.next(line)) {
    const auto fields = tab_fields(line);
    if (fields.empty() || (reader.line_number() <= 2 && fields.size() <= 2))
      continue;  // "DIRECTED<tab>cites", "NO_FEATURES"
    auto id = [&](std::string_view field) {
      const auto colon = field.find(':');
      if (colon == std::string_view::npos || colon + 1 == field.size()) {
        throw_at(path, reader.line_number(),
                 "field " + shown_text(field) + " (expected TYPE:ID, e.g. paper:123)");
      }
      return std::string(field.substr(colon + 1));
    };
    if (fields.size() != 4 || fields[2] != "|") {
      throw_at(path, reader.line_number(),
               fmt::format("{} fields (expected EDGE_ID, paper:A, |, paper:B)", fields.size()));
    }
    edges.emplace_back(id(fields[3]), id(fields[1]));  // A cites B: (cited, citing)
  }
  if (edges.empty())
    throw_at(path, 0, "no edge found");
  return edges;
}

}  // namespace attnzoo
