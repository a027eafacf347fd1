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
