#pragma once
// Tab-separated text classification: one example per line, a label column and a text column,
// chosen by 0-based index or, when the first line is a header, by name. No quoting: a field is
// everything between two tabs (trimmed of surrounding whitespace).

#include <string>
#include <vector>

#include "datasets/text/raw_example.h"

namespace attnzoo {

/// Checks the column options before any file is read: without a header both must be 0-based
/// indices; the two must differ. Throws std::invalid_argument naming the option.
void check_tsv_columns(const std::string& label_column, const std::string& text_column,
                       bool header);

/// Every non-blank line (after the header, when there is one) as an example. A column given by
/// name is looked up in this file's header (a name that is a number and no header field is read
/// as an index). Throws std::runtime_error `PATH:LINE: what (expected ...)` for a name missing
/// from the header, a line with too few columns, or an empty label or text; a missing, empty or
/// example-less file is an error naming the path.
std::vector<RawExample> read_tsv(const std::string& path, const std::string& label_column,
                                 const std::string& text_column, bool header);

}  // namespace attnzoo
