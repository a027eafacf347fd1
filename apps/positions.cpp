#include "apps/positions.h"

#include <algorithm>
#include <stdexcept>

#include <fmt/core.h>

namespace attnzoo::cli {

po::options_description max_positions_option(int64_t& value, const std::string& unit) {
  po::options_description options;
  options.add_options()(
      "max-positions", po::value<int64_t>(&value)->default_value(0),
      ("--positional learned: rows of the position table, the longest input in " + unit +
       " (0: max(512, 2 x the longest example)); sinusoidal positions and none take any length")
          .c_str());
  return options;
}

int64_t default_max_positions(int64_t longest) {
  return std::max<int64_t>(512, 2 * longest);
}

int64_t resolve_max_length(const std::string& positional, int64_t requested, int64_t longest,
                           const std::string& unit) {
  if (requested < 0)
    throw UsageError(fmt::format("--max-positions must be 0 or positive, got {}", requested));
  if (positional != "learned") {
    if (requested > 0) {
      fmt::print(
          "note: --max-positions sizes a learned position table; {} positions take any "
          "length\n",
          positional);
    }
    return 0;
  }
  const int64_t table = requested > 0 ? requested : default_max_positions(longest);
  if (longest > table) {
    throw UsageError(fmt::format(
        "--max-positions {} is shorter than the longest example ({} {}); raise it, or use "
        "--positional sinusoidal, which takes any length",
        table, longest, unit));
  }
  return table;
}

nlohmann::json max_length_json(int64_t max_length) {
  return max_length > 0 ? nlohmann::json(max_length) : nlohmann::json(nullptr);
}

int64_t read_max_length(const nlohmann::json& model, const std::string& positional,
                        const std::string& older_key) {
  if (model.contains("max_length")) {
    const auto& value = model.at("max_length");
    if (value.is_null())
      return 0;
    if (!value.is_number_integer() || value.get<int64_t>() <= 0)
      throw std::runtime_error("\"max_length\" must be a positive integer or null");
    return value.get<int64_t>();
  }
  // Runs written before "max_length" bounded every model by `older_key`.
  if (!model.contains(older_key) || !model.at(older_key).is_number_integer())
    throw std::runtime_error("has no \"max_length\"");
  return positional == "learned" ? model.at(older_key).get<int64_t>() : 0;
}

void check_input_length(int64_t max_length, int64_t length, const std::string& where,
                        const std::string& subject, const std::string& unit) {
  if (max_length <= 0 || length <= max_length)
    return;
  throw std::runtime_error(fmt::format(
      "{}: {} has {} {}, longer than the model's learned position table ({}); train with a larger "
      "--max-positions, or with --positional sinusoidal, which takes any length",
      where, subject, length, unit, max_length));
}

}  // namespace attnzoo::cli
