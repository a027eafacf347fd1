#include "datasets/graph/split_file.h"

#include <algorithm>
#include <fstream>
#include <stdexcept>
#include <unordered_map>

#include <fmt/core.h>
#include <nlohmann/json.hpp>

#include "datasets/text/text_file.h"

namespace attnzoo {

NodeSplits read_split_file(const std::string& path, const std::vector<std::string>& node_ids) {
  std::ifstream in(path);
  if (!in)
    throw_at(path, 0, "cannot open the split file");
  nlohmann::json json;
  // A split file is an object of flat arrays; deeper nesting is refused while parsing, before
  // anything recursive (printing, comparing) could run out of stack on it.
  static constexpr int kMaxDepth = 8;
  const nlohmann::json::parser_callback_t depth_guard =
      [&path](int depth, nlohmann::json::parse_event_t, nlohmann::json&) {
        if (depth > kMaxDepth)
          throw_at(path, 0,
                   fmt::format("nested deeper than {} levels (expected an object of \"train\", "
                               "\"validation\" and \"test\" arrays of node IDs)",
                               kMaxDepth));
        return true;
      };
  try {
    json = nlohmann::json::parse(in, depth_guard);
  } catch (const nlohmann::json::parse_error& e) {
    // e.what() reads "[json.exception.parse_error.101] parse error at line L, column C: ..."
    const std::string what = e.what();
    const auto at = what.find("] ");
    throw_at(path, 0, "not JSON: " + (at == std::string::npos ? what : what.substr(at + 2)));
  }
  if (!json.is_object())
    throw_at(
        path, 0,
        "expected a JSON object with \"train\", \"validation\" and \"test\" arrays of node IDs");

  std::unordered_map<std::string, int64_t> index;
  for (size_t i = 0; i < node_ids.size(); ++i)
    index.emplace(node_ids[i], static_cast<int64_t>(i));
  std::unordered_map<int64_t, std::string> owner;  // node -> the split that lists it
  NodeSplits splits;
  for (auto [name, nodes] : {std::pair<const char*, std::vector<int64_t>*>{"train", &splits.train},
                             {"validation", &splits.validation},
                             {"test", &splits.test}}) {
    const auto found = json.find(name);
    if (found == json.end() || !found->is_array())
      throw_at(path, 0, fmt::format("expected \"{}\": an array of node IDs", name));
    if (found->empty())
      throw_at(path, 0, fmt::format("\"{}\" lists no node", name));
    for (size_t k = 0; k < found->size(); ++k) {
      const auto& item = (*found)[k];
      std::string id;
      if (item.is_string())
        id = item.get<std::string>();
      else if (item.is_number_integer())
        id = item.dump();
      else
        throw_at(path, 0,
                 fmt::format("\"{}\"[{}]: expected a node ID (a string or an integer), got {}",
                             name, k, shown_text(item.dump(), 40)));
      const auto node = index.find(id);
      if (node == index.end())
        throw_at(path, 0, fmt::format("\"{}\"[{}]: node '{}' is not in the graph", name, k, id));
      const auto [listed, fresh] = owner.emplace(node->second, name);
      if (!fresh) {
        throw_at(path, 0,
                 listed->second == name ? fmt::format("\"{}\" lists node '{}' twice", name, id)
                                        : fmt::format("node '{}' is in both \"{}\" and \"{}\"", id,
                                                      listed->second, name));
      }
      nodes->push_back(node->second);
    }
    std::sort(nodes->begin(), nodes->end());
  }
  return splits;
}

std::string split_file_text(const std::vector<std::string>& node_ids, const NodeSplits& splits) {
  auto ids = [&](const std::vector<int64_t>& nodes) {
    std::vector<std::string> out;
    for (auto node : nodes)
      out.push_back(node_ids[static_cast<size_t>(node)]);
    return out;
  };
  const nlohmann::json json = {{"train", ids(splits.train)},
                               {"validation", ids(splits.validation)},
                               {"test", ids(splits.test)}};
  return json.dump() + "\n";
}

}  // namespace attnzoo
