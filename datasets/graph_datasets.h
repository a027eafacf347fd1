#pragma once
// The graph dataset kinds behind `--dataset KIND --data PATH` (full-batch node classification):
//
//   linqs            LINQS content/cites files (Cora, CiteSeer): PATH is a directory holding one
//                    *.content and one *.cites file, or the two files as "CONTENT,CITES".
//   graph-table      a user's own graph: "NODES,EDGES", a node table (ID, features..., label;
//                    tabs, commas or spaces; --header for a CSV header) and an edge list.
//   generated-graph  a seeded random graph with class-dependent features and mostly
//                    same-class edges (--nodes, --edges, --features, --classes); no PATH.
//
// Edges naming unknown nodes are skipped and counted; duplicates are merged; a self-citation is
// kept once; edges are made undirected unless `directed`, and every node gets a self-loop unless
// `self_loops` is off. Splits are Planetoid style (per_class training nodes of each class, then
// `validation` and `test` nodes, seeded), seeded fractions (`random`), or read from a file
// (`file`: the node IDs of each split).

#include <cstdint>
#include <memory>
#include <string>
#include <vector>

#include <torch/types.h>

#include "datasets/batch.h"

namespace attnzoo {

struct GraphDataOptions {
  std::string kind = "linqs";  ///< linqs | graph-table | generated-graph
  std::string data;
  bool header = false;  ///< graph-table: the node table's first line is a header
  bool directed = false;
  bool self_loops = true;
  std::string split = "planetoid";   ///< planetoid | random | file
  std::string split_file;            ///< file: the split's node IDs (see graph/split_file.h)
  int64_t per_class = 20;            ///< planetoid: training nodes per class
  int64_t validation = 500;          ///< planetoid: validation nodes
  int64_t test = 1000;               ///< planetoid: test nodes
  double validation_fraction = 0.1;  ///< random: validation share
  double test_fraction = 0.2;        ///< random: test share (the rest trains)
  uint64_t split_seed = 0;
  // generated-graph
  int64_t nodes = 3000;
  int64_t edges = 12000;  ///< undirected pairs before symmetrising, self-loops and merging
  int64_t features = 64;
  int64_t classes = 5;
  double homophily = 0.8;  ///< share of generated edges between nodes of the same class
  uint64_t data_seed = 0;  ///< generated-graph: seed of the graph itself
};

/// The graph kinds, for help texts: "linqs | graph-table | generated-graph".
std::string graph_dataset_kinds();
bool is_graph_dataset_kind(const std::string& kind);

/// A whole graph: node features, one class per node, and the edges attention runs along.
struct Graph {
  std::string name;  ///< the node file's name up to its first '.' (cora), or the kind
  std::vector<std::string> node_ids;
  torch::Tensor features;     ///< [N, F] float
  torch::Tensor labels;       ///< [N] int64, class index per node
  torch::Tensor edges;        ///< [2, E] int64, sorted by target then source, no duplicates
  int64_t skipped_edges = 0;  ///< edges naming unknown nodes
  int64_t num_nodes() const { return features.size(0); }
  int64_t num_edges() const { return edges.size(1); }
};

/// One split of a graph for the trainer: a single "example" (the whole graph, full batch) whose
/// labels are kIgnoreLabel outside the split's nodes.
class GraphSplit : public BatchSource {
 public:
  GraphSplit() = default;
  GraphSplit(std::shared_ptr<const Graph> graph, const std::vector<int64_t>& nodes);

  int64_t size() const override { return graph_ ? 1 : 0; }
  int64_t length(int64_t) const override { return graph_->num_nodes(); }
  int64_t example_count() const override { return static_cast<int64_t>(nodes_.size()); }
  Batch batch(const std::vector<int64_t>& indices) const override;

  const std::vector<int64_t>& nodes() const { return nodes_; }

 private:
  std::shared_ptr<const Graph> graph_;
  std::vector<int64_t> nodes_;
  torch::Tensor labels_;  ///< [N], kIgnoreLabel outside the split
};

struct GraphTask {
  std::string name;
  std::shared_ptr<const Graph> graph;
  std::vector<std::string> label_names;
  GraphSplit train, validation, test;
  int64_t num_classes() const { return static_cast<int64_t>(label_names.size()); }
};

/// Reads (or generates) the graph and splits its nodes. Throws std::runtime_error naming the file
/// and line for malformed input, std::invalid_argument for bad options.
GraphTask load_graph_task(const GraphDataOptions& options);

/// The graph of `options` with the class names fixed to `label_names` (for `attnzoo eval` on
/// another graph): a class not in the list is an error naming the file and line, or, with
/// `unknown_labels_ok` (prediction, where the file's labels do not matter), kIgnoreLabel.
Graph load_graph(const GraphDataOptions& options, const std::vector<std::string>& label_names,
                 bool unknown_labels_ok = false);

/// Merges directed pairs (source, target) of node indices into the [2, E] edge tensor: reversed
/// copies when undirected, duplicates merged, a self-loop per node when asked.
torch::Tensor build_edges(const std::vector<std::pair<int64_t, int64_t>>& pairs, int64_t num_nodes,
                          bool directed, bool self_loops);

}  // namespace attnzoo
