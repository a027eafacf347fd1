// The attnzoo executable as a user runs it: sub-commands, help, config files, errors.

#include <sys/wait.h>
#include <unistd.h>

#include <algorithm>
#include <array>
#include <cstdio>
#include <filesystem>
#include <fstream>
#include <map>
#include <set>
#include <sstream>
#include <string>
#include <vector>

#include <gtest/gtest.h>
#include <nlohmann/json.hpp>

#include "datasets/graph_datasets.h"
#include "datasets/image_datasets.h"
#include "datasets/speech_datasets.h"
#include "datasets/text_datasets.h"
#include "tests/test_util.h"

namespace {

namespace fs = std::filesystem;

using attnzoo::testing::Run;

Run attnzoo(const std::string& args) {
  return attnzoo::testing::shell(std::string(ATTNZOO_BINARY) + " " + args);
}

using attnzoo::testing::contains;

// The same with `input` on stdin.
Run attnzoo_with_input(const std::string& input, const std::string& args) {
  return attnzoo::testing::shell("printf '" + input + "' | " + std::string(ATTNZOO_BINARY) + " " +
                                 args);
}

fs::path fresh_dir(const std::string& name) {
  return attnzoo::testing::fresh_dir("cli", name);
}

using attnzoo::testing::read_text;

// A training run small enough for a test.
const char* kTinyTrain =
    "train --train-size 48 --val-size 16 --test-size 16 --d-model 16 --heads 2 --layers 1 "
    "--batch-size 16 --min-length 5 --max-length 20 --threads 1";

TEST(Cli, VersionHelpAndList) {
  auto version = attnzoo("--version");
  EXPECT_EQ(version.status, 0);
  EXPECT_TRUE(contains(version.output, "attnzoo 0.")) << version.output;
  auto help = attnzoo("--help");
  EXPECT_EQ(help.status, 0);
  EXPECT_TRUE(contains(help.output, "train")) << help.output;
  auto train_help = attnzoo("train --help");
  EXPECT_EQ(train_help.status, 0);
  EXPECT_TRUE(contains(train_help.output, "--epochs")) << train_help.output;
  auto list = attnzoo("list");
  EXPECT_EQ(list.status, 0);
  EXPECT_TRUE(contains(list.output, "vanilla")) << list.output;
  EXPECT_TRUE(contains(list.output, "multihead")) << list.output;
}

TEST(Cli, UnknownCommandOptionOrValueIsAnErrorNamingIt) {
  auto command = attnzoo("frobnicate");
  EXPECT_EQ(command.status, 2);
  EXPECT_TRUE(contains(command.output, "frobnicate")) << command.output;
  auto option = attnzoo("train --no-such-flag 3");
  EXPECT_EQ(option.status, 2);
  EXPECT_TRUE(contains(option.output, "no-such-flag")) << option.output;
  auto model = attnzoo(std::string(kTinyTrain) + " --model nonesuch --out /tmp/attnzoo_cli_x");
  EXPECT_NE(model.status, 0);
  EXPECT_TRUE(contains(model.output, "nonesuch")) << model.output;
  auto value = attnzoo("train --epochs lots");
  EXPECT_EQ(value.status, 2);
  EXPECT_TRUE(contains(value.output, "epochs")) << value.output;
  auto score = attnzoo("train --score cosine");
  EXPECT_EQ(score.status, 2);
  EXPECT_TRUE(contains(score.output, "cosine")) << score.output;
  // An unknown kind is refused before anything runs, --show-config included.
  for (const char* flags : {"", " --show-config"}) {
    auto kind = attnzoo(std::string("train --dataset cora") + flags);
    EXPECT_EQ(kind.status, 2) << flags;
    EXPECT_TRUE(contains(kind.output, "'cora'")) << kind.output;
    EXPECT_TRUE(contains(kind.output, "linqs")) << kind.output;
    EXPECT_FALSE(contains(kind.output, "d-model")) << kind.output;
  }
}

TEST(Cli, ConfigFileUnknownKeyIsAnErrorNamingIt) {
  auto dir = fresh_dir("badconfig");
  std::ofstream(dir / "bad.ini") << "epochs = 1\nlearning-rate = 0.1\n";
  auto run = attnzoo("train --config " + (dir / "bad.ini").string());
  EXPECT_EQ(run.status, 2);
  EXPECT_TRUE(contains(run.output, "learning-rate")) << run.output;
  EXPECT_TRUE(contains(run.output, "bad.ini")) << run.output;
  auto missing = attnzoo("train --config " + (dir / "missing.ini").string());
  EXPECT_EQ(missing.status, 2);
  EXPECT_TRUE(contains(missing.output, "missing.ini")) << missing.output;
  fs::remove_all(dir);
}

TEST(Cli, TrainReadsConfigFileAndCommandLineWins) {
  auto dir = fresh_dir("train");
  std::ofstream(dir / "run.ini") << "# a comment\nepochs = 3\nlr = 0.002\nmodel = vanilla\n";
  auto run = attnzoo(std::string(kTinyTrain) + " --config " + (dir / "run.ini").string() +
                     " --epochs 1 --out " + (dir / "out").string());
  ASSERT_EQ(run.status, 0) << run.output;
  EXPECT_TRUE(contains(run.output, "final: test accuracy")) << run.output;
  const auto config = read_text(dir / "out" / "config.ini");
  EXPECT_TRUE(contains(config, "epochs = 1\n")) << config;       // command line wins
  EXPECT_TRUE(contains(config, "lr = 0.002\n")) << config;       // from the file
  EXPECT_TRUE(contains(config, "model = vanilla\n")) << config;  // from the file
  EXPECT_TRUE(fs::exists(dir / "out" / "final.json"));
  EXPECT_TRUE(fs::exists(dir / "out" / "best.pt"));
  // The resolved configuration reproduces the run when read back.
  auto again = attnzoo("train --config " + (dir / "out" / "config.ini").string() + " --out " +
                       (dir / "again").string());
  ASSERT_EQ(again.status, 0) << again.output;
  EXPECT_EQ(read_text(dir / "again" / "final.json").substr(0, 40),
            read_text(dir / "out" / "final.json").substr(0, 40));
  fs::remove_all(dir);
}

}  // namespace

