#include "apps/graph_run.h"

#include <filesystem>

#include <fmt/core.h>
#include <nlohmann/json.hpp>

#include "apps/launcher.h"
#include "apps/run_files.h"
#include "apps/train_flow.h"
#include "core/runtime.h"
#include "datasets/graph/split_file.h"
#include "models/registry.h"
#include "training/checkpoint.h"

namespace attnzoo::cli {

namespace fs = std::filesystem;

// GAT's Cora settings are the defaults: 2 layers, 8 heads x 8 units, dropout 0.6 on inputs and
// attention, Adam with lr 0.005 and L2 5e-4, patience 100, constant learning rate.
GraphRunOptions::GraphRunOptions() {
  attention.name = "gat";
  attention.d_model = 64;
  attention.heads = 8;
  attention.dropout = 0.6;
  trainer.epochs = 3000;  // a cap: early stopping (patience 100) ends Cora runs at 580-1790
  trainer.batch_size = 1;
  trainer.lr = 0.005;
  trainer.weight_decay = 5e-4;
  trainer.optimizer = OptimizerKind::kAdam;
  trainer.schedule = ScheduleKind::kConstant;
  trainer.warmup_fraction = 0.0;
  trainer.clip_norm = 0.0;
  trainer.patience = 100;
  trainer.early_stopping = EarlyStopping::kAccuracyOrLoss;
  trainer.log_every = 1;
  trainer.log_epochs = 50;
}

po::options_description graph_run_options(GraphRunOptions& run) {
  auto& data = run.data;
  po::options_description data_options("Data");
  // One option per line reads better than clang-format's wrapping of the chain.
  // clang-format off
  data_options.add_options()
      ("dataset", po::value<std::string>(&data.kind)->default_value(data.kind),
       ("dataset kind: " + graph_dataset_kinds()).c_str())
      ("data", po::value<std::string>(&data.data)->default_value(""),
       "linqs: a directory with *.content and *.cites, or CONTENT,CITES; graph-table: "
       "NODES,EDGES")
      ("header", po::bool_switch(&data.header), "graph-table: the node table has a header line")
      ("directed", po::bool_switch(&data.directed),
       "keep edges directed (LINQS: from the citing to the cited paper)")
      ("no-self-loops", po::bool_switch()->notifier([&data](bool off) { data.self_loops = !off; }),
       "do not add a self-loop to every node")
      ("split", po::value<std::string>(&data.split)->default_value(data.split),
       "planetoid (per-class training nodes, then validation and test nodes) | random | file")
      ("split-file", po::value<std::string>(&data.split_file)->default_value(""),
       "the split's node IDs: JSON with \"train\", \"validation\" and \"test\" arrays (a "
       "run's splits.json), with --split file")
      ("per-class", po::value<int64_t>(&data.per_class)->default_value(data.per_class),
       "planetoid: training nodes per class")
      ("val-nodes", po::value<int64_t>(&data.validation)->default_value(data.validation),
       "planetoid: validation nodes")
      ("test-nodes", po::value<int64_t>(&data.test)->default_value(data.test),
       "planetoid: test nodes")
      ("val-fraction", po::value<double>(&data.validation_fraction)
           ->default_value(data.validation_fraction, "0.1"), "random: validation share")
      ("test-fraction", po::value<double>(&data.test_fraction)
           ->default_value(data.test_fraction, "0.2"), "random: test share")
      ("split-seed", po::value<uint64_t>(&data.split_seed)->default_value(0), "seed of the split")
      ("nodes", po::value<int64_t>(&data.nodes)->default_value(data.nodes),
       "generated-graph: nodes")
      ("edges", po::value<int64_t>(&data.edges)->default_value(data.edges),
       "generated-graph: edges (before symmetrising and self-loops)")
      ("features", po::value<int64_t>(&data.features)->default_value(data.features),
       "generated-graph: features per node")
      ("classes", po::value<int64_t>(&data.classes)->default_value(data.classes),
       "generated-graph: classes")
      ("homophily", po::value<double>(&data.homophily)->default_value(data.homophily, "0.8"),
       "generated-graph: share of edges within a class")
      ("data-seed", po::value<uint64_t>(&data.data_seed)->default_value(0),
       "generated-graph: seed of the graph");
  po::options_description model("Model");
  model.add_options()
      ("layers", po::value<int64_t>(&run.layers)->default_value(run.layers),
       "graph attention layers, the output layer included")
      ("output-heads", po::value<int64_t>(&run.output_heads)->default_value(run.output_heads),
       "heads of the output layer (averaged)")
      ("dropout", po::value<double>(&run.dropout)->default_value(run.dropout, "0.6"),
       "dropout on each layer's input (and projected values: --value-dropout)")
      ("value-dropout", po::value<double>(&run.value_dropout)->default_value(run.value_dropout),
       "dropout on each layer's projected values (-1: as --dropout)")
      ("bias", po::value<bool>(&run.bias)->default_value(run.bias),
       "a learned bias on each layer's output")
      ("feature-norm", po::value<std::string>(&run.feature_norm)->default_value(run.feature_norm),
       "row (divide each node's features by their sum) | none | auto (row for linqs)");
  // clang-format on
  po::options_description all;
  all.add(graph_attention_options(run.attention))
      .add(data_options)
      .add(model)
      .add(trainer_options(run.trainer))
      .add(runtime_options(run.device, run.threads));
  return all;
}

void finish_graph_run_options(const po::variables_map&, GraphRunOptions& run) {
  if (!is_graph_attention(run.attention.name)) {
    throw UsageError("--model " + run.attention.name + ": graph datasets take a graph attention: " +
                     attention_names(VariantKind::kGraph));
  }
  if (run.feature_norm != "row" && run.feature_norm != "none" && run.feature_norm != "auto")
    throw UsageError("--feature-norm: expected row, none or auto, got '" + run.feature_norm + "'");
  if (run.data.kind != "generated-graph" && run.data.data.empty())
    throw UsageError("--dataset " + run.data.kind + " needs --data");
  if (run.data.split == "file" && run.data.split_file.empty())
    throw UsageError("--split file needs --split-file FILE");
  if (run.data.split != "file" && !run.data.split_file.empty())
    throw UsageError("--split-file is read with --split file (got --split " + run.data.split + ")");
}

std::shared_ptr<GraphModelImpl> build_graph_model(const GraphRunOptions& run,
                                                  const GraphModelFacts& facts) {
  return std::make_shared<GraphModelImpl>(
      GraphModelOptions(facts.feature_dim, facts.num_classes, run.attention)
          .layers(run.layers)
          .output_heads(run.output_heads)
          .dropout(run.dropout)
          .value_dropout(run.value_dropout)
          .bias(run.bias)
          .row_normalize(facts.row_normalize));
}

LoadedGraphRun load_graph_run(const std::string& dir) {
  LoadedGraphRun run;
  auto options = graph_run_options(run.options);
  po::variables_map vm;
  read_run_config(dir, options, vm);
  finish_graph_run_options(vm, run.options);
  const auto model = read_run_facts(dir);
  try {
    run.facts.feature_dim = model.at("feature_dim").get<int64_t>();
    run.facts.num_classes = model.at("num_classes").get<int64_t>();
    run.facts.row_normalize = model.at("row_normalize").get<bool>();
  } catch (const std::exception& e) {
    throw std::runtime_error((fs::path(dir) / "model.json").string() + ": " + e.what());
  }
  run.label_names = read_lines_file(fs::path(dir) / "labels.txt");
  return run;
}

std::shared_ptr<GraphModelImpl> load_trained_graph_model(const std::string& dir,
                                                         const LoadedGraphRun& run) {
  auto model = build_graph_model(run.options, run.facts);
  load_checkpoint((fs::path(dir) / "best.pt").string(), *model);
  model->eval();
  return model;
}

int train_graph_model(const std::vector<std::string>& args) {
  require_one_process();
  GraphRunOptions run;
  auto options = graph_run_options(run);
  po::variables_map vm;
  if (!parse("train", "--dataset linqs|graph-table|generated-graph [--data PATH] [options]",
             options, args, vm))
    return 0;
  if (run.trainer.resume)
    merge_resumed_config(run.trainer.out_dir, options, vm);
  finish_graph_run_options(vm, run);
  run.trainer.device = resolve_device(run.device);
  const int threads = use_threads(run.threads);

  fmt::print("loading {}{}\n", run.data.kind,
             run.data.data.empty() ? " (generated)" : " from " + run.data.data);
  std::fflush(stdout);
  auto task = load_graph_task(run.data);
  const auto& graph = *task.graph;
  if (graph.skipped_edges > 0) {
    fmt::print(stderr, "warning: {} edges name nodes the node table does not have; skipped\n",
               graph.skipped_edges);
  }
  fmt::print(
      "{}: {} nodes, {} edges with self-loops, {} features, {} classes; {} train / {} validation "
      "/ {} test nodes\n",
      task.name, graph.num_nodes(), graph.num_edges(), graph.features.size(1), task.num_classes(),
      task.train.example_count(), task.validation.example_count(), task.test.example_count());

  GraphModelFacts facts;
  facts.feature_dim = graph.features.size(1);
  facts.num_classes = task.num_classes();
  facts.row_normalize =
      run.feature_norm == "row" || (run.feature_norm == "auto" && run.data.kind == "linqs");
  torch::manual_seed(run.trainer.seed);  // the initial weights follow --seed too
  auto model = build_graph_model(run, facts);
  if (stage_fresh_run(run.trainer)) {
    nlohmann::json json = {
        {"feature_dim", facts.feature_dim},     {"num_classes", facts.num_classes},
        {"row_normalize", facts.row_normalize}, {"nodes", graph.num_nodes()},
        {"edges", graph.num_edges()},           {"dataset", task.name}};
    write_run_files(run.trainer.out_dir, vm, json, task.label_names);
    // The node IDs of each split, so that the split can be checked or reused (--split-file).
    write_file_atomically(
        (fs::path(run.trainer.out_dir) / "splits.json").string(),
        split_file_text(graph.node_ids,
                        {task.train.nodes(), task.validation.nodes(), task.test.nodes()}));
  }
  run.trainer.tags = {{"model", run.attention.name}, {"dataset", task.name}};
  return train_and_report(
      model, run.trainer, threads,
      fmt::format("{} attention, {} layers, {} heads x {} units, {} output heads",
                  run.attention.name, run.layers, run.attention.heads,
                  run.attention.d_model / std::max<int64_t>(1, run.attention.heads),
                  run.output_heads),
      task.train, task.validation, task.test);
}

Evaluation evaluate_graph_run(const std::string& run_dir, const GraphDataOptions& data,
                              const TrainerOptions& trainer) {
  auto run = load_graph_run(run_dir);
  if (data.kind != run.options.data.kind) {
    throw UsageError("--dataset " + data.kind + ": the run was trained on " +
                     run.options.data.kind);
  }
  GraphDataOptions reading = run.options.data;  // the run's graph settings, the new data
  reading.data = data.data;
  auto graph = std::make_shared<Graph>(load_graph(reading, run.label_names));
  if (graph->features.size(1) != run.facts.feature_dim) {
    throw std::runtime_error(fmt::format("{}: the nodes have {} features, the model takes {}",
                                         data.data, graph->features.size(1),
                                         run.facts.feature_dim));
  }
  std::vector<int64_t> all(static_cast<size_t>(graph->num_nodes()));
  for (size_t i = 0; i < all.size(); ++i)
    all[i] = static_cast<int64_t>(i);
  auto model = load_trained_graph_model(run_dir, run);
  model->to(trainer.device);
  return Trainer(model, trainer).evaluate(GraphSplit(graph, all));
}

}  // namespace attnzoo::cli
