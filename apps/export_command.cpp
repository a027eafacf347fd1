// `attnzoo export`: a trained run as a TorchScript module that torch::jit::load (C++) and
// torch.jit.load (Python) run without attnzoo, at any length up to the model's maximum. The run's
// files (config.ini, model.json, labels.txt, and vocab.txt for text) travel inside the archive as
// extra files, so `attnzoo predict --model` reads its input as the run did.

#include <filesystem>
#include <sstream>

#include <fmt/core.h>

#include "apps/command.h"
#include "apps/graph_run.h"
#include "apps/image_run.h"
#include "apps/run_files.h"
#include "apps/speech_run.h"
#include "apps/text_run.h"
#include "models/torchscript/graph_model_script.h"
#include "models/torchscript/sequence_model_script.h"
#include "training/archive_check.h"
#include "training/atomic_file.h"

namespace attnzoo::cli {

namespace fs = std::filesystem;

namespace {

struct Exported {
  torch::jit::Module module;
  std::string attention, signature;
  int64_t classes = 0;
};

// A length in a signature: "n", or "n <= 512" where a learned position table bounds it.
std::string length_of(const char* name, int64_t max_length) {
  return max_length > 0 ? fmt::format("{} <= {}", name, max_length) : name;
}

Exported export_run(const std::string& dir, const std::string& kind) {
  if (is_graph_dataset_kind(kind)) {
    const auto run = load_graph_run(dir);
    auto model = load_trained_graph_model(dir, run);
    return {script_graph_model(*model, run.label_names), run.options.attention.name,
            fmt::format("forward(x [N, {}], edge_index [2, E])", run.facts.feature_dim),
            run.facts.num_classes};
  }
  if (is_image_dataset_kind(kind)) {
    const auto run = load_image_run(dir);
    auto model = load_trained_image_model(dir, run);
    const auto& f = run.facts;
    // Learned positions fix the training size, the cnn mixer's grid the training width
    // (image_size_error).
    const auto& o = model->options;
    auto size = fmt::format("{}, {}", f.height, f.width);
    if (o.positional() != PositionalKind::kLearned) {
      size = image_grid_bound(o) ? fmt::format("H (a multiple of {}), {}", o.patch(), f.width)
                                 : fmt::format("H, W (multiples of {})", o.patch());
    }
    return {script_image_model(*model, run.label_names), run.options.attention.name,
            fmt::format("forward(images [B, {}, {}])", f.channels, size), f.num_classes};
  }
  if (is_speech_dataset_kind(kind)) {
    const auto run = load_speech_run(dir);
    auto model = load_trained_speech_model(dir, run);
    auto module = script_speech_model(*model, run.label_names);
    // What turns a WAV file into the frames forward() takes (../shared/specs/speech-frames.md).
    const auto& d = run.options.data;
    for (const auto& [name, value] :
         {std::pair<const char*, int64_t>{"sample_rate", run.facts.sample_rate},
          {"num_mel_bins", d.num_mel_bins},
          {"stack", d.stack},
          {"subsample", d.subsample}}) {
      module.register_attribute(name, c10::IntType::get(), value);
    }
    return {module, run.options.attention.name,
            fmt::format("forward(frames [B, {}, {}], mask [B, T])",
                        length_of("T", run.facts.max_length), run.facts.feature_dim),
            run.facts.num_classes};
  }
  const auto run = load_text_run(dir);
  auto model = load_trained_text_model(dir, run);
  auto module = script_text_model(*model, run.label_names, run.vocabulary.tokens());
  // How a line becomes tokens (datasets/tokenizer.h); vocab.txt and config.ini say the rest.
  module.register_attribute("tokenizer", c10::StringType::get(), run.options.data.tokenizer);
  module.register_attribute("lowercase", c10::BoolType::get(), run.options.data.lowercase);
  return {module, run.options.attention.name,
          fmt::format("forward(tokens [B, {}], mask [B, n]) -> [B, {}{}]",
                      length_of("n", run.facts.max_length), run.facts.labelling ? "n, " : "",
                      run.facts.num_classes),
          run.facts.num_classes};
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
  auto exported = export_run(run_dir, kind);
  torch::jit::ExtraFilesMap extra;
  for (const char* name : {"config.ini", "model.json", "labels.txt", "vocab.txt"}) {
    if (std::string(name) != "vocab.txt" || fs::exists(fs::path(run_dir) / name))
      extra[name] = read_run_file(fs::path(run_dir) / name);
  }
  std::ostringstream bytes;
  exported.module.save(bytes, extra);
  write_file_atomically(out, sealed_archive(bytes.str()));  // never a half-written model
  fmt::print("{}: {} attention, {} classes -> {} ({})\n", run_dir, exported.attention,
             exported.classes, out, exported.signature);
  return 0;
}

}  // namespace attnzoo::cli
