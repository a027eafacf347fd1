#pragma once
// ListOps (Long Range Arena variant), as ../shared/specs/listops.md defines it: nested MIN, MAX,
// MED and SM (sum mod 10) over digits, written in prefix form with brackets; the label is the
// expression's value (10 classes).

#include <cstdint>
#include <string>
#include <vector>

namespace attnzoo {

struct ListOpsOptions {
  /// Trees are kept only when min_length <= tokens <= max_length (the spec: 501..1999).
  int64_t min_length = 501;
  int64_t max_length = 1999;
  /// Depth of the root is 1; at max_depth a leaf is forced.
  int max_depth = 10;
  /// Operators take k arguments, k uniform in [2, max_args].
  int max_args = 10;
  /// A node below max_depth is an operator with this probability (the spec: u <= 0.25).
  double operator_probability = 0.25;
};

struct ListOpsExample {
  std::string text;  ///< tokens separated by single spaces, e.g. "[MAX 2 9 [MIN 4 7 ] 0 ]"
  int label = 0;     ///< the value, 0..9
};

/// `count` distinct expressions drawn as the spec says, deterministic for a given seed (the same
/// with every standard library). Throws std::invalid_argument for impossible options, or when a
/// bounded number of draws in a row brings no new expression (a length range trees almost never
/// hit, more examples than there are distinct trees).
std::vector<ListOpsExample> generate_listops(int64_t count, const ListOpsOptions& options,
                                             uint64_t seed);

/// The value of an expression in either text form (with or without the extra parentheses of the
/// published TSV files). Throws std::invalid_argument saying what is wrong and at which token
/// (counted from 0 over all tokens, parentheses included).
int evaluate_listops(const std::string& text);

/// The published TSV files (header `Source\tTarget`): returns the examples with the
/// parentheses dropped from the text. Throws std::runtime_error naming the file and line on
/// malformed input (missing column, label not 0..9, unbalanced expression), as
/// `PATH:LINE: what (expected what)`. A label that differs from the expression's value is read
/// as it is.
std::vector<ListOpsExample> read_listops_tsv(const std::string& path);

}  // namespace attnzoo
