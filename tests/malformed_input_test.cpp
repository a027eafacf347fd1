// Every reader at its boundary: damaged, hostile or merely unexpected bytes end in one error
// line that names the file (and the line, where there is one) and says what was expected, before
// anything is allocated from a size the file only claims.

#include <cmath>
#include <cstdint>
#include <filesystem>
#include <fstream>
#include <functional>
#include <limits>
#include <string>
#include <vector>

#include <gtest/gtest.h>

#include "datasets/graph/node_table.h"
#include "datasets/graph/split_file.h"
#include "datasets/image/cifar_reader.h"
#include "datasets/image/idx_reader.h"
#include "datasets/listops.h"
#include "datasets/speech/wav_reader.h"
#include "datasets/text/conllu_reader.h"
#include "datasets/text/text_file.h"
#include "datasets/text/text_lines_reader.h"
#include "datasets/text/tsv_reader.h"
#include "tests/test_util.h"

namespace {

namespace fs = std::filesystem;
using attnzoo::testing::contains;

struct Case {
  std::string name;   // what the case is, for the failure message
  std::string bytes;  // the file's whole content
  std::string expected;
};

// Writes each case to a file and expects `read` to throw a one-line message naming the file and
// containing the case's expected text.
void expect_errors(const std::string& area, const std::string& extension,
                   const std::vector<Case>& cases,
                   const std::function<void(const std::string&)>& read) {
  const auto dir = attnzoo::testing::fresh_dir("malformed", area);
  for (size_t i = 0; i < cases.size(); ++i) {
    const auto path = (dir / ("case" + std::to_string(i) + extension)).string();
    std::ofstream(path, std::ios::binary) << cases[i].bytes;
    std::string message;
    try {
      read(path);
    } catch (const std::exception& e) {
      message = e.what();
    }
    EXPECT_FALSE(message.empty()) << area << ": " << cases[i].name << ": no error";
    EXPECT_TRUE(contains(message, path)) << cases[i].name << ": " << message;
    EXPECT_TRUE(contains(message, cases[i].expected))
        << cases[i].name << ": expected '" << cases[i].expected << "' in: " << message;
    EXPECT_FALSE(contains(message, "\n")) << cases[i].name << ": " << message;
  }
  fs::remove_all(dir);
}

std::string be32(uint32_t v) {
  return {static_cast<char>(v >> 24), static_cast<char>(v >> 16), static_cast<char>(v >> 8),
          static_cast<char>(v)};
}

std::string idx_header(std::vector<uint32_t> dims) {
  std::string header = {0, 0, 8, static_cast<char>(dims.size())};
  for (auto d : dims)
    header += be32(d);
  return header;
}

TEST(MalformedInput, IdxFiles) {
  const std::string images = idx_header({2, 2, 2}) + std::string(8, '\x10');
  std::vector<Case> cases = {
      {"empty", "", "too short for an IDX header"},
      {"three bytes", std::string("\0\0\x08", 3), "too short"},
      {"text", "hello world, not IDX", "not an IDX file"},
      {"wrong magic", std::string("\x01\x02\x08\x01", 4) + be32(1) + "x", "not an IDX file"},
      {"int32 values", std::string("\0\0\x0C\x01", 4) + be32(1) + "abcd", "value type 0x0c"},
      {"float values", std::string("\0\0\x0D\x01", 4) + be32(1) + "abcd", "value type 0x0d"},
      {"no dimensions", std::string("\0\0\x08\0", 4), "0 dimensions"},
      {"header cut in a size", idx_header({3}).substr(0, 6), "truncated IDX header"},
      {"header cut before a size", idx_header({3, 4}).substr(0, 8), "truncated IDX header"},
      {"data cut short", images.substr(0, images.size() - 3), "truncated: 5 data bytes"},
      {"no data", idx_header({2, 2, 2}), "truncated: 0 data bytes"},
      {"4M images claimed", idx_header({4000000, 28, 28}) + std::string(100, '\0'),
       "the header promises 3136000000"},
      {"255 dimensions", std::string("\0\0\x08\xFF", 4) + be32(2), "truncated IDX header"},
      {"dimensions past 64 TiB", idx_header({0xFFFFFFFF, 0xFFFFFFFF, 0xFFFFFFFF}),
       "multiply past 64 TiB"},
      {"extra data", images + "zz", "more data than the header's 8 bytes"},
      {"a byte too many", images + "z", "more data than"},
      {"gzip cut short", std::string("\x1f\x8b\x08\x00\x00\x00\x00\x00\x00\x03\x63", 11), "IDX"},
      {"labels cut", idx_header({10}) + "\x01\x02", "truncated: 2 data bytes"},
      {"wrong rank byte", std::string("\0\0\x08\x03", 4) + be32(1) + be32(1), "truncated"},
      {"only magic", std::string("\0\0\x08\x01", 4), "truncated IDX header"},
  };
  expect_errors("idx", ".idx", cases, [](const std::string& path) { attnzoo::read_idx(path); });
}

TEST(MalformedInput, CifarFiles) {
  const std::string record10 = std::string(1, '\x03') + std::string(3072, '\x40');
  const std::string record100 = std::string("\x01\x05", 2) + std::string(3072, '\x40');
  std::vector<Case> ten = {
      {"empty", "", "empty file"},
      {"one byte", "x", "not a whole number of 3073-byte CIFAR-10 records"},
      {"record cut", record10.substr(0, 3000), "not a whole number"},
      {"record and a half", record10 + record10.substr(0, 1000), "not a whole number"},
      {"label 10", std::string(1, '\x0A') + std::string(3072, '\0'), "label 10, expected 0..9"},
      {"label 255", std::string(1, '\xFF') + std::string(3072, '\0'), "label 255"},
      {"second record's label", record10 + std::string(1, '\x0B') + std::string(3072, '\0'),
       "record 1 has label 11"},
      {"a CIFAR-100 record", record100, "not a whole number"},
      {"text", "not a cifar batch\n", "not a whole number"},
      {"one byte too many", record10 + "z", "not a whole number"},
  };
  expect_errors("cifar10", ".bin", ten, [](const std::string& path) {
    attnzoo::read_cifar(path, attnzoo::CifarFormat::kCifar10);
  });
  std::vector<Case> hundred = {
      {"empty", "", "empty file"},
      {"a CIFAR-10 record", record10, "not a whole number of 3074-byte CIFAR-100 records"},
      {"fine label 100", std::string("\x01\x64", 2) + std::string(3072, '\0'), "label 100"},
      {"record cut", record100.substr(0, 10), "not a whole number"},
      {"two and a bit", record100 + record100 + "z", "not a whole number"},
      {"fine label 200", std::string("\x01\xC8", 2) + std::string(3072, '\0'), "label 200"},
      {"text", "hello\n", "not a whole number"},
      {"fine label 255", std::string("\x00\xFF", 2) + std::string(3072, '\0'), "label 255"},
      {"second record's label", record100 + std::string("\x00\x70", 2) + std::string(3072, '\0'),
       "record 1 has label 112"},
      {"one byte", "\x01", "not a whole number"},
  };
  expect_errors("cifar100", ".bin", hundred, [](const std::string& path) {
    attnzoo::read_cifar(path, attnzoo::CifarFormat::kCifar100);
  });
}

// A RIFF WAV file: `format` is the fmt chunk's body, `data` the data chunk's.
std::string le16(uint16_t v) {
  return {static_cast<char>(v), static_cast<char>(v >> 8)};
}
std::string le32(uint32_t v) {
  return {static_cast<char>(v), static_cast<char>(v >> 8), static_cast<char>(v >> 16),
          static_cast<char>(v >> 24)};
}
std::string fmt_chunk(uint16_t tag, uint16_t channels, uint32_t rate, uint16_t bits) {
  const uint16_t align = static_cast<uint16_t>(channels * bits / 8);
  return "fmt " + le32(16) + le16(tag) + le16(channels) + le32(rate) + le32(rate * align) +
         le16(align) + le16(bits);
}
std::string wav(const std::string& fmt, const std::string& data, int64_t data_size = -1) {
  const auto size = static_cast<uint32_t>(data_size < 0 ? data.size() : data_size);
  const std::string body = "WAVE" + fmt + "data" + le32(size) + data;
  return "RIFF" + le32(static_cast<uint32_t>(body.size())) + body;
}
std::string floats(const std::vector<float>& values) {
  std::string out;
  for (float v : values)
    out.append(reinterpret_cast<const char*>(&v), sizeof v);
  return out;
}

TEST(MalformedInput, WavFiles) {
  const auto pcm = fmt_chunk(1, 1, 8000, 16), ieee = fmt_chunk(3, 1, 8000, 32);
  const std::string samples(200, '\x01');
  const float nan = std::numeric_limits<float>::quiet_NaN();
  const float inf = std::numeric_limits<float>::infinity();
  std::vector<Case> cases = {
      {"empty", "", "empty file"},
      {"text", "this is not audio at all, only words in a file", "not a readable WAV file"},
      {"RIFF only", "RIFF", "not a readable WAV file"},
      {"no fmt chunk", "RIFF" + le32(12) + "WAVEdata" + le32(0), "not a readable WAV file"},
      {"data cut short", wav(pcm, samples, 4000), "the data chunk promises 4000 bytes"},
      {"no samples", wav(pcm, ""), "no samples"},
      {"NaN sample", wav(ieee, floats({0.1f, nan, 0.2f})), "sample 1 (channel 0) is nan"},
      {"inf sample", wav(ieee, floats({0.1f, 0.2f, inf})), "sample 2 (channel 0) is inf"},
      {"-inf sample", wav(ieee, floats({-inf})), "is -inf"},
      {"NaN in the second channel", wav(fmt_chunk(3, 2, 8000, 32), floats({0.f, 0.f, 0.f, nan})),
       "sample 1 (channel 1) is nan"},
      {"NaN late in a long file",
       wav(ieee, floats(std::vector<float>(5000, 0.25f)) + floats({nan})), "sample 5000"},
      {"AIFF", "FORM" + le32(4) + "AIFF", "not a readable WAV file"},
      {"compressed (A-law)", wav(fmt_chunk(6, 1, 8000, 8), samples), "not PCM or float"},
      {"compressed (mu-law)", wav(fmt_chunk(7, 1, 8000, 8), samples), "not PCM or float"},
      {"zero channels", wav(fmt_chunk(1, 0, 8000, 16), samples), "WAV"},
      {"WAVE tag missing", "RIFF" + le32(4) + "JUNK", "not a readable WAV file"},
      {"fmt chunk cut", "RIFF" + le32(12) + "WAVEfmt " + le32(16) + "ab", "WAV"},
      {"odd data length cut", wav(pcm, std::string(3, '\x01'), 3000), "truncated"},
      {"float data cut", wav(ieee, floats({0.5f}), 400), "truncated"},
      {"zero bits", wav(fmt_chunk(1, 1, 8000, 0), samples), "WAV"},
  };
  expect_errors("wav", ".wav", cases, [](const std::string& path) { attnzoo::read_wav(path); });
}

// The line rules every text reader shares: UTF-8 and a bound on line length.
TEST(MalformedInput, TextLinesAreUtf8AndBounded) {
  EXPECT_EQ(attnzoo::invalid_utf8_at("plain ascii"), std::string::npos);
  EXPECT_EQ(attnzoo::invalid_utf8_at("caf\xC3\xA9 \xE2\x80\x94 \xF0\x9F\x98\x80"),
            std::string::npos);
  EXPECT_EQ(attnzoo::invalid_utf8_at("caf\xE9"), 3u);           // Latin-1
  EXPECT_EQ(attnzoo::invalid_utf8_at("\xC0\xAF"), 0u);          // overlong '/'
  EXPECT_EQ(attnzoo::invalid_utf8_at("a\xED\xA0\x80"), 1u);     // a surrogate
  EXPECT_EQ(attnzoo::invalid_utf8_at("\xF4\x90\x80\x80"), 0u);  // past U+10FFFF
  EXPECT_EQ(attnzoo::invalid_utf8_at("ab\xE2\x80"), 2u);        // cut short
  EXPECT_EQ(attnzoo::invalid_utf8_at("\x80"), 0u);              // a lone continuation

  const auto read_lines = [](const std::string& path) {
    attnzoo::read_text_lines(path, "prefix", " ");
  };
  const std::string long_line = "pos " + std::string(2 << 20, 'a') + "\n";
  std::vector<Case> cases = {
      {"Latin-1 word", "pos a fine film\nneg caf\xE9 noir\n", ":2: invalid UTF-8 at byte 8"},
      {"Latin-1 label", "pos a fine film\nn\xE9g bad\n", ":2: invalid UTF-8 at byte 2"},
      {"overlong", "pos \xC0\xAF\n", ":1: invalid UTF-8"},
      {"surrogate", "pos ok\nneg ok\npos \xED\xA0\x80\n", ":3: invalid UTF-8"},
      {"cut sequence at the end", "pos ok\nneg \xE2\x80", ":2: invalid UTF-8"},
      {"lone continuation byte", "\x80pos ok\n", ":1: invalid UTF-8 at byte 1"},
      {"a 2 MiB line", long_line, ":1: a line longer than 1048576 bytes"},
      {"a long line after good ones", "pos ok\n" + long_line, ":2: a line longer than"},
  };
  expect_errors("text_lines", ".txt", cases, read_lines);

  std::vector<Case> tsv = {
      {"Latin-1 text", "label\ttext\npos\tcaf\xE9\n", ":2: invalid UTF-8"},
      {"Latin-1 header", "lab\xE9l\ttext\npos\tok\n", ":1: invalid UTF-8"},
      {"a 2 MiB field", "label\ttext\npos\t" + std::string(2 << 20, 'b') + "\n",
       ":2: a line longer than"},
  };
  expect_errors("tsv", ".tsv", tsv,
                [](const std::string& path) { attnzoo::read_tsv(path, "label", "text", true); });

  const std::string word = "1\tgood\tgood\tADJ\tJJ\t_\t0\troot\t_\t_\n";
  std::vector<Case> conllu = {
      {"Latin-1 form", "1\tcaf\xE9\tcafe\tNOUN\tNN\t_\t0\troot\t_\t_\n", ":1: invalid UTF-8"},
      {"Latin-1 tag", word + "2\tok\tok\tN\xC9\tNN\t_\t1\tdep\t_\t_\n", ":2: invalid UTF-8"},
      {"Latin-1 comment", "# text = caf\xE9\n" + word, ":1: invalid UTF-8"},
      {"a 2 MiB comment", "# " + std::string(2 << 20, 'c') + "\n" + word, ":1: a line longer than"},
  };
  expect_errors("conllu", ".conllu", conllu,
                [](const std::string& path) { attnzoo::read_conllu(path, "upos"); });

  std::vector<Case> listops = {
      {"Latin-1 token", "Source\tTarget\n[MAX 1 \xE9 ]\t1\n", ":2: invalid UTF-8"},
      {"a 2 MiB expression", "Source\tTarget\n[MAX " + std::string(2 << 20, '1') + " ]\t1\n",
       ":2: a line longer than"},
      {"a directory's worth of nothing", "", "empty file"},
  };
  expect_errors("listops", ".tsv", listops,
                [](const std::string& path) { attnzoo::read_listops_tsv(path); });

  // --max-line-bytes raises the bound.
  const auto dir = attnzoo::testing::fresh_dir("malformed", "raised");
  const auto path = (dir / "long.txt").string();
  std::ofstream(path) << long_line << "neg short\n";
  attnzoo::set_max_line_bytes(size_t{4} << 20);
  EXPECT_EQ(attnzoo::read_text_lines(path, "prefix", " ").size(), 2u);
  attnzoo::set_max_line_bytes(size_t{1} << 20);
  fs::remove_all(dir);
}

// Twenty malformed text-lines files in prefix mode, with the separators a user may set.
TEST(MalformedInput, TextLinesPrefixLabels) {
  const std::string long_label = std::string(2 << 20, 'L') + " text\n";
  std::vector<Case> spaces = {
      {"leading space", "pos good\n bad start\n", ":2: empty label"},
      {"leading tab", "pos good\n\tbad start\n", ":2: empty label"},
      {"label only", "pos good\nneg\n", ":2: label 'neg' with no text"},
      {"label and spaces", "pos good\nneg    \n", ":2: label 'neg' with no text"},
      {"label and a tab", "pos good\nneg\t\n", ":2: label 'neg' with no text"},
      {"only blank lines", "\n\n  \n\t\n", "no examples, only blank lines"},
      {"empty", "", "empty file"},
      {"Latin-1 after many good lines", std::string(100, 'x') + " ok\n" + "pos \xE9t\xE9\n",
       ":2: invalid UTF-8 at byte 5"},
      {"a 2 MiB label", long_label, ":1: a line longer than"},
      {"a lone 0xFF", "pos \xFF\n", ":1: invalid UTF-8"},
      {"a cut 4-byte sequence", "pos \xF0\x9F\x98\n", ":1: invalid UTF-8"},
      {"a bare CR line then no text", "pos ok\r\nneg\r\n", ":2: label 'neg' with no text"},
  };
  expect_errors("prefix_spaces", ".txt", spaces,
                [](const std::string& path) { attnzoo::read_text_lines(path, "prefix", ""); });

  std::vector<Case> separated = {
      {"no separator", "pos|||good\nneg bad\n", ":2: no separator '|||'"},
      {"half a separator", "pos|||good\nneg||bad\n", ":2: no separator '|||'"},
      {"separator first", "|||no label\n", ":1: empty label"},
      {"separator last", "pos|||good\nneg|||\n", ":2: label 'neg' with no text"},
      {"separator and spaces", "neg|||   \n", ":1: label 'neg' with no text"},
  };
  expect_errors("prefix_separator", ".txt", separated,
                [](const std::string& path) { attnzoo::read_text_lines(path, "prefix", "|||"); });

  std::vector<Case> coarse = {
      {"label separator first", "DESC:manner how\n:manner why\n", ":2: empty label"},
      {"coarse label empty after a tab separator", "DESC:manner\thow\n:x\twhy\n",
       ":2: empty label"},
      {"no text after a coarse label", "DESC:manner how\nNUM:count\n", "with no text"},
  };
  expect_errors("prefix_coarse", ".txt", coarse,
                [](const std::string& path) { attnzoo::read_text_lines(path, "prefix", "", ":"); });
}

// Twenty malformed tab-separated files, with and without a header.
TEST(MalformedInput, TsvFiles) {
  std::vector<Case> headed = {
      {"empty", "", "empty file (expected a header line"},
      {"header only", "label\ttext\n", "no examples after the header"},
      {"header and blank lines", "label\ttext\n\n \n", "no examples after the header"},
      {"no label column", "sentiment\ttext\npos\tgood\n", ":1: no column named 'label'"},
      {"no text column", "label\tsentence\npos\tgood\n", ":1: no column named 'text'"},
      {"label named twice", "label\tlabel\ttext\npos\tneg\tgood\n", ":1: the header names column"},
      {"a short line", "label\ttext\npos\tgood\nneg\n", ":3: 1 tab-separated column"},
      {"spaces, not tabs", "label\ttext\npos good\n", ":2: 1 tab-separated column"},
      {"an empty label", "label\ttext\npos\tgood\n\tbad\n", ":3: empty label in column 0"},
      {"a blank label", "label\ttext\n  \tbad\n", ":2: empty label in column 0"},
      {"an empty text", "label\ttext\npos\t\n", ":2: empty text in column 1"},
      {"a blank text", "label\ttext\npos\t   \n", ":2: empty text in column 1"},
      {"Latin-1 label", "label\ttext\nn\xE9g\tbad\n", ":2: invalid UTF-8 at byte 2"},
      {"a 2 MiB header", std::string(2 << 20, 'h') + "\n", ":1: a line longer than"},
      {"a lone continuation byte", "label\ttext\n\x80\tx\n", ":2: invalid UTF-8 at byte 1"},
  };
  expect_errors("tsv_headed", ".tsv", headed,
                [](const std::string& path) { attnzoo::read_tsv(path, "label", "text", true); });

  std::vector<Case> plain = {
      {"empty", "", "empty file (expected tab-separated lines)"},
      {"only blank lines", "\n\n", "no examples"},
      {"too few columns for index 2", "a\tb\tc\nd\te\n", ":2: 2 tab-separated columns"},
      {"an empty third column", "1\tpos\t\n", ":1: empty text in column 2"},
      {"a cut UTF-8 sequence", "1\tpos\tgood \xC3\n", ":1: invalid UTF-8"},
  };
  expect_errors("tsv_plain", ".tsv", plain,
                [](const std::string& path) { attnzoo::read_tsv(path, "1", "2", false); });
}

TEST(MalformedInput, NodeTablesAndEdgeLists) {
  std::vector<Case> nodes = {
      {"NaN feature", "a 1 0 X\nb nan 1 Y\n", ":2: feature 1 is 'nan' (expected a finite number)"},
      {"inf feature", "a 1 0 X\nb 1 inf Y\n", ":2: feature 2 is 'inf'"},
      {"-inf feature", "a -inf 0 X\n", ":1: feature 1 is '-inf'"},
      {"huge feature", "a 1e999 0 X\n", ":1: feature 1 is '1e999'"},
      {"word feature", "a one 0 X\n", "expected a finite number"},
      {"too few fields", "a X\n", ":1: 2 fields"},
      {"feature count changes", "a 1 0 X\nb 1 0 1 Y\n", ":2: 3 features (expected 2"},
      {"duplicate node", "a 1 0 X\na 1 0 Y\n", ":2: node 'a' appears twice"},
      {"no node", "# only a comment\n\n", "no node found"},
      {"Latin-1 node ID", "caf\xE9 1 0 X\n", ":1: invalid UTF-8"},
      {"Latin-1 label", "a 1 0 Cat\xE9gorie\n", ":1: invalid UTF-8"},
      {"a 2 MiB line", "a " + std::string(2 << 20, '1') + " X\n", ":1: a line longer than"},
      {"empty", "", "no node found"},
      {"hex float", "a 0x1p3 0 X\n", "expected a finite number"},
      {"trailing garbage", "a 1.5abc 0 X\n", "feature 1 is '1.5abc'"},
      {"NaN with a sign", "a -nan 0 X\n", "feature 1 is '-nan'"},
      {"INF capitals", "a INF 0 X\n", "feature 1 is 'INF'"},
      {"infinity spelled out", "a 0 infinity X\n", "feature 2 is 'infinity'"},
      {"nan after many", "a 1 2 3 4 5 6 7 8 nan X\n", "feature 9 is 'nan'"},
      {"control byte", "a 1\x01 0 X\n", "feature 1 is '1\\x01'"},
  };
  expect_errors("nodes", ".content", nodes,
                [](const std::string& path) { attnzoo::read_node_table(path); });
  std::vector<Case> edges = {
      {"one field", "a\n", ":1: 1 fields (expected two node IDs)"},
      {"three fields", "a b c\n", ":1: 3 fields"},
      {"no edge", "\n# nothing\n", "no edge found"},
      {"Latin-1 node ID", "a caf\xE9\n", ":1: invalid UTF-8"},
      {"a 2 MiB line", "a " + std::string(2 << 20, 'b') + "\n", ":1: a line longer than"},
  };
  expect_errors("edges", ".cites", edges,
                [](const std::string& path) { attnzoo::read_edge_list(path); });
}

std::string nested_objects(int depth) {
  std::string json;
  for (int i = 0; i < depth; ++i)
    json += "{\"x\": ";
  return json + "1" + std::string(static_cast<size_t>(depth), '}');
}

TEST(MalformedInput, SplitFiles) {
  const std::vector<std::string> ids = {"a", "b", "c", "d"};
  std::vector<Case> cases = {
      {"200,000 nested [", "{\"train\": " + std::string(200000, '[') + "}",
       "nested deeper than 8 levels"},
      {"200,000 nested [ closed",
       "{\"train\": [" + std::string(200000, '[') + std::string(200000, ']') + "]}",
       "nested deeper than 8 levels"},
      {"deep inside an item", R"({"train": ["a", [[[[[[[[[["b"]]]]]]]]]]})", "nested deeper"},
      {"deep objects", nested_objects(50), "nested deeper"},
      {"not JSON", "train: a b", "not JSON"},
      {"empty", "", "not JSON"},
      {"an array", R"(["a", "b"])", "expected a JSON object"},
      {"no train", R"({"validation": ["a"], "test": ["b"]})", "expected \"train\""},
      {"train not an array", R"({"train": "a", "validation": ["b"], "test": ["c"]})",
       "expected \"train\": an array"},
      {"empty train", R"({"train": [], "validation": ["b"], "test": ["c"]})",
       "\"train\" lists no node"},
      {"unknown node", R"({"train": ["z"], "validation": ["b"], "test": ["c"]})",
       "node 'z' is not in the graph"},
      {"node twice", R"({"train": ["a", "a"], "validation": ["b"], "test": ["c"]})",
       "lists node 'a' twice"},
      {"node in two splits", R"({"train": ["a"], "validation": ["a"], "test": ["c"]})",
       "node 'a' is in both"},
      {"an object as an ID", R"({"train": [{"id": "a"}], "validation": ["b"], "test": ["c"]})",
       "\"train\"[0]: expected a node ID"},
      {"a float as an ID", R"({"train": [1.5], "validation": ["b"], "test": ["c"]})",
       "\"train\"[0]: expected a node ID"},
      {"null as an ID", R"({"train": ["a", null], "validation": ["b"], "test": ["c"]})",
       "\"train\"[1]: expected a node ID"},
      {"invalid UTF-8 in a string", "{\"train\": [\"caf\xE9\"]}", "not JSON"},
      {"cut short", R"({"train": ["a", "b")", "not JSON"},
      {"trailing garbage", R"({"train": ["a"], "validation": ["b"], "test": ["c"]} x)", "not JSON"},
      {"no test", R"({"train": ["a"], "validation": ["b"]})", "expected \"test\""},
      {"a long array in an item",
       "{\"train\": [" + std::string(4, '[') + "1" + std::string(4, ']') +
           "], \"validation\": [\"b\"], "
           "\"test\": [\"c\"]}",
       "\"train\"[0]: expected a node ID"},
  };
  expect_errors("split", ".json", cases,
                [&ids](const std::string& path) { attnzoo::read_split_file(path, ids); });
}

}  // namespace
