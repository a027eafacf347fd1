#pragma once
// The attnzoo CLI: one file per sub-command, each registering itself in commands.cpp's table.

#include <string>
#include <vector>

#include <boost/program_options.hpp>

#include "apps/usage_error.h"
#include "models/attention_config.h"
#include "models/encoder.h"
#include "training/trainer.h"

namespace attnzoo::cli {

namespace po = boost::program_options;

/// A sub-command: `attnzoo NAME [options]`.
struct Command {
  const char* name;
  const char* summary;                               ///< one line for `attnzoo --help`
  int (*run)(const std::vector<std::string>& args);  ///< args after the sub-command's name
};

/// Every sub-command, in the order `attnzoo --help` lists them.
const std::vector<Command>& commands();

/// Parses `args` against `options`; adds --help, --config FILE and --show-config. Values given on
/// the command line win over the config file (INI: `key = value`, sections map to `section.key`).
/// An unknown option or config key is a UsageError that names it. Returns false when --help or
/// --show-config was asked for (the help text or the resolved options have then been printed).
bool parse(const std::string& command, const std::string& usage, po::options_description& options,
           const std::vector<std::string>& args, po::variables_map& vm,
           const po::positional_options_description* positional = nullptr);

/// The items of a comma-separated list, surrounding spaces and empty items dropped.
std::vector<std::string> split_list(const std::string& text);

/// The options every attention variant understands (--attention, --d-model, --heads, ...).
po::options_description attention_options(AttentionConfig& config);
/// The options of the graph variants (--model, --d-model, --heads, --attention-dropout,
/// --negative-slope).
po::options_description graph_attention_options(AttentionConfig& config);
/// Converts the string-valued choices (score, normalization) after parsing.
void finish_attention_options(const po::variables_map& vm, AttentionConfig& config);

/// What every model has around its attention: encoder depth and width, dropout, positions and
/// pooling. Each modality sets its own defaults.
struct EncoderChoices {
  int64_t layers = 2;
  int64_t mlp_dim = 0;  ///< 0: 4 x d_model
  double dropout = 0.1;
  std::string positional = "sinusoidal";  ///< sinusoidal | learned | none
  std::string pooling = "cls";            ///< cls | mean
};

/// --layers, --mlp-dim, --dropout, --positional and --pooling, bound to `choices` (their values
/// are the defaults shown).
po::options_description encoder_choice_options(EncoderChoices& choices,
                                               const std::string& positional_help,
                                               const std::string& pooling_help);
/// Checks the string choices after parsing; UsageError when bad.
void check_encoder_choices(const EncoderChoices& choices);
/// The encoder the attention and the choices describe.
EncoderOptions encoder_from(const AttentionConfig& attention, const EncoderChoices& choices);

/// --out, --resume, --epochs, --lr and the trainer's other options, bound to `trainer`.
po::options_description trainer_options(TrainerOptions& trainer);

/// --device and --threads, applied: sets the thread count and returns the device's name.
po::options_description runtime_options(std::string& device, int& threads);

}  // namespace attnzoo::cli
