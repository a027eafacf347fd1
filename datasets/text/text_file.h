#pragma once
// The plumbing every text reader shares: reading a file line by line (UTF-8 byte-order mark and
// \r\n line ends handled), one-line errors `PATH:LINE: what (expected ...)`, text quoted safely
// for those messages, and turning a --data value into the files it names.

#include <cstdint>
#include <fstream>
#include <string>
#include <string_view>
#include <vector>

namespace attnzoo {

/// Throws std::runtime_error("PATH:LINE: what"), or "PATH: what" when line is 0 (the file or
/// folder as a whole).
[[noreturn]] void throw_at(const std::string& path, int64_t line, const std::string& what);

/// `text` in single quotes for a one-line message: bytes outside printable ASCII (control
/// characters, UTF-8 sequences, invalid bytes) are written as \xNN and long text is cut.
std::string shown_text(std::string_view text, size_t max_shown = 32);

bool is_ascii_space(char c);
/// `text` without ASCII whitespace at either end.
std::string_view trim_ascii(std::string_view text);

/// The offset of the first byte in `text` that is not part of well-formed UTF-8 (overlong forms,
/// surrogates and code points past U+10FFFF included), or npos when it is all UTF-8.
size_t invalid_utf8_at(std::string_view text);

/// Throws "PATH:LINE: invalid UTF-8 at byte N ..." unless `text` is UTF-8 (text that becomes a
/// label, a vocabulary entry or a node ID must decode in Python as in C++).
void require_utf8(const std::string& path, int64_t line, std::string_view text);

/// The longest line a reader takes (--max-line-bytes); 1 MiB unless set. Longer lines are an
/// error before they are held in memory.
size_t max_line_bytes();
void set_max_line_bytes(size_t bytes);

/// Reads a file line by line. The constructor throws (naming the path) for a missing file, a
/// folder or an unreadable file; `next` strips a UTF-8 byte-order mark from line 1 and a \r from
/// every line end, counts lines from 1, and throws naming the line for one that is not UTF-8 or
/// is longer than max_line_bytes().
class LineReader {
 public:
  /// `what` says what the file should be, for the messages ("a CoNLL-U file").
  LineReader(std::string path, std::string what);

  /// The next line, false at the end of the file (throws on a read error).
  bool next(std::string& line);
  int64_t line_number() const { return line_number_; }
  const std::string& path() const { return path_; }

 private:
  std::string path_, what_;
  std::ifstream in_;
  int64_t line_number_ = 0;
};

/// The paths a --data value names: the value itself when it is an existing path (so a name with
/// a comma still works), otherwise its comma-separated parts (surrounding spaces and empty parts
/// dropped). Nothing is checked for existence here. Throws std::invalid_argument naming `option`
/// when no path is left.
std::vector<std::string> split_path_list(const std::string& value, const std::string& option);

/// The lines of a file without surrounding ASCII whitespace, empty lines dropped (label-name and
/// split-list files). Errors as LineReader's.
std::vector<std::string> read_trimmed_lines(const std::string& path, const std::string& what);

/// The regular files directly inside `folder`, sorted by name, without hidden files (names
/// starting with '.'). Throws std::runtime_error naming the folder when it cannot be listed.
std::vector<std::string> list_files(const std::string& folder);

/// Throws std::runtime_error("PATH: no such file or directory (expected what)") when `path` does
/// not exist.
void require_exists(const std::string& path, const std::string& what);

}  // namespace attnzoo
