// `attnzoo compare`: trains several variants on one dataset with the same data, seeds and budget,
// each run an `attnzoo train` of its own (a child process, so that peak memory is each run's),
// and writes the table: results.csv, results.json and results.md, one row per variant and train
// fraction. Finished runs (with final.json) are kept, so an interrupted comparison resumes.
// scripts/plot_compare.py draws the plots from results.csv.

#include <chrono>
#include <cmath>
#include <filesystem>
#include <fstream>
#include <map>
#include <memory>
#include <sstream>

#include <fmt/core.h>
#include <nlohmann/json.hpp>

#include "apps/child_process.h"
#include "apps/command.h"
#include "apps/run_files.h"
#include "datasets/text/text_file.h"
#include "plot_compare_script.h"
#include "training/checkpoint.h"
#include "training/progress.h"

namespace attnzoo::cli {

namespace fs = std::filesystem;
using json = nlohmann::json;

namespace {

// Runs `program` (by default this executable) with `args` (args[0] included), its output going
// to `log`; true when it exited with status 0, else `reason` says how it ended and why.
bool run_logged(const std::vector<std::string>& args, const fs::path& log, std::string* reason,
                const char* program = kThisExecutable) {
  std::unique_ptr<std::FILE, int (*)(std::FILE*)> file(std::fopen(log.c_str(), "w+"), std::fclose);
  if (!file)
    throw std::runtime_error(log.string() + ": cannot write the run's log");
  const ChildExit ended = run_child_process(args, file.get(), file.get(), program);
  if (ended.ok())
    return true;
  if (reason) {
    const std::string why = ended.started ? last_line(read_file_from_start(file.get())) : "";
    *reason = ended.describe() + (why.empty() ? "" : ": " + why);
  }
  return false;
}

// Draws the comparison's plots with the embedded scripts/plot_compare.py under Debian's Python,
// or says why not (compare's results stand either way).
void write_plots(const fs::path& root) {
  const char* python = "/usr/bin/python3";
  const auto log = root / "plots.log";
  const auto by_hand = fmt::format("python3 scripts/plot_compare.py {}", root.string());
  if (!fs::exists(python) ||
      !run_logged({"python3", "-c", "import matplotlib"}, log, nullptr, python)) {
    fmt::print(
        "plots: not drawn, Debian's python3-matplotlib is not installed (apt-get install "
        "python3-matplotlib, then {})\n",
        by_hand);
    return;
  }
  std::string reason;
  if (!run_logged({"python3", "-c", kPlotCompareScript, root.string()}, log, &reason, python)) {
    fmt::print(stderr, "plots: failed: {} [{}]\n", reason, log.string());
    return;
  }
  std::string written;
  for (const char* name : {"accuracy_vs_time.png", "accuracy_vs_fraction.png"}) {
    if (fs::exists(root / name))
      written += (written.empty() ? "" : ", ") + (root / name).string();
  }
  fmt::print("plots: {}\n", written);
}

std::vector<double> parse_fractions(const std::string& text) {
  std::vector<double> fractions;
  for (const auto& item : split_list(text)) {
    size_t used = 0;
    double value = 0;
    try {
      value = std::stod(item, &used);
    } catch (const std::exception&) {
    }
    if (used != item.size() || !(value > 0 && value <= 1))
      throw UsageError("--train-fraction: '" + item + "' is not a fraction in (0, 1]");
    fractions.push_back(value);
  }
  if (fractions.empty())
    throw UsageError("--train-fraction: no fraction given (e.g. 0.1,0.5,1)");
  return fractions;
}

struct Stats {
  double mean = 0, sd = 0;
};

Stats stats(const std::vector<double>& values) {
  Stats s;
  if (values.empty())
    return s;
  for (double v : values)
    s.mean += v;
  s.mean /= static_cast<double>(values.size());
  if (values.size() > 1) {
    for (double v : values)
      s.sd += (v - s.mean) * (v - s.mean);
    s.sd = std::sqrt(s.sd / static_cast<double>(values.size() - 1));
  }
  return s;
}

// One row of the table: a variant at a train fraction, over its seeds.
json summarize(const std::string& model, double fraction, const std::vector<json>& finals) {
  std::vector<double> accuracy, seconds, rate;
  double peak = 0;
  int64_t params = 0, examples = 0;
  for (const auto& f : finals) {
    accuracy.push_back(f.at("test_accuracy").get<double>());
    const double s = f.at("train_seconds").get<double>();
    seconds.push_back(s);
    rate.push_back(s > 0 ? static_cast<double>(f.at("steps").get<int64_t>()) / s : 0.0);
    peak = std::max(peak, f.at("peak_rss_bytes").get<double>());
    params = f.at("params").get<int64_t>();
    examples = f.value("train_examples", int64_t{0});
  }
  const auto acc = stats(accuracy);
  return {{"model", model},
          {"train_fraction", fraction},
          {"train_examples", examples},
          {"seeds", finals.size()},
          {"params", params},
          {"test_accuracy_mean", acc.mean},
          {"test_accuracy_sd", acc.sd},
          {"train_seconds_mean", stats(seconds).mean},
          {"steps_per_second_mean", stats(rate).mean},
          {"peak_rss_mb_max", peak / (1024.0 * 1024.0)}};
}

const char* kColumns[] = {"model",
                          "train_fraction",
                          "train_examples",
                          "seeds",
                          "params",
                          "test_accuracy_mean",
                          "test_accuracy_sd",
                          "train_seconds_mean",
                          "steps_per_second_mean",
                          "peak_rss_mb_max"};

std::string csv_value(const json& v) {
  if (v.is_string())
    return v.get<std::string>();
  if (v.is_number_float())
    return fmt::format("{:.6g}", v.get<double>());
  return v.dump();
}

// Writes results.csv, results.json and results.md; returns the Markdown table.
std::string write_tables(const fs::path& out, const json& rows, const std::string& title) {
  std::string csv;
  for (const char* c : kColumns)
    csv += std::string(csv.empty() ? "" : ",") + c;
  csv += "\n";
  for (const auto& row : rows) {
    std::string line;
    for (const char* c : kColumns)
      line += (line.empty() ? "" : ",") + csv_value(row.at(c));
    csv += line + "\n";
  }
  write_file_atomically((out / "results.csv").string(), csv);
  write_file_atomically((out / "results.json").string(), rows.dump(2) + "\n");

  std::string md = title + "\n\n";
  md +=
      "| variant | train fraction (examples) | params | test accuracy (mean +- sd over seeds) "
      "| train time | steps/s | peak memory |\n";
  md += "| --- | --- | --- | --- | --- | --- | --- |\n";
  for (const auto& row : rows) {
    const auto seeds = row.at("seeds").get<int64_t>();
    const double mean = 100 * row.at("test_accuracy_mean").get<double>();
    const auto accuracy = seeds > 1
                              ? fmt::format("{:.2f}% +- {:.2f} ({} seeds)", mean,
                                            100 * row.at("test_accuracy_sd").get<double>(), seeds)
                              : fmt::format("{:.2f}% (1 seed)", mean);
    md += fmt::format("| {} | {:g} ({}) | {} | {} | {} | {:.1f} | {:.0f} MB |\n",
                      row.at("model").get<std::string>(), row.at("train_fraction").get<double>(),
                      row.at("train_examples").get<int64_t>(), row.at("params").get<int64_t>(),
                      accuracy, format_duration(row.at("train_seconds_mean").get<double>()),
                      row.at("steps_per_second_mean").get<double>(),
                      row.at("peak_rss_mb_max").get<double>());
  }
  write_file_atomically((out / "results.md").string(), md);
  return md;
}

}  // namespace

int run_compare(const std::vector<std::string>& args) {
  std::string dataset, data, models_text, fractions_text = "1", out;
  int64_t seeds = 1, budget_steps = 0;
  double budget_minutes = 0;
  po::options_description options("Comparison");
  // clang-format off
  options.add_options()
      ("dataset", po::value<std::string>(&dataset)->required(), "dataset kind (as for train)")
      ("data", po::value<std::string>(&data)->default_value(""), "data path (as for train)")
      ("models", po::value<std::string>(&models_text)->required(),
       "comma-separated variants (attnzoo list), e.g. multihead,local,bigbird,cnn,lstm")
      ("seeds", po::value<int64_t>(&seeds)->default_value(seeds), "seeds 0..K-1 for each variant")
      ("budget-steps", po::value<int64_t>(&budget_steps)->default_value(0),
       "each run stops after N optimizer steps (0: its --epochs)")
      ("budget-minutes", po::value<double>(&budget_minutes)->default_value(0, "0"),
       "each run stops after M minutes of training (0: none)")
      ("train-fraction", po::value<std::string>(&fractions_text)->default_value(fractions_text),
       "comma-separated fractions of the training split, e.g. 0.1,0.3,1")
      ("out", po::value<std::string>(&out)->required(), "directory for runs/ and results.*");
  // clang-format on
  po::options_description help_only("General");
  help_only.add_options()("help,h", "show this help");
  po::options_description all;
  all.add(options).add(help_only);
  po::variables_map vm;
  std::vector<std::string> passed;
  try {
    // No abbreviations: --seed (train's, refused below) must not be taken for --seeds.
    auto parsed =
        po::command_line_parser(args)
            .options(all)
            .style(po::command_line_style::default_style & ~po::command_line_style::allow_guessing)
            .allow_unregistered()
            .run();
    passed = po::collect_unrecognized(parsed.options, po::include_positional);
    po::store(parsed, vm);
    if (vm.count("help")) {
      fmt::print(
          "usage: attnzoo compare --dataset KIND [--data PATH] --models a,b,c --out DIR "
          "[options]\nEvery other option (model, trainer, data: see attnzoo train --help) is "
          "passed to each run unchanged.\n\n{}\n",
          [&] {
            std::ostringstream text;
            text << all;
            return text.str();
          }());
      return 0;
    }
    po::notify(vm);
  } catch (const po::error& e) {
    throw UsageError(e.what());
  }
  for (const auto& p : passed) {
    for (const char* own :
         {"--model", "--seed", "--out", "--resume", "--max-steps", "--max-minutes"}) {
      if (p == own || p.rfind(std::string(own) + "=", 0) == 0)
        throw UsageError(std::string(own) + ": compare sets it for each run (see --help)");
    }
  }
  const auto models = split_list(models_text);
  if (models.empty())
    throw UsageError("--models: no variant given");
  if (seeds < 1)
    throw UsageError("--seeds must be at least 1");
  const auto fractions = parse_fractions(fractions_text);
  const fs::path root(out);
  fs::create_directories(root / "runs");

  const auto total = models.size() * fractions.size() * static_cast<size_t>(seeds);
  size_t index = 0, failed = 0;
  const auto start = std::chrono::steady_clock::now();
  json rows = json::array();
  for (double fraction : fractions) {
    for (const auto& model : models) {
      std::vector<json> finals;
      for (int64_t seed = 0; seed < seeds; ++seed) {
        ++index;
        const auto name = fmt::format("{}_f{:g}_s{}", model, fraction, seed);
        const auto run = root / "runs" / name;
        const auto log = root / "runs" / (name + ".log");
        fmt::print(stderr, "compare [{}/{}] {} (fraction {:g}, seed {}): ", index, total, model,
                   fraction, seed);
        std::fflush(stderr);
        if (!fs::exists(run / "final.json")) {
          fs::remove_all(run);  // an unfinished run starts over
          std::vector<std::string> child = {kThisExecutable, "train", "--dataset", dataset};
          if (!data.empty())
            child.insert(child.end(), {"--data", data});
          child.insert(child.end(),
                       {"--model", model, "--seed", std::to_string(seed), "--train-fraction",
                        fmt::format("{:g}", fraction), "--out", run.string()});
          if (budget_steps > 0)
            child.insert(child.end(), {"--max-steps", std::to_string(budget_steps)});
          if (budget_minutes > 0)
            child.insert(child.end(), {"--max-minutes", fmt::format("{:g}", budget_minutes)});
          child.insert(child.end(), passed.begin(), passed.end());
          std::string reason;
          if (!run_logged(child, log, &reason) || !fs::exists(run / "final.json")) {
            ++failed;
            fmt::print(stderr, "FAILED ({}) [{}]\n", reason.empty() ? "no final.json" : reason,
                       log.string());
            continue;
          }
        }
        std::ifstream in(run / "final.json");
        finals.push_back(json::parse(in));
        const double elapsed =
            std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
        fmt::print(stderr, "test accuracy {:.4f}, {} ({} so far)\n",
                   finals.back().at("test_accuracy").get<double>(),
                   format_duration(finals.back().at("train_seconds").get<double>()),
                   format_duration(elapsed));
      }
      if (!finals.empty())
        rows.push_back(summarize(model, fraction, finals));
    }
  }
  std::string budget = budget_steps > 0 ? fmt::format("{} steps", budget_steps) : "";
  if (budget_minutes > 0)
    budget += fmt::format("{}{:g} minutes", budget.empty() ? "" : ", ", budget_minutes);
  const auto table = write_tables(
      root, rows,
      fmt::format("Comparison on {}{} ({} seed{}{})", dataset, data.empty() ? "" : " " + data,
                  seeds, seeds > 1 ? "s" : "", budget.empty() ? "" : "; budget " + budget));
  fmt::print("{}", table);
  fmt::print("wrote {}/results.csv, results.json, results.md\n", out);
  if (!rows.empty())
    write_plots(root);
  if (failed > 0) {
    fmt::print(stderr, "attnzoo compare: {} of {} runs failed (their logs are named above)\n",
               failed, total);
    return 1;
  }
  return 0;
}

}  // namespace attnzoo::cli
