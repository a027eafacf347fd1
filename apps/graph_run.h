#pragma once
// What `attnzoo train` takes for a graph run (dataset kinds linqs, graph-table, generated-graph:
// full-batch node classification), and how `attnzoo eval` rebuilds the same model: config.ini,
// model.json (what the data decided: features, classes) and labels.txt.

#include <memory>
#include <string>
#include <vector>

#include "apps/command.h"
#include "datasets/graph_datasets.h"
#include "models/graph_model.h"
#include "training/trainer.h"

namespace attnzoo::cli {

struct GraphRunOptions {
  GraphRunOptions();
  AttentionConfig attention;
  GraphDataOptions data;
  int64_t layers = 2;
  int64_t output_heads = 1;
  double dropout = 0.6;
  double value_dropout = -1.0;  ///< negative: dropout's
  /// No output bias by default, as in pyGAT: on pygcn's Cora split, whose training classes are
  /// skewed, the bias costs 4 points; on Planetoid-style splits it makes no clear difference.
  bool bias = false;
  std::string feature_norm = "auto";  ///< row | none | auto (row for linqs)
  TrainerOptions trainer;
  std::string device = "auto";
  int threads = 0;
};

po::options_description graph_run_options(GraphRunOptions& run);
void finish_graph_run_options(const po::variables_map& vm, GraphRunOptions& run);

/// What the data decides about the model.
struct GraphModelFacts {
  int64_t feature_dim = 0, num_classes = 0;
  bool row_normalize = false;
};

std::shared_ptr<GraphModelImpl> build_graph_model(const GraphRunOptions& run,
                                                  const GraphModelFacts& facts);

struct LoadedGraphRun {
  GraphRunOptions options;
  GraphModelFacts facts;
  std::vector<std::string> label_names;
};
/// A run directory's configuration, model facts and labels (no weights).
LoadedGraphRun load_graph_run(const std::string& dir);
/// The run's model with its best checkpoint loaded, in eval mode.
std::shared_ptr<GraphModelImpl> load_trained_graph_model(const std::string& dir,
                                                         const LoadedGraphRun& run);

/// `attnzoo train` for the graph kinds.
int train_graph_model(const std::vector<std::string>& args);

/// `attnzoo eval` for the graph kinds: the run's best checkpoint on every node of `data`.
Evaluation evaluate_graph_run(const std::string& run_dir, const GraphDataOptions& data,
                              const TrainerOptions& trainer);

}  // namespace attnzoo::cli
