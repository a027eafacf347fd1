// `attnzoo predict`: the labels a trained model gives to new input, with the exported TorchScript
// module (--model model.pt) or with the C++ model of a run (--run DIR). The input is read as the
// run read its data (an export carries the run's files):
//   text    lines of text (arguments, or stdin with "-")  -> "LABEL<TAB>LINE", or for
//           labelling runs "word/TAG word/TAG ..."
//   speech  WAV files                                     -> "PATH<TAB>LABEL"
//   image   FILE:INDEX (an IDX image file or CIFAR batch) -> "FILE:INDEX<TAB>LABEL"
//   graph   the graph in --data (as for train)             -> "ID<TAB>LABEL" per node

#include <unistd.h>

#include <filesystem>
#include <fstream>
#include <functional>
#include <iostream>
#include <numeric>
#include <sstream>

#include <fmt/core.h>
#include <torch/script.h>

#include "apps/command.h"
#include "apps/graph_run.h"
#include "apps/image_run.h"
#include "apps/positions.h"
#include "apps/run_files.h"
#include "apps/speech_run.h"
#include "apps/text_run.h"
#include "core/compat.h"
#include "core/runtime.h"
#include "datasets/text/text_file.h"
#include "datasets/token_dataset.h"
#include "training/archive_check.h"

namespace attnzoo::cli {

namespace fs = std::filesystem;

namespace {

// The run's files taken out of an exported module into a directory of their own, removed when
// done, so that the run loaders read them as they read a run directory.
class ExtractedRunFiles {
 public:
  ExtractedRunFiles(const std::string& model_path, const torch::Device& device) {
    torch::jit::ExtraFilesMap extra{
        {"config.ini", ""}, {"model.json", ""}, {"labels.txt", ""}, {"vocab.txt", ""}};
    check_archive(model_path);  // names a truncated or damaged file before LibTorch's reader
    try {
      module = torch::jit::load(model_path, device, extra);
    } catch (const c10::Error& e) {
      const std::string what = e.what_without_backtrace();
      throw std::runtime_error(model_path + ": not a TorchScript model (" +
                               what.substr(0, what.find('\n')) + ")");
    }
    if (extra["config.ini"].empty())
      throw std::runtime_error(model_path + ": not an attnzoo export (no config.ini inside)");
    dir = fs::temp_directory_path() / fmt::format("attnzoo_predict_{}", ::getpid());
    fs::remove_all(dir);
    fs::create_directories(dir);
    for (const auto& [name, text] : extra) {
      if (!text.empty())
        std::ofstream(dir / name, std::ios::binary) << text;
    }
  }
  ~ExtractedRunFiles() {
    std::error_code ignored;
    fs::remove_all(dir, ignored);
  }
  ExtractedRunFiles(const ExtractedRunFiles&) = delete;
  ExtractedRunFiles& operator=(const ExtractedRunFiles&) = delete;

