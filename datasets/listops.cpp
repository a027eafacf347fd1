#include "datasets/listops.h"

#include <algorithm>
#include <charconv>
#include <cstdio>
#include <limits>
#include <random>
#include <stdexcept>
#include <string_view>
#include <unordered_set>

#include "datasets/portable_random.h"
#include "datasets/text/text_file.h"

namespace attnzoo {
namespace {

// Tokens as small codes while generating: 0..9 are the digits, then the operators, then `]`.
enum Code : uint8_t { kMin = 10, kMax = 11, kMed = 12, kSm = 13, kClose = 14 };
constexpr std::string_view kOperatorNames[] = {"[MIN", "[MAX", "[MED", "[SM"};

double uniform_unit(std::mt19937_64& rng) {
  return static_cast<double>(rng() >> 11) * 0x1.0p-53;
}

// `values` holds the arguments (each 0..9); MED's even case takes the floor of the middle pair's
// mean.
int apply_operator(uint8_t op, int* values, size_t count) {
  switch (op) {
    case kMin:
      return *std::min_element(values, values + count);
    case kMax:
      return *std::max_element(values, values + count);
    case kMed: {
      std::sort(values, values + count);
      if (count % 2 == 1)
        return values[count / 2];
      return (values[count / 2 - 1] + values[count / 2]) / 2;
    }
    default: {
      int sum = 0;
      for (size_t i = 0; i < count; ++i)
        sum += values[i];
      return sum % 10;
    }
  }
}

// The longest tree the options allow, saturating instead of overflowing.
int64_t longest_possible(const ListOpsOptions& options) {
  int64_t length = 1;  // a leaf at max_depth
  for (int depth = options.max_depth - 1; depth >= 1; --depth) {
    if (length > (std::numeric_limits<int64_t>::max() - 2) / options.max_args) {
      return std::numeric_limits<int64_t>::max();
    }
    length = 2 + options.max_args * length;
  }
  return length;
}

void check_options(int64_t count, const ListOpsOptions& o) {
  auto fail = [](const std::string& what) {
    throw std::invalid_argument("generate_listops: " + what);
  };
  if (count < 0)
    fail("count is " + std::to_string(count) + " (expected >= 0)");
  if (o.max_depth < 1)
    fail("max_depth is " + std::to_string(o.max_depth) + " (expected >= 1)");
  if (o.max_args < 2)
    fail("max_args is " + std::to_string(o.max_args) + " (expected >= 2)");
  if (!(o.operator_probability >= 0.0 && o.operator_probability <= 1.0)) {
    fail("operator_probability is " + std::to_string(o.operator_probability) +
         " (expected a value in [0, 1])");
  }
  if (o.min_length < 1 || o.min_length > o.max_length) {
    fail("length range is " + std::to_string(o.min_length) + ".." + std::to_string(o.max_length) +
         " (expected 1 <= min_length <= max_length)");
  }
  const int64_t longest = o.operator_probability > 0.0 ? longest_possible(o) : 1;
  if (o.min_length > longest) {
    fail("min_length " + std::to_string(o.min_length) + " exceeds the longest possible tree, " +
         std::to_string(longest) + " tokens (expected a larger max_depth, max_args or " +
         "operator_probability, or a smaller min_length)");
  }
}

// Grows one tree as the spec says, with an explicit stack. Returns false as soon as the tree is
// sure to exceed max_length (most of the cost of drawing at the published lengths is otherwise
// spent on huge trees that would be thrown away), or when it ends up shorter than min_length.
class TreeGrower {
 public:
  explicit TreeGrower(const ListOpsOptions& options) : options_(options) {}

  bool grow(std::mt19937_64& rng) {
    tokens_.clear();
    values_.clear();
    open_.clear();
    // Tokens written plus the fewest still to come: a `]` and one leaf per missing argument for
    // each open operator. Only a new operator raises it, so that is where we check it.
    int64_t fewest_total = 0;
    bool root = true;
    while (root || !open_.empty()) {
      if (!root && open_.back().missing == 0) {
        tokens_.push_back(kClose);
        const size_t start = open_.back().first_value;
        const int value =
            apply_operator(open_.back().op, values_.data() + start, values_.size() - start);
        values_.resize(start);
        values_.push_back(value);
        open_.pop_back();
        continue;
      }
      if (!root)
        --open_.back().missing;
      root = false;
      const int depth = static_cast<int>(open_.size()) + 1;
      // u < p rather than the spec's u <= p: the same law, and p = 0 then never draws an operator.
      const bool is_operator =
          depth < options_.max_depth && uniform_unit(rng) < options_.operator_probability;
      if (!is_operator) {
        const auto digit = static_cast<uint8_t>(uniform_below(rng, 10));
        tokens_.push_back(digit);
        values_.push_back(digit);
        fewest_total += open_.empty() ? 1 : 0;  // a leaf for a missing argument was counted
        continue;
      }
      const auto op = static_cast<uint8_t>(kMin + uniform_below(rng, 4));
      const auto args = static_cast<int>(2 + uniform_below(rng, options_.max_args - 1));
      tokens_.push_back(op);
      open_.push_back({op, args, values_.size()});
      fewest_total += args + 1 + (open_.size() == 1 ? 1 : 0);
      if (fewest_total > options_.max_length)
        return false;
    }
    const auto length = static_cast<int64_t>(tokens_.size());
    return length >= options_.min_length && length <= options_.max_length;
  }

