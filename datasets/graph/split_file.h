#pragma once
// A graph's node split given by a file: a JSON object with "train", "validation" and "test"
// arrays of node IDs (strings; integers for numeric IDs), the layout of a run's splits.json. It
// fixes a published split (or a run's own) instead of drawing one:
//
//   {"train": ["35", "40", ...], "validation": ["1033", ...], "test": ["1103", ...]}

#include <cstdint>
#include <string>
#include <vector>

namespace attnzoo {

struct NodeSplits {
  std::vector<int64_t> train, validation, test;  ///< node indices, sorted
};

/// Reads a split file for the graph whose node IDs are `node_ids`. Throws std::runtime_error
/// "PATH: what" (with the line and column where the JSON is malformed) for a file that cannot be
/// read, a missing or empty split, an ID the graph does not have, and a node listed twice.
NodeSplits read_split_file(const std::string& path, const std::vector<std::string>& node_ids);

/// The split file of `splits` (what read_split_file reads back), for a run's splits.json.
std::string split_file_text(const std::vector<std::string>& node_ids, const NodeSplits& splits);

}  // namespace attnzoo