  torch::jit::Module module;
  fs::path dir;
};

using Forward = std::function<torch::Tensor(const std::vector<torch::Tensor>&)>;

// The reason in a TorchScript interpreter error: its last "RuntimeError: ..." line, not the
// module's traceback.
std::string interpreter_reason(const std::string& what) {
  std::string reason = what.substr(0, what.find('\n'));
  std::istringstream lines(what);
  for (std::string line; std::getline(lines, line);) {
    const auto at = line.find("Error: ");  // "RuntimeError: ...", flush left
    if (at != std::string::npos && !line.empty() && line[0] != ' ')
      reason = line.substr(at + 7);
  }
  return reason;
}

Forward module_forward(torch::jit::Module& module, const std::string& model_path) {
  return [&module, model_path](const std::vector<torch::Tensor>& inputs) {
    try {
      return module.forward(std::vector<torch::IValue>(inputs.begin(), inputs.end())).toTensor();
    } catch (const c10::Error& e) {
      throw std::runtime_error(model_path + ": the model refused the input (" +
                               interpreter_reason(e.what_without_backtrace()) + ")");
    }
  };
}

// Errors that name the run files extracted from an exported model name the model instead.
template <typename Error>
[[noreturn]] void rethrow_naming(const Error& e, const fs::path& dir, const std::string& model) {
  std::string what = e.what();
  const std::string prefix = dir.string() + "/";
  for (auto at = what.find(prefix); at != std::string::npos; at = what.find(prefix, at))
    what.replace(at, prefix.size(), model + ":");
  throw Error(what);
}

const std::string& label_of(const std::vector<std::string>& labels, int64_t id) {
  return labels.at(static_cast<size_t>(id));
}

// Lines given as arguments, or read from stdin for "-" (or no argument).
std::vector<std::string> input_lines(const std::vector<std::string>& inputs) {
  if (!inputs.empty() && !(inputs.size() == 1 && inputs[0] == "-"))
    return inputs;
  std::vector<std::string> lines;
  for (std::string line; std::getline(std::cin, line);) {
    if (!line.empty() && line.back() == '\r')
      line.pop_back();
    lines.push_back(line);
  }
  return lines;
}

void predict_text(const fs::path& files, const std::string& run_dir, const Forward* exported,
                  const std::vector<std::string>& inputs, const torch::Device& device) {
  const auto run = load_text_run(files.string());
  std::shared_ptr<TextModelImpl> model;
  if (!exported) {
    model = load_trained_text_model(run_dir, run);
    model->to(device);
  }
  const auto lines = input_lines(inputs);
  constexpr size_t kBatch = 64;
  for (size_t first = 0; first < lines.size(); first += kBatch) {
    std::vector<EncodedLine> encoded;
    std::vector<TokenExample> examples;  // batched as training batches them (no labels here)
    for (size_t i = first; i < std::min(lines.size(), first + kBatch); ++i) {
      encoded.push_back(
          encode_text_line(lines[i], run.options.data, run.vocabulary, run.facts.labelling));
      const auto count = static_cast<int64_t>(encoded.back().ids.size());
      if (count == 0)
        throw std::runtime_error(fmt::format("input line {}: no tokens", i + 1));
      check_input_length(run.facts.max_length, count, fmt::format("input line {}", i + 1), "it",
                         "tokens");
      TokenExample example;
      example.tokens = encoded.back().ids;
      example.tags.assign(example.tokens.size(), 0);
      examples.push_back(std::move(example));
    }
    std::vector<int64_t> all(examples.size());
    std::iota(all.begin(), all.end(), 0);
    const auto batch = TokenDataset(std::move(examples), run.facts.labelling).batch(all).to(device);
    const auto &tokens = batch.inputs, &mask = batch.mask;
    auto logits = exported ? (*exported)({tokens, mask}) : model->forward(tokens, mask);
    auto predicted = logits.argmax(-1).cpu();
    for (size_t i = 0; i < encoded.size(); ++i) {
      const auto row = predicted[static_cast<int64_t>(i)];
      if (!run.facts.labelling) {
        fmt::print("{}\t{}\n", label_of(run.label_names, row.item<int64_t>()), lines[first + i]);
        continue;
      }
      std::string tagged;
      for (size_t t = 0; t < encoded[i].tokens.size(); ++t) {
        tagged += (t ? " " : "") + encoded[i].tokens[t] + "/" +
                  label_of(run.label_names, row[static_cast<int64_t>(t)].item<int64_t>());
      }
      fmt::print("{}\n", tagged);
    }
  }
}

void predict_speech(const fs::path& files, const std::string& run_dir, const Forward* exported,
                    const std::vector<std::string>& inputs, const torch::Device& device) {
  if (inputs.empty())
    throw UsageError("give the WAV files to label");
  const auto run = load_speech_run(files.string());
  std::shared_ptr<SpeechModelImpl> model;
  if (!exported) {
    model = load_trained_speech_model(run_dir, run);
    model->to(device);
  }
  for (const auto& path : inputs) {
    require_exists(path, "a WAV file");
    auto frames = wav_frames(path, run.options.data, run.facts.sample_rate);
    check_input_length(run.facts.max_length, frames.size(0), path, "the recording", "frames");
    auto x = frames.unsqueeze(0).to(device);
    auto mask = torch::ones({1, frames.size(0)}, torch::kBool).to(device);
    auto logits = exported ? (*exported)({x, mask}) : model->forward(x, mask);
    fmt::print("{}\t{}\n", path, label_of(run.label_names, logits.argmax(-1).item<int64_t>()));
  }
}

void predict_image(const fs::path& files, const std::string& run_dir, const Forward* exported,
                   const std::vector<std::string>& inputs, const torch::Device& device) {
  if (inputs.empty())
    throw UsageError("give the images to label as FILE:INDEX (an IDX image file or CIFAR batch)");
  const auto run = load_image_run(files.string());
  std::shared_ptr<ImageModelImpl> model;
  if (!exported) {
    model = load_trained_image_model(run_dir, run);
    model->to(device);
  }
  for (const auto& input : inputs) {
    const auto colon = input.rfind(':');
    int64_t index = -1;
    try {
      if (colon != std::string::npos)
        index = std::stoll(input.substr(colon + 1));
    } catch (const std::exception&) {
    }
    if (index < 0)
      throw UsageError(input + ": expected FILE:INDEX, e.g. t10k-images-idx3-ubyte:0");
    const auto path = input.substr(0, colon);
    require_exists(path, "an IDX image file or a CIFAR batch");
    auto images = read_image_file(run.options.data, path);
    if (index >= images.size(0)) {
      throw std::runtime_error(
          fmt::format("{}: index {}, the file has {} images", path, index, images.size(0)));
    }
    auto image = images[index].to(torch::kFloat).div_(255.0);
    check_image_size(run, image.size(0), image.size(1), image.size(2), path);
    auto x = image.unsqueeze(0).to(device);
    auto logits = exported ? (*exported)({x}) : model->forward(x);
    fmt::print("{}\t{}\n", input, label_of(run.label_names, logits.argmax(-1).item<int64_t>()));
  }
}

void predict_graph(const fs::path& files, const std::string& run_dir, const Forward* exported,
                   const std::string& data, const torch::Device& device) {
  auto run = load_graph_run(files.string());
  std::shared_ptr<GraphModelImpl> model;
  if (!exported) {
    model = load_trained_graph_model(run_dir, run);
    model->to(device);
  }
  GraphDataOptions reading = run.options.data;  // the run's graph settings (self-loops, direction)
  reading.data = data;
  if (reading.kind != "generated-graph" && data.empty())
    throw UsageError("give the graph to label (--data, as for train)");
  const auto graph = load_graph(reading, run.label_names, /*unknown_labels_ok=*/true);
  if (graph.skipped_edges > 0) {
    fmt::print(stderr, "warning: {} edges name nodes the node table does not have; skipped\n",
               graph.skipped_edges);
  }
  if (graph.features.size(1) != run.facts.feature_dim) {
    throw std::runtime_error(fmt::format(
        "{}: the nodes have {} features, the model was trained on {} (expected the run's feature "
        "columns)",
        data.empty() ? "the generated graph" : data, graph.features.size(1),
        run.facts.feature_dim));
  }
  compat::QuietScatterReduceWarning quiet;  // the exported edge softmax uses scatter_reduce
  auto x = graph.features.to(device), edges = graph.edges.to(device);
  auto logits = exported ? (*exported)({x, edges}) : model->forward(x, edges);
  auto predicted = logits.argmax(-1).cpu();
  const auto* p = predicted.data_ptr<int64_t>();
  std::string out;
  for (int64_t i = 0; i < graph.num_nodes(); ++i) {
    out += graph.node_ids[static_cast<size_t>(i)] + "\t" + label_of(run.label_names, p[i]) + "\n";
  }
  fmt::print("{}", out);
}

}  // namespace

int run_predict(const std::vector<std::string>& args) {
  std::string model_path, run_dir, data, device_name;
  std::vector<std::string> inputs;
  int threads = 0;
  po::options_description options("Prediction");
  // clang-format off
  options.add_options()
      ("model", po::value<std::string>(&model_path)->default_value(""),
       "an exported TorchScript module (attnzoo export)")
      ("run", po::value<std::string>(&run_dir)->default_value(""),
       "or a run directory (its best checkpoint)")
      ("data", po::value<std::string>(&data)->default_value(""),
       "graph runs: the graph (as --data of train; nothing for generated-graph)")
      ("input", po::value<std::vector<std::string>>(&inputs)->multitoken(),
       "text: lines (\"-\": stdin); speech: WAV files; image: FILE:INDEX");
  // clang-format on
  options.add(runtime_options(device_name, threads));
  po::positional_options_description positional;
  positional.add("input", -1);
  po::variables_map vm;
  if (!parse("predict", "(--model model.pt | --run DIR) INPUT...", options, args, vm,
             &positional)) {
    return 0;
  }
  if (model_path.empty() == run_dir.empty())
    throw UsageError("give exactly one of --model and --run");
  use_threads(threads);
  const auto device = resolve_device(device_name);
  torch::NoGradGuard no_grad;

  std::unique_ptr<ExtractedRunFiles> extracted;
  Forward forward;
  fs::path files = run_dir;
  if (!model_path.empty()) {
    require_exists(model_path, "a TorchScript file written by attnzoo export");
    extracted = std::make_unique<ExtractedRunFiles>(model_path, device);
    forward = module_forward(extracted->module, model_path);
    files = extracted->dir;
  } else if (!fs::is_directory(run_dir)) {
    throw UsageError("--run " + run_dir + ": not a run directory");
  }
  const Forward* exported = forward ? &forward : nullptr;
  try {
    const auto kind = config_file_value((files / "config.ini").string(), "dataset");
    if (is_graph_dataset_kind(kind)) {
      if (data.empty() && !inputs.empty())
        data = inputs[0];  // the graph as the one positional argument
      predict_graph(files, run_dir, exported, data, device);
    } else if (is_speech_dataset_kind(kind)) {
      predict_speech(files, run_dir, exported, inputs, device);
    } else if (is_image_dataset_kind(kind)) {
      predict_image(files, run_dir, exported, inputs, device);
    } else {
      predict_text(files, run_dir, exported, inputs, device);
    }
  } catch (const UsageError& e) {
    if (!extracted)
      throw;
    rethrow_naming(e, extracted->dir, model_path);
  } catch (const std::runtime_error& e) {
    if (!extracted)
      throw;
    rethrow_naming(e, extracted->dir, model_path);
  } catch (const std::invalid_argument& e) {
    if (!extracted)
      throw;
    rethrow_naming(e, extracted->dir, model_path);
  }
  return 0;
}

}  // namespace attnzoo::cli
