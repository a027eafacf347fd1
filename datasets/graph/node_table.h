#pragma once
// The two files of a graph in the LINQS layout (Cora, CiteSeer) and in users' own tables:
//
//   node table  one node per line: ID, then the features, then the class label; fields separated
//               by tabs, commas or spaces (LINQS .content uses tabs). IDs are strings (CiteSeer's
//               are not all numbers); features are numbers; every line has the same number of
//               features. Lines starting with '#' and empty lines are skipped; with `header`, so is
//               the first other line (CSV column names).
//   edge list   one edge per line: two node IDs (LINQS .cites: "cited citing", the link goes from
//               the second to the first). Same separators and comments.
//
// and the LINQS PubMed-Diabetes layout:
//
//   NODE .tab   "NODE\tpaper", a line declaring the features ("numeric:NAME:0.0" fields, the
//               label "cat=...:label", "string:summary"), then one node per line: ID,
//               "label=K", "NAME=VALUE" for each non-zero feature, "summary=..." (ignored).
//   cites .tab  "DIRECTED\tcites", "NO_FEATURES", then "EDGE_ID\tpaper:A\t|\tpaper:B" (A cites
//               B).
//
// Every malformed line is an error naming the file and line.

#include <cstdint>
#include <string>
#include <utility>
#include <vector>

namespace attnzoo {

struct NodeTable {
  std::vector<std::string> ids;
  std::vector<float> features;  ///< row-major [ids.size(), feature_dim]
  int64_t feature_dim = 0;
  std::vector<std::string> labels;  ///< one per node, as written
  std::vector<int64_t> lines;       ///< each node's line number, for messages
};

/// Reads a node table. Throws std::runtime_error("PATH:LINE: what") for a line with too few
/// fields, a feature that is not a number, a feature count that differs from the first line's,
/// a repeated ID, and "PATH: ..." for a file with no node.
NodeTable read_node_table(const std::string& path, bool header = false);

/// Reads an edge list as pairs of IDs (first, second), in file order.
std::vector<std::pair<std::string, std::string>> read_edge_list(const std::string& path);

/// Reads a PubMed-Diabetes NODE .tab file: features in the declared order, absent ones 0.
NodeTable read_linqs_tab_nodes(const std::string& path);

/// Reads a PubMed-Diabetes cites .tab file as pairs (cited, citing), the order of .cites files.
std::vector<std::pair<std::string, std::string>> read_linqs_tab_edges(const std::string& path);

}  // namespace attnzoo
