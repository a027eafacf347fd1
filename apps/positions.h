#pragma once
// How long an input a run's model accepts. Only learned positions bound the length (their
// table has a row per position); sinusoidal positions and none take any length. A new run sizes
// a learned table with --max-positions, by default generously past the training data, and
// records the bound in model.json as "max_length" (null: any length).

#include <string>

#include <nlohmann/json.hpp>

#include "apps/command.h"

namespace attnzoo::cli {

/// --max-positions, bound to `value`; `unit` names what is counted (tokens, frames).
po::options_description max_positions_option(int64_t& value, const std::string& unit);

/// The default size of a learned table: max(512, 2 x the longest example).
int64_t default_max_positions(int64_t longest);

/// A new run's bound: with learned positions the table's size (`requested`, or the default),
/// else 0 (any length; a `requested` size is then noted as unused). UsageError when a requested
/// table is shorter than `longest`.
int64_t resolve_max_length(const std::string& positional, int64_t requested, int64_t longest,
                           const std::string& unit);

/// The bound as model.json records it: the number, or null for any length.
nlohmann::json max_length_json(int64_t max_length);

/// model.json's bound: "max_length" (null: 0, any length), or in a run written before it, the
/// bound it had under `older_key` (which only learned positions keep). Throws naming the key.
int64_t read_max_length(const nlohmann::json& model, const std::string& positional,
                        const std::string& older_key);

/// Throws "`where`: `subject` has `length` `unit`, longer than ..." when max_length bounds the
/// length and `length` exceeds it.
void check_input_length(int64_t max_length, int64_t length, const std::string& where,
                        const std::string& subject, const std::string& unit);

}  // namespace attnzoo::cli
