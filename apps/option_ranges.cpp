#include "apps/option_ranges.h"

#include <cmath>
#include <limits>
#include <map>
#include <optional>

#include <fmt/core.h>

#include "apps/usage_error.h"

namespace attnzoo::cli {

namespace {

constexpr double kInf = std::numeric_limits<double>::infinity();

// The values a numeric option takes: [low, high], either end open, and one sentinel besides
// (--value-dropout's -1, "as --dropout").
struct Range {
  double low = 0;
  double high = kInf;
  bool low_open = false;
  bool high_open = false;
  std::optional<double> sentinel;

  Range(double low_ = 0, double high_ = kInf, bool low_open_ = false, bool high_open_ = false,
        std::optional<double> sentinel_ = std::nullopt)
      : low(low_), high(high_), low_open(low_open_), high_open(high_open_), sentinel(sentinel_) {}

  bool holds(double v) const {
    if (sentinel && v == *sentinel)
      return true;
    return (low_open ? v > low : v >= low) && (high_open ? v < high : v <= high);
  }
  std::string expected() const {
    auto text = fmt::format("{} {}", low_open ? ">" : ">=", low);
    if (high != kInf)
      text += fmt::format(" and {} {}", high_open ? "<" : "<=", high);
    if (sentinel)
      text += fmt::format(", or {}", *sentinel);
    return text;
  }
};

Range at_least(double low) {
  return Range(low);
}
Range share() {  // a probability or fraction below 1 (dropout 1 would zero everything)
  return Range(0, 1, false, true);
}

// Options not named here take any value >= 0: counts, sizes, budgets, rates, "0: off" switches.
// "COMMAND:NAME" entries are for a name two commands use for different things.
const std::map<std::string, Range>& ranges() {
  static const std::map<std::string, Range> table = {
      {"batch", at_least(1)},
      {"batch-size", at_least(1)},
      {"block-size", at_least(1)},
      {"classes", at_least(2)},
      {"conv-kernel", at_least(1)},
      {"d-model", at_least(1)},
      {"epochs", at_least(1)},
      {"features", at_least(1)},
      {"head-dim", at_least(1)},
      {"heads", at_least(1)},
      {"layers", at_least(1)},
      {"linear-chunk", at_least(1)},
      {"log-epochs", at_least(1)},
      {"log-every", at_least(1)},
      {"max-args", at_least(1)},
      {"max-depth", at_least(1)},
      {"max-length", at_least(1)},
      {"max-line-bytes", at_least(1)},
      {"mel-bins", at_least(1)},
      {"min-frequency", at_least(1)},
      {"min-length", at_least(1)},
      {"n", at_least(1)},
      {"nodes", at_least(1)},
      {"output-heads", at_least(1)},
      {"patch", at_least(1)},
      {"per-class", at_least(1)},
      {"repeats", at_least(1)},
      {"seeds", at_least(1)},
      {"stack", at_least(1)},
      {"stride", at_least(1)},
      {"subsample", at_least(1)},
      {"test-nodes", at_least(1)},
      {"test-size", at_least(1)},
      {"train-size", at_least(1)},
      {"val-nodes", at_least(1)},
      {"val-size", at_least(1)},
      {"window-blocks", at_least(1)},
      {"window", at_least(-1)},  // -1: stride without a local band
      {"nproc-per-node", Range(1, 1024)},
      {"nnodes", at_least(1)},
      {"master-port", Range(1, 65535)},
      {"dist-timeout", Range(0, kInf, true)},
      {"lr", Range(0, kInf, true)},
      {"threads", Range(0, 4096)},
      {"dropout", share()},
      {"attention-dropout", share()},
      {"word-dropout", share()},
      {"value-dropout", Range(0, 1, false, true, -1.0)},
      {"test-fraction", share()},
      {"val-fraction", share()},
      {"train-fraction", Range(0, 1, true)},
      {"homophily", Range(0, 1)},
      {"freq-warp", share()},
      {"warmup", share()},
      {"bench:warmup", at_least(0)},  // untimed runs
  };
  return table;
}

const Range& range_of(const std::string& command, const std::string& name) {
  static const Range non_negative;
  const auto& table = ranges();
  if (auto it = table.find(command + ":" + name); it != table.end())
    return it->second;
  if (auto it = table.find(name); it != table.end())
    return it->second;
  return non_negative;
}

}  // namespace

void check_option_ranges(const std::string& command, const po::variables_map& vm) {
  for (const auto& [name, stored] : vm) {
    const auto& any = stored.value();
    std::optional<double> value;
    std::string shown;
    if (auto d = boost::any_cast<double>(&any)) {
      if (!std::isfinite(*d))
        throw UsageError(fmt::format("--{} is {} (expected a finite number)", name, *d));
      value = *d;
      shown = fmt::format("{}", *d);
    } else if (auto i = boost::any_cast<int64_t>(&any)) {
      value = static_cast<double>(*i);
      shown = std::to_string(*i);
    } else if (auto n = boost::any_cast<int>(&any)) {
      value = *n;
      shown = std::to_string(*n);
    } else if (auto u = boost::any_cast<uint64_t>(&any)) {
      // A negative number reads as a huge unsigned one; no seed needs the top bit.
      if (*u > static_cast<uint64_t>(std::numeric_limits<int64_t>::max())) {
        throw UsageError(fmt::format("--{} is {} (a negative number? expected 0 to {})", name, *u,
                                     std::numeric_limits<int64_t>::max()));
      }
      continue;
    }
    if (!value)
      continue;
    const auto& range = range_of(command, name);
    if (!range.holds(*value))
      throw UsageError(fmt::format("--{} is {} (expected {})", name, shown, range.expected()));
  }
}

}  // namespace attnzoo::cli
