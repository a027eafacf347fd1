// `attnzoo predict`: the labels a trained model gives to new input, with the exported TorchScript
// module (--model model.pt) or with the C++ model of a run (--run DIR). Graph runs so far: every
// node of the graph in --data gets a line "ID<TAB>LABEL".

#include <filesystem>
#include <sstream>

#include <fmt/core.h>
#include <torch/script.h>

#include "apps/command.h"
#include "apps/graph_run.h"
#include "apps/run_files.h"
#include "datasets/text/text_file.h"
#include "models/compat.h"
#include "training/runtime.h"

namespace attnzoo::cli {

namespace {

// The run's options from the text of its config.ini (carried inside an exported module).
GraphRunOptions graph_options_from(const std::string& config_text, const std::string& source) {
  GraphRunOptions run;
  auto options = graph_run_options(run);
  po::variables_map vm;
  std::istringstream config(config_text);
  try {
    po::store(po::parse_config_file(config, options, /*allow_unregistered=*/false), vm);
    po::notify(vm);
  } catch (const std::exception& e) {
    throw std::runtime_error(source + ": config.ini: " + e.what());
  }
  finish_graph_run_options(vm, run);
  return run;
}

}  // namespace

int run_predict(const std::vector<std::string>& args) {
  std::string model_path, run_dir, data, device_name;
  int threads = 0;
  po::options_description options("Prediction");
  // clang-format off
  options.add_options()
      ("model", po::value<std::string>(&model_path)->default_value(""),
       "an exported TorchScript module (attnzoo export)")
      ("run", po::value<std::string>(&run_dir)->default_value(""),
       "or a run directory (its best checkpoint)")
      ("data", po::value<std::string>(&data)->default_value(""),
       "the input: for graph runs, the graph (as --data of train; nothing for generated-graph)");
  // clang-format on
  options.add(runtime_options(device_name, threads));
  po::positional_options_description positional;
  positional.add("data", 1);
  po::variables_map vm;
  if (!parse("predict", "(--model model.pt | --run DIR) [--data] INPUT", options, args, vm,
             &positional)) {
    return 0;
  }
  if (model_path.empty() == run_dir.empty())
    throw UsageError("give exactly one of --model and --run");
  use_threads(threads);
  const auto device = resolve_device(device_name);

  GraphRunOptions run;
  std::vector<std::string> labels;
  torch::jit::Module module;
  std::shared_ptr<GraphModelImpl> model;
  if (!model_path.empty()) {
    require_exists(model_path, "a TorchScript file written by attnzoo export");
    torch::jit::ExtraFilesMap extra{{"config.ini", ""}, {"labels.txt", ""}};
    module = torch::jit::load(model_path, device, extra);
    if (extra["config.ini"].empty())
      throw std::runtime_error(model_path + ": not an attnzoo export (no config.ini inside)");
    run = graph_options_from(extra["config.ini"], model_path);
    labels = lines_from_text(extra["labels.txt"]);
  } else {
    auto loaded = load_graph_run(run_dir);
    run = loaded.options;
    labels = loaded.label_names;
    model = load_trained_graph_model(run_dir, loaded);
    model->to(device);
  }
  GraphDataOptions reading = run.data;  // the run's graph settings (self-loops, direction)
  reading.data = data;
  if (reading.kind != "generated-graph" && data.empty())
    throw UsageError("give the graph to label (--data, as for train)");
  const auto graph = load_graph(reading, labels, /*unknown_labels_ok=*/true);
  if (graph.skipped_edges > 0) {
    fmt::print(stderr, "warning: {} edges name nodes the node table does not have; skipped\n",
               graph.skipped_edges);
  }
  torch::NoGradGuard no_grad;
  compat::QuietScatterReduceWarning quiet;  // the exported edge softmax uses scatter_reduce
  auto x = graph.features.to(device), edges = graph.edges.to(device);
  auto logits = model ? model->forward(x, edges) : module.forward({x, edges}).toTensor();
  auto predicted = logits.argmax(-1).cpu();
  const auto* p = predicted.data_ptr<int64_t>();
  std::string out;
  for (int64_t i = 0; i < graph.num_nodes(); ++i)
    out += graph.node_ids[static_cast<size_t>(i)] + "\t" + labels[static_cast<size_t>(p[i])] + "\n";
  fmt::print("{}", out);
  return 0;
}

}  // namespace attnzoo::cli