  int value() const { return values_.back(); }
  int64_t tokens_grown() const { return static_cast<int64_t>(tokens_.size()); }

  std::string text() const {
    std::string out;
    out.reserve(tokens_.size() * 3);
    for (const uint8_t t : tokens_) {
      if (!out.empty())
        out += ' ';
      if (t < 10) {
        out += static_cast<char>('0' + t);
      } else if (t == kClose) {
        out += ']';
      } else {
        out += kOperatorNames[t - kMin];
      }
    }
    return out;
  }

 private:
  struct OpenOperator {
    uint8_t op;
    int missing;         // arguments still to grow
    size_t first_value;  // where its arguments' values start in values_
  };
  const ListOpsOptions& options_;
  std::vector<uint8_t> tokens_;
  std::vector<int> values_;
  std::vector<OpenOperator> open_;
};

bool is_space(char c) {
  return c == ' ' || c == '\t' || c == '\n' || c == '\r' || c == '\f' || c == '\v';
}

// A token as it may appear in a one-line message (non-printable bytes as \xNN, cut when long).
std::string shown_token(std::string_view token) {
  return shown_text(token, 24);
}

std::vector<std::string_view> split_tokens(std::string_view text) {
  std::vector<std::string_view> tokens;
  size_t i = 0;
  while (i < text.size()) {
    while (i < text.size() && is_space(text[i]))
      ++i;
    const size_t start = i;
    while (i < text.size() && !is_space(text[i]))
      ++i;
    if (i > start)
      tokens.push_back(text.substr(start, i - start));
  }
  return tokens;
}

// Evaluates with a stack (trees may be deep, so no recursion). Token indices in messages count
// every token of the input, parentheses included, from 0. When `normalised` is given it receives
// the expression without parentheses, tokens separated by single spaces.
int evaluate_tokens(const std::vector<std::string_view>& tokens, std::string* normalised) {
  struct OpenOperator {
    uint8_t op;
    size_t token_index;
    size_t first_value;
  };
  std::vector<OpenOperator> open;
  std::vector<int> values;
  bool complete = false;  // a whole top-level expression has been read
  auto fail = [](size_t index, std::string_view token, const std::string& what) {
    throw std::invalid_argument("token " + std::to_string(index) + " " + shown_token(token) + ": " +
                                what);
  };
  if (normalised)
    normalised->clear();
  for (size_t i = 0; i < tokens.size(); ++i) {
    const std::string_view token = tokens[i];
    if (token == "(" || token == ")")
      continue;
    if (complete) {
      fail(i, token, "trailing token after a complete expression (expected the end)");
    }
    if (normalised) {
      if (!normalised->empty())
        *normalised += ' ';
      *normalised += token;
    }
    if (token.size() == 1 && token[0] >= '0' && token[0] <= '9') {
      values.push_back(token[0] - '0');
      complete = open.empty();
    } else if (token == "]") {
      if (open.empty())
        fail(i, token, "closing bracket with no open operator");
      const OpenOperator top = open.back();
      const size_t count = values.size() - top.first_value;
      if (count == 0) {
        fail(i, token,
             std::string(kOperatorNames[top.op - kMin]) + " opened at token " +
                 std::to_string(top.token_index) +
                 " closed with no argument (expected at least one digit or operator)");
      }
      const int value = apply_operator(top.op, values.data() + top.first_value, count);
      values.resize(top.first_value);
      values.push_back(value);
      open.pop_back();
      complete = open.empty();
    } else {
      const auto name = std::find(std::begin(kOperatorNames), std::end(kOperatorNames), token);
      if (name == std::end(kOperatorNames)) {
        fail(i, token, "unknown token (expected [MIN, [MAX, [MED, [SM, ], a digit 0..9, ( or ))");
      }
      open.push_back(
          {static_cast<uint8_t>(kMin + (name - std::begin(kOperatorNames))), i, values.size()});
    }
  }
  if (!open.empty()) {
    const OpenOperator& top = open.back();
    throw std::invalid_argument("end of input: " + std::to_string(open.size()) +
                                " operator(s) left open (expected ']' closing " +
                                std::string(kOperatorNames[top.op - kMin]) + " opened at token " +
                                std::to_string(top.token_index) + ")");
  }
  if (!complete) {
    throw std::invalid_argument("empty expression (expected a digit or an operator such as [MAX)");
  }
  return values.back();
}

// `PATH:LINE: what`, or `PATH: what` for the file as a whole (line 0).
[[noreturn]] void tsv_error(const std::string& path, int64_t line, const std::string& what) {
  const std::string where = line > 0 ? path + ":" + std::to_string(line) : path;
  throw std::runtime_error(where + ": " + what);
}

}  // namespace

std::vector<ListOpsExample> generate_listops(int64_t count, const ListOpsOptions& options,
                                             uint64_t seed) {
  check_options(count, options);
  // Bounds on the draws, and on the tokens grown, since the last new example: far above what
  // sane settings need (at the published lengths about one draw in 12 is kept; even the single
  // length 1999 takes only a few million tokens per example), while impossible or hopeless
  // settings (a length no tree has, more examples than there are distinct trees) end within a
  // few seconds instead of never.
  constexpr int64_t kMaxDrawsWithoutNewExample = 2'000'000;
  constexpr int64_t kMaxTokensWithoutNewExample = 100'000'000;
  std::vector<ListOpsExample> examples;
  // Reserved once so the texts never move: `seen` points into them.
  examples.reserve(static_cast<size_t>(count));
  std::unordered_set<std::string_view> seen;
  std::mt19937_64 rng(seed);
  TreeGrower grower(options);
  int64_t draws = 0;
  int64_t tokens = 0;
  while (static_cast<int64_t>(examples.size()) < count) {
    const bool kept = grower.grow(rng);
    if (kept) {
      ListOpsExample example{grower.text(), grower.value()};
      if (seen.count(example.text) == 0) {
        examples.push_back(std::move(example));
        seen.insert(examples.back().text);
        draws = tokens = 0;
        continue;
      }
    }
    tokens += grower.tokens_grown();
    if (++draws >= kMaxDrawsWithoutNewExample || tokens >= kMaxTokensWithoutNewExample) {
      throw std::invalid_argument(
          "generate_listops: " + std::to_string(draws) + " draws (" + std::to_string(tokens) +
          " tokens) in a row gave no new tree of " + std::to_string(options.min_length) + ".." +
          std::to_string(options.max_length) + " tokens after " + std::to_string(examples.size()) +
          " of " + std::to_string(count) +
          " examples (expected settings under which such trees are common and numerous)");
    }
  }
  return examples;
}

int evaluate_listops(const std::string& text) {
  return evaluate_tokens(split_tokens(text), nullptr);
}

std::vector<ListOpsExample> read_listops_tsv(const std::string& path) {
  LineReader reader(path, "a ListOps TSV file");
  std::vector<ListOpsExample> examples;
  std::string line;
  int64_t line_number = 0;
  while (reader.next(line)) {  // the published files end lines with \r\n (Python's csv module)
    line_number = reader.line_number();
    if (line_number == 1) {
      if (line != "Source\tTarget") {
        tsv_error(path, 1, "header is " + shown_token(line) + " (expected 'Source<TAB>Target')");
      }
      continue;
    }
    if (std::all_of(line.begin(), line.end(), is_space))
      continue;
    const size_t tab = line.find('\t');
    if (tab == std::string::npos) {
      tsv_error(path, line_number,
                "no tab (expected two tab-separated columns, Source and Target)");
    }
    const std::string_view target = std::string_view(line).substr(tab + 1);
    if (target.find('\t') != std::string_view::npos) {
      tsv_error(path, line_number, "more than one tab (expected two columns, Source and Target)");
    }
    const auto first = std::find_if_not(target.begin(), target.end(), is_space);
    const auto last = std::find_if_not(target.rbegin(), target.rend(), is_space).base();
    int label = -1;
    const char* begin = target.data() + (first - target.begin());
    const char* end = target.data() + (last - target.begin());
    const auto parsed = std::from_chars(begin, end, label);
    if (begin >= end || parsed.ec != std::errc() || parsed.ptr != end || label < 0 || label > 9) {
      tsv_error(path, line_number,
                "label " + shown_token(target) + " (expected an integer from 0 to 9)");
    }
    ListOpsExample example;
    example.label = label;
    try {
      evaluate_tokens(split_tokens(std::string_view(line).substr(0, tab)), &example.text);
    } catch (const std::invalid_argument& e) {
      tsv_error(path, line_number, std::string("bad expression: ") + e.what());
    }
    examples.push_back(std::move(example));
  }
  if (line_number == 0)
    tsv_error(path, 1, "empty file (expected the header 'Source<TAB>Target')");
  return examples;
}

}  // namespace attnzoo
