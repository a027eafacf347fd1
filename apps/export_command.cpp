// `attnzoo export`: a trained run as a TorchScript module that torch::jit::load (C++) and
// torch.jit.load (Python) run without attnzoo. The run's config.ini, model.json and labels.txt
// travel inside the archive as extra files.

#include <filesystem>
#include <fstream>
#include <sstream>

#include <fmt/core.h>

#include "apps/command.h"
#include "apps/graph_run.h"
#include "apps/run_files.h"
#include "models/torchscript/graph_model_script.h"
#include "training/checkpoint.h"

namespace attnzoo::cli {

namespace fs = std::filesystem;

namespace {

std::string file_text(const fs::path& path) {
  std::ifstream in(path, std::ios::binary);
  if (!in)
    throw std::runtime_error(path.string() + ": missing from the run directory");
  std::ostringstream text;
  text << in.rdbuf();
  return text.str();
}

}  // namespace

int run_export(const std::vector<std::string>& args) {
  std::string run_dir, out;
  po::options_description options("Export");
  // clang-format off
  options.add_options()
      ("run", po::value<std::string>(&run_dir)->required(), "run directory written by train")
      ("out", po::value<std::string>(&out)->required(), "TorchScript file to write (model.pt)");
  // clang-format on
  po::variables_map vm;
  if (!parse("export", "--run DIR --out model.pt", options, args, vm))
    return 0;
  if (!fs::is_directory(run_dir))
    throw UsageError("--run " + run_dir + ": not a run directory");
  const auto config = (fs::path(run_dir) / "config.ini").string();
  const auto kind = config_file_value(config, "dataset");
  if (kind.empty())
    throw std::runtime_error(config + ": missing from the run directory, or without a dataset");
  if (!is_graph_dataset_kind(kind)) {
    throw UsageError("--run " + run_dir + ": a " + kind +
                     " run; export handles graph runs so far (text, image and speech: planned)");
  }
  const auto run = load_graph_run(run_dir);
  auto model = load_trained_graph_model(run_dir, run);
  auto module = script_graph_model(*model, run.label_names);
  torch::jit::ExtraFilesMap extra;
  for (const char* name : {"config.ini", "model.json", "labels.txt"})
    extra[name] = file_text(fs::path(run_dir) / name);
  const std::string tmp = out + ".tmp";
  module.save(tmp, extra);
  fs::rename(tmp, out);  // never a half-written model
  fmt::print("{}: {} attention, {} classes -> {} (forward(x [N, {}], edge_index [2, E]))\n",
             run_dir, run.options.attention.name, run.facts.num_classes, out,
             run.facts.feature_dim);
  return 0;
}

}  // namespace attnzoo::cli
