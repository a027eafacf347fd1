// `attnzoo eval`: the best checkpoint of a run, measured on every example of another dataset of
// the same kind, with the run's own vocabulary and label names.

#include <filesystem>

#include <fmt/core.h>
#include <nlohmann/json.hpp>

#include "apps/graph_run.h"
#include "apps/image_run.h"
#include "apps/speech_run.h"
#include "apps/text_run.h"
#include "core/runtime.h"
#include "training/checkpoint.h"

namespace attnzoo::cli {

int run_eval(const std::vector<std::string>& args) {
  std::string run_dir, json_path, device;
  int threads = 0;
  TextDataOptions data;
  int64_t batch_size = 64;
  po::options_description options("Evaluation");
  // One option per line reads better than clang-format's wrapping of the chain.
  // clang-format off
  options.add_options()
      ("run", po::value<std::string>(&run_dir)->required(), "run directory written by train")
      ("dataset", po::value<std::string>(&data.kind)->required(), "dataset kind (as trained)")
      ("data", po::value<std::string>(&data.data)->required(), "file, directory or files")
      ("json", po::value<std::string>(&json_path)->default_value(""), "also write the metrics here")
      ("batch-size", po::value<int64_t>(&batch_size)->default_value(batch_size), "batch size");
  // clang-format on
  options.add(runtime_options(device, threads));
  po::variables_map vm;
  if (!parse("eval", "--run DIR --dataset KIND --data PATH [--json FILE]", options, args, vm)) {
    return 0;
  }
  use_threads(threads);
  TrainerOptions trainer_options;
  trainer_options.device = resolve_device(device);
  trainer_options.batch_size = batch_size;
  Evaluation result;
  if (is_image_dataset_kind(data.kind)) {
    ImageDataOptions images;
    images.kind = data.kind;
    images.data = data.data;
    result = evaluate_image_run(run_dir, images, trainer_options);
  } else if (is_speech_dataset_kind(data.kind)) {
    SpeechDataOptions speech;
    speech.kind = data.kind;
    speech.data = data.data;
    result = evaluate_speech_run(run_dir, speech, trainer_options);
  } else if (is_graph_dataset_kind(data.kind)) {
    GraphDataOptions graph;
    graph.kind = data.kind;
    graph.data = data.data;
    result = evaluate_graph_run(run_dir, graph, trainer_options);
  } else {
    result = evaluate_text_run(run_dir, data, trainer_options);
  }
  fmt::print("{} on {}: accuracy {:.4f}, loss {:.4f}, {} examples\n", run_dir, data.data,
             result.accuracy, result.loss, result.examples);
  if (!json_path.empty()) {
    nlohmann::json out = {{"accuracy", result.accuracy}, {"loss", result.loss},
                          {"examples", result.examples}, {"run", run_dir},
                          {"dataset", data.kind},        {"data", data.data}};
    write_file_atomically(json_path, out.dump(2) + "\n");  // fails loudly, never half-written
  }
  return 0;
}

}  // namespace attnzoo::cli
