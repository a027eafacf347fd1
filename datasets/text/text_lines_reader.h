#pragma once
// Plain text with one example per line. The label is either the file's extension
// (rt-polarity.pos, rt-polarity.neg: every line of the file has label "pos" or "neg") or a prefix
// of each line (`LABEL<sep>text`, as in fastText's `__label__pos great film`).

#include <string>
#include <vector>

#include "datasets/text/raw_example.h"

namespace attnzoo {

/// "extension" or "prefix": what `label_from` may say. Throws std::invalid_argument naming the
/// option label_from otherwise.
void check_label_from(const std::string& label_from);

/// The files a text-lines --data value names: a folder gives every regular file in it sorted by
/// name, except hidden files and `*.md` notes (the shared data folders carry a NOTE.md);
/// otherwise a file or comma-separated files, in the order given. Throws std::runtime_error
/// naming the path when one does not exist or a folder holds no data file.
std::vector<std::string> text_lines_files(const std::string& data, const std::string& option);

/// Every non-blank line of `path` as an example whose text is the line trimmed of surrounding
/// whitespace.
///   label_from "extension": the label is the file's extension without the dot; a file without
///                           one is an error.
///   label_from "prefix":    the label is what comes before the first `separator` (or, when
///                           `separator` is empty, before the first run of ASCII whitespace);
///                           a line without the separator, with an empty label or with no text
///                           after it is an error `PATH:LINE: what (expected ...)`. With a
///                           `label_separator`, only the label's part before it is kept
///                           (':' makes TREC's "DESC:manner" the coarse class "DESC").
/// Blank lines (empty or whitespace only) are skipped; a file with no example is an error.
std::vector<RawExample> read_text_lines(const std::string& path, const std::string& label_from,
                                        const std::string& separator,
                                        const std::string& label_separator = "");

}  // namespace attnzoo
