#pragma once
// The files every run directory holds beside its checkpoints: config.ini (the resolved options,
// readable by --config) and one-item-per-line lists (vocab.txt, labels.txt).

#include <filesystem>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

#include "apps/command.h"

namespace attnzoo::cli {

/// One item per line, backslash, CR and LF escaped so that any string survives the round trip.
std::string lines_file(const std::vector<std::string>& items);
/// Reads a lines_file; a missing file is an error saying it is missing from the run directory.
std::vector<std::string> read_lines_file(const std::filesystem::path& path);

/// The whole text of a file of a run directory; a missing one is an error naming it.
std::string read_run_file(const std::filesystem::path& path);
/// The items of a lines_file's text (e.g. one carried inside an exported model).
std::vector<std::string> lines_from_text(const std::string& text);

/// Starts a run directory: creates it and writes config.ini (the resolved options), model.json
/// (what the data decided) and labels.txt.
void write_run_files(const std::string& dir, const po::variables_map& vm,
                     const nlohmann::json& facts, const std::vector<std::string>& label_names);

/// `key = value` of an INI file, or "" when the file or the key is absent.
std::string config_file_value(const std::string& path, const std::string& key);

/// The parsed options as an INI file that --config reads back (without per-invocation switches
/// such as --resume).
std::string resolved_config(const po::variables_map& vm);

/// Reads DIR/config.ini into `vm` against `options` and runs their notifiers; errors name the
/// file. A directory that does not exist is a UsageError for --run.
void read_run_config(const std::string& dir, const po::options_description& options,
                     po::variables_map& vm);

/// DIR/model.json, parsed; errors name the file.
nlohmann::json read_run_facts(const std::string& dir);

}  // namespace attnzoo::cli