namespace {

void write_lines(const fs::path& path, const std::vector<std::string>& lines) {
  std::ofstream out(path);
  for (const auto& line : lines)
    out << line << "\n";
}

using attnzoo::testing::kTinyTextModel;
using attnzoo::testing::write_text_lines_dataset;
const std::string kTinyTextTrain = std::string(kTinyTextModel) + "--lr 0.01 ";

TEST(Cli, EvalMeasuresARunOnOtherDataWithItsVocabulary) {
  auto dir = fresh_dir("eval");
  write_text_lines_dataset(dir / "data");
  auto train = attnzoo(std::string(kTinyTextTrain) + "--epochs 4 --data " +
                       (dir / "data").string() + " --out " + (dir / "run").string());
  ASSERT_EQ(train.status, 0) << train.output;
  for (const char* file : {"config.ini", "model.json", "vocab.txt", "labels.txt", "best.pt"}) {
    EXPECT_TRUE(fs::exists(dir / "run" / file)) << file;
  }
  write_lines(dir / "other.pos", {"good nice never-seen-word", "great fine"});
  write_lines(dir / "other.neg", {"awful poor", "sad bad unknown-too"});
  auto eval = attnzoo("eval --run " + (dir / "run").string() + " --dataset text-lines --data " +
                      (dir / "other.pos").string() + "," + (dir / "other.neg").string() +
                      " --json " + (dir / "eval.json").string());
  ASSERT_EQ(eval.status, 0) << eval.output;
  const auto json = read_text(dir / "eval.json");
  EXPECT_TRUE(contains(json, "\"examples\": 4")) << json;
  EXPECT_TRUE(contains(json, "\"accuracy\": 1.0")) << json << train.output;

  write_lines(dir / "other.neutral", {"meh"});
  auto unknown = attnzoo("eval --run " + (dir / "run").string() + " --dataset text-lines --data " +
                         (dir / "other.neutral").string());
  EXPECT_NE(unknown.status, 0);
  EXPECT_TRUE(contains(unknown.output, "other.neutral:1")) << unknown.output;
  EXPECT_TRUE(contains(unknown.output, "neutral")) << unknown.output;

  auto wrong_kind = attnzoo("eval --run " + (dir / "run").string() + " --dataset tsv --data " +
                            (dir / "other.pos").string());
  EXPECT_EQ(wrong_kind.status, 2);
  EXPECT_TRUE(contains(wrong_kind.output, "text-lines")) << wrong_kind.output;
  fs::remove_all(dir);
}

TEST(Cli, ExportedTextModelPredictsLikeTheRun) {
  auto dir = fresh_dir("export_text");
  write_text_lines_dataset(dir / "data");
  const auto run = (dir / "run").string(), model = (dir / "model.pt").string();
  auto train = attnzoo(std::string(kTinyTextTrain) + "--epochs 4 --model local --window 2 --data " +
                       (dir / "data").string() + " --out " + run);
  ASSERT_EQ(train.status, 0) << train.output;
  auto exported = attnzoo("export --run " + run + " --out " + model);
  ASSERT_EQ(exported.status, 0) << exported.output;
  EXPECT_TRUE(contains(exported.output, "local attention, 2 classes")) << exported.output;
  EXPECT_FALSE(fs::exists(model + ".tmp"));
  auto module = torch::jit::load(model);
  EXPECT_EQ(module.attr("tokenizer").toStringRef(), "words");
  EXPECT_EQ(module.attr("vocabulary").toListRef().size(), 48u);

  const std::string lines = " 'good great nice' 'bad awful never-seen sad'";
  auto by_module = attnzoo("predict --threads 1 --model " + model + lines);
  auto by_run = attnzoo("predict --threads 1 --run " + run + lines);
  ASSERT_EQ(by_module.status, 0) << by_module.output;
  ASSERT_EQ(by_run.status, 0) << by_run.output;
  EXPECT_EQ(by_module.output, by_run.output);
  EXPECT_EQ(by_run.output, "pos\tgood great nice\nneg\tbad awful never-seen sad\n") << train.output;
  auto from_stdin =
      attnzoo_with_input("good great\n", "predict --threads 1 --model " + model + " -");
  EXPECT_EQ(from_stdin.output, "pos\tgood great\n");

  auto empty = attnzoo("predict --threads 1 --model " + model + " ''");
  EXPECT_NE(empty.status, 0);
  EXPECT_TRUE(contains(empty.output, "input line 1: no tokens")) << empty.output;
  auto both = attnzoo("predict --model " + model + " --run " + run + " good");
  EXPECT_EQ(both.status, 2);
  EXPECT_TRUE(contains(both.output, "exactly one of --model and --run")) << both.output;
  fs::remove_all(dir);
}

// Trained on 5-token lines, a run evaluates and predicts (C++ and exported) lines 4x longer:
// only a learned position table bounds the length, with a one-line error past it.
TEST(Cli, RunsTakeInputsLongerThanTheirTrainingData) {
  auto dir = fresh_dir("lengths");
  write_text_lines_dataset(dir / "data");
  std::string good, bad;
  for (int i = 0; i < 6; ++i) {
    good += std::string(i ? " " : "") + "good great fine nice";
    bad += std::string(i ? " " : "") + "bad awful poor sad";
  }
  write_lines(dir / "long.pos", {good, good + " nice"});
  write_lines(dir / "long.neg", {bad, bad + " sad"});
  const auto long_data = (dir / "long.pos").string() + "," + (dir / "long.neg").string();
  const std::string lines = " '" + good + "' '" + bad + "'";
  auto model_json = [&](const std::string& run) {
    return nlohmann::json::parse(read_text(fs::path(run) / "model.json"));
  };
  for (const std::string variant :
       {"multihead", "local --window 2", "bigbird --block-size 2 --random-blocks 1"}) {
    const auto run = (dir / ("run_" + variant.substr(0, variant.find(' ')))).string();
    const auto model = run + ".pt";
    auto train =
        attnzoo(std::string(kTinyTextTrain) + "--epochs 4 --positional sinusoidal --model " +
                variant + " --data " + (dir / "data").string() + " --out " + run);
    ASSERT_EQ(train.status, 0) << train.output;
    EXPECT_TRUE(model_json(run).at("max_length").is_null()) << variant;
    auto eval = attnzoo("eval --threads 1 --run " + run + " --dataset text-lines --data " +
                        long_data + " --json " + run + "_eval.json");
    ASSERT_EQ(eval.status, 0) << variant << ": " << eval.output;
    EXPECT_TRUE(contains(read_text(run + "_eval.json"), "\"examples\": 4")) << variant;
    auto exported = attnzoo("export --run " + run + " --out " + model);
    ASSERT_EQ(exported.status, 0) << exported.output;
    EXPECT_TRUE(contains(exported.output, "forward(tokens [B, n], mask [B, n])"))
        << exported.output;
    EXPECT_EQ(torch::jit::load(model).attr("max_length").toInt(), 0) << variant;
    auto by_module = attnzoo("predict --threads 1 --model " + model + lines);
    auto by_run = attnzoo("predict --threads 1 --run " + run + lines);
    ASSERT_EQ(by_run.status, 0) << variant << ": " << by_run.output;
    EXPECT_EQ(by_module.output, by_run.output) << variant;
    EXPECT_EQ(std::count(by_run.output.begin(), by_run.output.end(), '\n'), 2) << by_run.output;
  }

  // Learned positions: a table of max(512, 2 x the longest line) by default, or --max-positions.
  const auto learned = (dir / "learned").string();
  auto train = attnzoo(std::string(kTinyTextTrain) + "--epochs 1 --positional learned --data " +
                       (dir / "data").string() + " --out " + learned);
  ASSERT_EQ(train.status, 0) << train.output;
  EXPECT_EQ(model_json(learned).at("max_length"), 512);
  const auto small = (dir / "small").string();
  train = attnzoo(std::string(kTinyTextTrain) +
                  "--epochs 1 --positional learned --max-positions 8 --data " +
                  (dir / "data").string() + " --out " + small);
  ASSERT_EQ(train.status, 0) << train.output;
  EXPECT_EQ(model_json(small).at("max_length"), 8);
  auto eval =
      attnzoo("eval --threads 1 --run " + small + " --dataset text-lines --data " + long_data);
  EXPECT_EQ(eval.status, 1) << eval.output;
  EXPECT_TRUE(contains(eval.output, long_data + ": an example has 25 tokens, longer than the "
                                                "model's learned position table (8); train with "
                                                "a larger --max-positions"))
      << eval.output;
  EXPECT_EQ(std::count(eval.output.begin(), eval.output.end(), '\n'), 1) << eval.output;
  ASSERT_EQ(attnzoo("export --run " + small + " --out " + small + ".pt").status, 0);
  EXPECT_EQ(torch::jit::load(small + ".pt").attr("max_length").toInt(), 8);
  for (const auto& source : {"--run " + small, "--model " + small + ".pt"}) {
    auto predict = attnzoo("predict --threads 1 " + source + " 'good nice' '" + good + "'");
    EXPECT_EQ(predict.status, 1) << predict.output;
    EXPECT_TRUE(contains(predict.output,
                         "input line 2: it has 24 tokens, longer than the "
                         "model's learned position table (8)"))
        << predict.output;
  }
  auto too_small = attnzoo(std::string(kTinyTextTrain) +
                           "--epochs 1 --positional learned --max-positions 3 --data " +
                           (dir / "data").string() + " --out " + small + "2");
  EXPECT_EQ(too_small.status, 2);
  EXPECT_TRUE(contains(too_small.output,
                       "--max-positions 3 is shorter than the longest example (5 tokens)"))
      << too_small.output;
  auto note = attnzoo(std::string(kTinyTextTrain) +
                      "--epochs 1 --positional sinusoidal --max-positions 8 --data " +
                      (dir / "data").string() + " --out " + small + "3");
  ASSERT_EQ(note.status, 0) << note.output;
  EXPECT_TRUE(contains(note.output, "sinusoidal positions take any length")) << note.output;
  EXPECT_TRUE(model_json(small + "3").at("max_length").is_null());
  fs::remove_all(dir);
}

TEST(Cli, CompareTrainsEachVariantUnderOneBudgetAndResumes) {
  auto dir = fresh_dir("compare");
  const std::string compare =
      "compare --dataset listops --models multihead,cnn --seeds 2 --budget-steps 4 "
      "--train-fraction 0.5,1 --train-size 48 --val-size 16 --test-size 16 --d-model 16 "
      "--heads 2 --layers 1 --batch-size 8 --min-length 5 --max-length 20 --threads 1 --out " +
      dir.string();
  auto first = attnzoo(compare);
  ASSERT_EQ(first.status, 0) << first.output;
  EXPECT_TRUE(contains(first.output, "compare [8/8] cnn (fraction 1, seed 1)")) << first.output;
  const auto csv = read_text(dir / "results.csv");
  EXPECT_EQ(std::count(csv.begin(), csv.end(), '\n'), 5) << csv;  // header + 2 x 2 rows
  EXPECT_TRUE(contains(csv, "model,train_fraction,train_examples,seeds,params,test_accuracy_mean"))
      << csv;
  EXPECT_TRUE(contains(csv, "cnn,0.5,24,2,")) << csv;
  for (const char* seed : {"0", "1"}) {
    std::ifstream final_file(dir / "runs" / (std::string("multihead_f1_s") + seed) / "final.json");
    const auto final_json = nlohmann::json::parse(final_file);
    EXPECT_EQ(final_json["steps"], 4);  // the budget
    EXPECT_EQ(final_json["train_examples"], 48);
  }
  EXPECT_TRUE(contains(read_text(dir / "results.md"), "| cnn | 0.5 (24) |"));

  // Run again: every run is finished, so none is trained again and the table is the same.
  const auto before = fs::last_write_time(dir / "runs" / "cnn_f1_s0" / "final.json");
  auto second = attnzoo(compare);
  ASSERT_EQ(second.status, 0) << second.output;
  EXPECT_EQ(fs::last_write_time(dir / "runs" / "cnn_f1_s0" / "final.json"), before);
  EXPECT_EQ(read_text(dir / "results.csv"), csv);

  // compare draws the plots itself where Debian's python3-matplotlib is installed.
  if (attnzoo::testing::shell("/usr/bin/python3 -c 'import matplotlib'").status == 0) {
    EXPECT_TRUE(contains(second.output, "plots: " + (dir / "accuracy_vs_time.png").string() + ", " +
                                            (dir / "accuracy_vs_fraction.png").string()))
        << second.output;
    EXPECT_TRUE(fs::file_size(dir / "accuracy_vs_time.png") > 1000);
    EXPECT_TRUE(fs::file_size(dir / "accuracy_vs_fraction.png") > 1000);
  } else {
    EXPECT_TRUE(contains(second.output, "python3-matplotlib is not installed")) << second.output;
  }

  auto failing = attnzoo(
      "compare --dataset listops --models cnn,nonexistent --budget-steps 2 "
      "--train-size 48 --val-size 16 --test-size 16 --d-model 16 --layers 1 "
      "--threads 1 --out " +
      (dir / "bad").string());
  EXPECT_EQ(failing.status, 1) << failing.output;
  EXPECT_TRUE(contains(failing.output, "nonexistent (fraction 1, seed 0): FAILED"))
      << failing.output;
  // The reason is the child's exit and the last line of its log.
  EXPECT_TRUE(contains(failing.output, "FAILED (exited with status 1: attnzoo train: error: "))
      << failing.output;
  EXPECT_TRUE(contains(read_text(dir / "bad" / "results.csv"), "\ncnn,1,")) << failing.output;
  auto own = attnzoo("compare --dataset listops --models cnn --seed 3 --out " + dir.string());
  EXPECT_EQ(own.status, 2);
  EXPECT_TRUE(contains(own.output, "--seed: compare sets it for each run")) << own.output;
  fs::remove_all(dir);
}

TEST(Cli, StoppedRunResumesWithItsOwnConfiguration) {
  auto dir = fresh_dir("resume");
  write_text_lines_dataset(dir / "data");
  const std::string train =
      std::string(kTinyTextTrain) + "--epochs 3 --data " + (dir / "data").string() + " --out ";
  auto whole = attnzoo(train + (dir / "whole").string());
  ASSERT_EQ(whole.status, 0) << whole.output;
  auto first = attnzoo(train + (dir / "split").string() + " --stop-after-epochs 1");
  ASSERT_EQ(first.status, 0) << first.output;
  EXPECT_TRUE(contains(first.output, "--resume")) << first.output;
  EXPECT_FALSE(fs::exists(dir / "split" / "final.json"));
  auto resumed = attnzoo("train --resume --out " + (dir / "split").string());
  ASSERT_EQ(resumed.status, 0) << resumed.output;
  // Same metrics as the uninterrupted run (timings and memory aside).
  auto metric = [](const std::string& json, const std::string& key) {
    auto at = json.find("\"" + key + "\"");
    return at == std::string::npos ? std::string() : json.substr(at, json.find('\n', at) - at);
  };
  const auto a = read_text(dir / "whole" / "final.json");
  const auto b = read_text(dir / "split" / "final.json");
  for (const char* key : {"test_accuracy", "val_accuracy", "best_epoch", "steps", "params"}) {
    EXPECT_FALSE(metric(a, key).empty()) << key;
    EXPECT_EQ(metric(a, key), metric(b, key)) << key;
  }
  fs::remove_all(dir);
}

// The README's "Defaults by dataset kind" table, row by row: every kind is in it, every row
// gives the essentials, and each `key = value` it shows is what `train --show-config` resolves
// for that kind with nothing else given.
TEST(Cli, EveryKindHasTheDefaultsTheReadmeGives) {
  const auto readme = read_text(fs::path(ATTNZOO_SOURCE_DIR) / "README.md");
  const auto start = readme.find("## Defaults by dataset kind");
  ASSERT_NE(start, std::string::npos) << "README.md has no \"Defaults by dataset kind\" section";
  const auto end = readme.find("\n## ", start + 1);
  std::istringstream section(readme.substr(start, end - start));
  // Backquoted items of a table cell: `kind` or `key = value`.
  auto quoted = [](const std::string& cell) {
    std::vector<std::string> items;
    for (size_t open = cell.find('`'); open != std::string::npos; open = cell.find('`', open)) {
      const auto close = cell.find('`', open + 1);
      if (close == std::string::npos)
        break;
      items.push_back(cell.substr(open + 1, close - open - 1));
      open = close + 1;
    }
    return items;
  };
  // Every kind the readers know, from their own lists ("a, b" or "a | b").
  std::vector<std::string> all_kinds;
  for (const auto& list : {attnzoo::text_dataset_kinds(), attnzoo::speech_dataset_kinds(),
                           attnzoo::image_dataset_kinds(), attnzoo::graph_dataset_kinds()}) {
    std::istringstream words(list);
    for (std::string word; words >> word;) {
      if (word != "|") {
        if (word.back() == ',')
          word.pop_back();
        all_kinds.push_back(word);
      }
    }
  }
  ASSERT_GE(all_kinds.size(), 11u);
  const std::vector<std::string> essentials = {"model",   "d-model", "heads", "layers",
                                               "dropout", "epochs",  "lr",    "weight-decay"};
  std::set<std::string> seen;
  for (std::string line; std::getline(section, line);) {
    if (line.rfind("| `", 0) != 0)
      continue;
    std::vector<std::string> cells;
    std::istringstream row(line.substr(1));
    for (std::string cell; std::getline(row, cell, '|');)
      cells.push_back(cell);
    ASSERT_GE(cells.size(), 2u) << line;
    std::map<std::string, std::string> documented;
    for (const auto& item : quoted(cells[1])) {
      const auto eq = item.find(" = ");
      ASSERT_NE(eq, std::string::npos) << "not `key = value`: " << item;
      documented[item.substr(0, eq)] = item.substr(eq + 3);
    }
    for (const auto& key : essentials)
      EXPECT_TRUE(documented.count(key)) << "the row of " << cells[0] << " gives no " << key;
    for (const auto& kind : quoted(cells[0])) {
      seen.insert(kind);
      // Speech and image runs require --data; the value is not read by --show-config.
      auto shown = attnzoo("train --dataset " + kind + " --data unused --show-config");
      ASSERT_EQ(shown.status, 0) << kind << ": " << shown.output;
      std::map<std::string, std::string> resolved;
      std::istringstream lines(shown.output);
      for (std::string entry; std::getline(lines, entry);) {
        const auto eq = entry.find(" = ");
        if (eq != std::string::npos)
          resolved[entry.substr(0, eq)] = entry.substr(eq + 3);
      }
      EXPECT_EQ(resolved["dataset"], kind) << shown.output;
      for (const auto& [key, value] : documented) {
        ASSERT_TRUE(resolved.count(key))
            << kind << ": the README gives " << key << ", which is not an option of the kind";
        EXPECT_EQ(resolved[key], value) << kind << ": " << key;
      }
    }
  }
  for (const auto& kind : all_kinds)
    EXPECT_TRUE(seen.count(kind)) << "the README's defaults table has no row for " << kind;
}

}  // namespace
