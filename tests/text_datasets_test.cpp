#include <gtest/gtest.h>

#include <unistd.h>

#include <algorithm>
#include <filesystem>
#include <fstream>
#include <functional>
#include <random>
#include <set>
#include <stdexcept>
#include <string>
#include <tuple>
#include <vector>

#include "datasets/text/conllu_reader.h"
#include "datasets/text/seeded_split.h"
#include "datasets/text/text_lines_reader.h"
#include "datasets/text/tsv_reader.h"
#include "datasets/text/word_class.h"
#include "datasets/text_datasets.h"
#include "datasets/tokenizer.h"
#include "tests/test_util.h"

namespace attnzoo {
namespace {

namespace fs = std::filesystem;

const std::string kReplacement = "\xEF\xBF\xBD";  // U+FFFD

using attnzoo::testing::message_of;

// The text of an encoded example, tokens joined by `separator`.
std::string decode(const TokenExample& example, const Vocabulary& vocabulary,
                   const std::string& separator = " ") {
  std::string out;
  for (size_t i = 0; i < example.tokens.size(); ++i) {
    out += (i ? separator : "") + vocabulary.token(example.tokens[i]);
  }
  return out;
}

std::multiset<std::string> texts_of(const TokenDataset& dataset, const Vocabulary& vocabulary,
                                    const std::string& separator = " ") {
  std::multiset<std::string> texts;
  for (const auto& example : dataset.examples())
    texts.insert(decode(example, vocabulary, separator));
  return texts;
}

int64_t token_count(const TokenDataset& dataset) {
  int64_t count = 0;
  for (const auto& example : dataset.examples())
    count += static_cast<int64_t>(example.tokens.size());
  return count;
}

// Every test writes its files into a fresh temporary folder, removed at the end.
class TextFilesTest : public ::testing::Test {
 protected:
  void SetUp() override {
    const auto* info = ::testing::UnitTest::GetInstance()->current_test_info();
    dir_ = fs::temp_directory_path() / ("attnzoo_text_test_" + std::to_string(::getpid()) + "_" +
                                        info->test_suite_name() + "_" + info->name());
    fs::remove_all(dir_);
    fs::create_directories(dir_);
  }
  void TearDown() override { fs::remove_all(dir_); }

  std::string write(const std::string& name, const std::string& contents) {
    const fs::path path = dir_ / name;
    fs::create_directories(path.parent_path());
    std::ofstream(path, std::ios::binary) << contents;
    return path.string();
  }
  std::string path(const std::string& name) const { return (dir_ / name).string(); }

  // The call must throw std::runtime_error with one line `FILE:LINE: ...` containing `what`
  // (line 0: `FILE: ...`).
  static void expect_error_at(const std::function<void()>& call, const std::string& file, int line,
                              const std::string& what) {
    try {
      call();
      ADD_FAILURE() << "no error; expected one at " << file << ":" << line;
    } catch (const std::runtime_error& e) {
      const std::string message = e.what();
      const std::string where = line > 0 ? file + ":" + std::to_string(line) + ": " : file + ": ";
      EXPECT_EQ(message.rfind(where, 0), 0u) << message;
      EXPECT_NE(message.find(what), std::string::npos) << message;
      EXPECT_EQ(message.find('\n'), std::string::npos) << "one line: " << message;
    }
  }

  fs::path dir_;
};

// ---- Tokenizer ---------------------------------------------------------------------------------

TEST(Tokenizer, WordsSplitOnAsciiWhitespace) {
  const Tokenizer words("words");
  EXPECT_EQ(words("  the\tcat \r\n sat  "), (std::vector<std::string>{"the", "cat", "sat"}));
  EXPECT_TRUE(words(" \t ").empty());
  // Lowercasing is ASCII only: the accented capital stays as it is.
  const Tokenizer lower("words", true);
  EXPECT_EQ(lower("The \xC3\x89T\xC3\x89 CAT"),
            (std::vector<std::string>{"the", "\xC3\x89t\xC3\x89", "cat"}));
}

TEST(Tokenizer, CharsAreCodePoints) {
  const Tokenizer chars("chars");
  // 1-, 2-, 3- and 4-byte sequences; spaces are characters too.
  EXPECT_EQ(chars("a \xC3\xA9\xE2\x82\xAC\xF0\x9F\x98\x80"),
            (std::vector<std::string>{"a", " ", "\xC3\xA9", "\xE2\x82\xAC", "\xF0\x9F\x98\x80"}));
  EXPECT_EQ(Tokenizer("chars", true)("AbC"), (std::vector<std::string>{"a", "b", "c"}));
}

TEST(Tokenizer, InvalidUtf8BytesBecomeOneReplacementEach) {
  const Tokenizer chars("chars");
  const std::string r = kReplacement;
  using V = std::vector<std::string>;
  EXPECT_EQ(chars("a\xFF"
                  "b"),
            (V{"a", r, "b"}));              // never valid
  EXPECT_EQ(chars("\x80\xBF"), (V{r, r}));  // stray continuation bytes
  EXPECT_EQ(chars("\xC3"
                  "("),
            (V{r, "("}));                                 // truncated 2-byte sequence
  EXPECT_EQ(chars("x\xE2\x82"), (V{"x", r, r}));          // truncated at the end
  EXPECT_EQ(chars("\xC0\xAF"), (V{r, r}));                // overlong '/'
  EXPECT_EQ(chars("\xE0\x80\xAF"), (V{r, r, r}));         // overlong, 3 bytes
  EXPECT_EQ(chars("\xED\xA0\x80"), (V{r, r, r}));         // a UTF-16 surrogate
  EXPECT_EQ(chars("\xF4\x90\x80\x80"), (V{r, r, r, r}));  // above U+10FFFF
  EXPECT_EQ(chars(std::string("a\0b", 3)), (V{"a", std::string(1, '\0'), "b"}));

  // Random bytes never crash it, and every token it gives is itself one valid character.
  std::mt19937 rng(5);
  std::string noise;
  for (int i = 0; i < 20000; ++i)
    noise += static_cast<char>(rng() & 0xFF);
  const auto tokens = chars(noise);
  EXPECT_GE(tokens.size(), 5000u);
  for (const auto& token : tokens)
    ASSERT_EQ(chars(token), V{token});
  // Valid text comes back byte for byte.
  const std::string valid = "na\xC3\xAFve caf\xC3\xA9 \xE6\x97\xA5\xE6\x9C\xAC";
  std::string joined;
  for (const auto& token : chars(valid))
    joined += token;
  EXPECT_EQ(joined, valid);
}

TEST(Tokenizer, BytesAreSingleBytes) {
  EXPECT_EQ(Tokenizer("bytes")("a\xC3\xA9\xFF"),
            (std::vector<std::string>{"a", "\xC3", "\xA9", "\xFF"}));
  // Words keep invalid bytes inside the word, untouched.
  EXPECT_EQ(Tokenizer("words")("ok \xFF\xFE!"), (std::vector<std::string>{"ok", "\xFF\xFE!"}));
}

TEST(Tokenizer, UnknownNameIsAnInvalidArgument) {
  EXPECT_THROW(Tokenizer("bpe"), std::invalid_argument);
  const std::string message = message_of([] { Tokenizer("Words"); });
  EXPECT_NE(message.find("tokenizer"), std::string::npos) << message;
  EXPECT_NE(message.find("words, chars, bytes"), std::string::npos) << message;
}

// ---- CoNLL-U -----------------------------------------------------------------------------------

class Conllu : public TextFilesTest {};

std::string word_line(const std::string& id, const std::string& form, const std::string& upos,
                      const std::string& xpos = "_") {
  return id + "\t" + form + "\t" + form + "\t" + upos + "\t" + xpos + "\t_\t0\troot\t_\t_\n";
}

TEST_F(Conllu, SkipsCommentsMultiwordTokensAndEmptyNodes) {
  const std::string file =
      write("good.conllu",
            "# newdoc id = d1\n"
            "# sent_id = 1\n"
            "# text = I can't go.\n" +                 // lines 1-3
                word_line("1", "I", "PRON", "PRP") +   // 4
                word_line("2-3", "can't", "_") +       // 5 multiword token
                word_line("2", "ca", "AUX", "MD") +    // 6
                word_line("3", "n't", "PART", "RB") +  // 7
                word_line("3.1", "go", "VERB") +       // 8 empty node
                word_line("4", "go", "VERB", "VB") +   // 9
                word_line("5", ".", "PUNCT", ".") +    // 10
                "\n"                                   // 11
                "# a block of comments alone is no sentence\n"
                "\n" +                                 // 12, 13
                word_line("1", "Yes", "INTJ", "UH") +  // 14
                "\r\n"                                 // 15: CRLF blank line
                "# sent_id = 3\n" +                    // 16
                word_line("0.1", "x", "X") +           // 17 empty node before the first word
                word_line("1", "\xC3\xA9t\xC3\xA9", "X", "FW") +  // 18: UTF-8 kept as it is
                word_line("2", "end", "NOUN", "NN"));             // 19, no blank line at the end
  ConlluCounts counts;
  const auto sentences = read_conllu(file, "upos", &counts);
  ASSERT_EQ(sentences.size(), 3u);
  EXPECT_EQ(sentences[0].words, (std::vector<std::string>{"I", "ca", "n't", "go", "."}));
  EXPECT_EQ(sentences[0].tags, (std::vector<std::string>{"PRON", "AUX", "PART", "VERB", "PUNCT"}));
  EXPECT_EQ(sentences[0].tag_lines, (std::vector<int64_t>{4, 6, 7, 9, 10}));
  EXPECT_EQ(sentences[0].line, 4);
  EXPECT_EQ(sentences[0].source, file);
  EXPECT_EQ(sentences[1].words, (std::vector<std::string>{"Yes"}));
  EXPECT_EQ(sentences[2].words, (std::vector<std::string>{"\xC3\xA9t\xC3\xA9", "end"}));
  EXPECT_EQ(sentences[2].line, 18);
  EXPECT_EQ(counts.sentences, 3);
  EXPECT_EQ(counts.words, 8);
  EXPECT_EQ(counts.multiword_tokens, 1);
  EXPECT_EQ(counts.empty_nodes, 2);
  EXPECT_EQ(counts.comments, 5);

  const auto xpos = read_conllu(file, "xpos");
  EXPECT_EQ(xpos[0].tags, (std::vector<std::string>{"PRP", "MD", "RB", "VB", "."}));
  EXPECT_THROW(read_conllu(file, "deprel"), std::invalid_argument);
}

TEST_F(Conllu, MalformedLinesNameTheFileAndLine) {
  const std::string first = "# sent_id = 1\n" + word_line("1", "A", "DET");
  auto check = [&](const std::string& name, const std::string& bad, int line,
                   const std::string& what, const std::string& column = "upos") {
    const std::string file = write(name, first + bad);
    expect_error_at([&] { read_conllu(file, column); }, file, line, what);
  };
  check("nine.conllu", "2\tcat\tcat\tNOUN\t_\t_\t0\troot\t_\n", 3, "9 tab-separated columns");
  check("spaces.conllu", "2 cat cat NOUN _ _ 0 root _ _\n", 3, "1 tab-separated column (");
  check("eleven.conllu", "2\tcat\tcat\tNOUN\t_\t_\t0\troot\t_\t_\t_\n", 3, "expected 10");
  check("id_word.conllu", word_line("two", "cat", "NOUN"), 3, "ID 'two'");
  check("id_range.conllu", word_line("2-", "cat", "NOUN"), 3, "a range like 3-4");
  check("id_backwards.conllu", word_line("3-2", "cat", "NOUN"), 3, "ID '3-2'");
  check("id_zero.conllu", "\n" + word_line("0", "cat", "NOUN"), 4, "ID '0'");
  check("id_decimal.conllu", word_line("2.0", "cat", "NOUN"), 3, "empty node like 8.1");
  check("id_skip.conllu", word_line("3", "cat", "NOUN"), 3, "word ID 3 (expected 2");
  check("id_restart.conllu", word_line("1", "cat", "NOUN"), 3, "word ID 1 (expected 2");
  check("no_upos.conllu", word_line("2", "cat", "_"), 3, "UPOS is '_' (expected a tag)");
  check("empty_upos.conllu", word_line("2", "cat", ""), 3, "UPOS is ''");
  check("no_xpos.conllu", word_line("2", "cat", "NOUN"), 2, "XPOS is '_'", "xpos");
  check("empty_form.conllu", word_line("2", "", "NOUN"), 3, "empty FORM");
  check("bad_bytes.conllu", "2\t\xFF\tx\n", 3, "invalid UTF-8 at byte 3 ('\\xFF\\x09x'");

  const std::string empty = write("empty.conllu", "");
  expect_error_at([&] { read_conllu(empty, "upos"); }, empty, 0, "empty file");
  const std::string comments = write("comments.conllu", "# only\n# comments\n\n");
  expect_error_at([&] { read_conllu(comments, "upos"); }, comments, 0, "no sentences");
  const std::string missing = path("missing.conllu");
  expect_error_at([&] { read_conllu(missing, "upos"); }, missing, 0, "no such file");
  expect_error_at([&] { read_conllu(dir_.string(), "upos"); }, dir_.string(), 0, "is a directory");
}

TEST_F(Conllu, TaskFromAUdFolderAndItsOptions) {
  auto sentence = [](const std::string& a, const std::string& b) {
    return word_line("1", a, "DET") + word_line("2", b, "NOUN") + word_line("3", "runs", "VERB") +
           "\n";
  };
  std::string train;
  for (int i = 0; i < 20; ++i)
    train += sentence("The", "dog");
  write("ud/xx_test-ud-train.conllu", train + sentence("A", "Cat"));
  write("ud/xx_test-ud-dev.conllu", sentence("the", "dog") + sentence("a", "unicorn"));
  write("ud/xx_test-ud-test.conllu", sentence("The", "cat"));
  write("ud/NOTE.md", "not data\n");

  TextDataOptions options;
  options.kind = "conllu";
  options.data = path("ud");
  options.min_frequency = 2;
  TextTask task = load_text_task(options);
  EXPECT_TRUE(task.labelling);
  EXPECT_TRUE(task.train.labelling());
  EXPECT_EQ(task.train.size(), 21);
  EXPECT_EQ(task.validation.size(), 2);
  EXPECT_EQ(task.test.size(), 1);
  EXPECT_EQ(task.label_names, (std::vector<std::string>{"DET", "NOUN", "VERB"}));
  // "A" and "Cat" occur once in training: below min_frequency 2, they are unknown.
  EXPECT_EQ(task.vocabulary.id("A"), Vocabulary::kUnknown);
  EXPECT_EQ(task.vocabulary.size(), 2 + 3);  // <pad>, <unk>, The, dog, runs
  const auto& last = task.train.examples().back();
  EXPECT_EQ(last.tokens[0], Vocabulary::kUnknown);
  EXPECT_EQ(last.tokens[1], Vocabulary::kUnknown);
  EXPECT_EQ(last.tags, (std::vector<int64_t>{0, 1, 2}));
  EXPECT_EQ(task.name, "conllu:ud");

  // Lowercasing makes "the" and "The" one word; max_tokens cuts words and tags alike.
  options.lowercase = true;
  options.max_tokens = 2;
  task = load_text_task(options);
  EXPECT_NE(task.vocabulary.id("the"), Vocabulary::kUnknown);
  EXPECT_EQ(task.vocabulary.id("The"), Vocabulary::kUnknown);
  for (const auto& example : task.validation.examples()) {
    EXPECT_EQ(example.tokens.size(), 2u);
    EXPECT_EQ(example.tags.size(), 2u);
  }
  EXPECT_EQ(task.max_length(), 2);

  // One word, one tag: another tokenizer would break that, so it is refused.
  options.tokenizer = "chars";
  const std::string message = message_of([&] { load_text_task(options); });
  EXPECT_NE(message.find("option tokenizer"), std::string::npos) << message;
  EXPECT_THROW(load_text_task(options), std::invalid_argument);
  options.tokenizer = "words";
  options.tag_column = "feats";
  EXPECT_THROW(load_text_task(options), std::invalid_argument);
}

TEST_F(Conllu, TagsTrainingNeverSawAreErrors) {
  const std::string train = write("a-train.conllu", word_line("1", "dog", "NOUN") + "\n" +
                                                        word_line("1", "cat", "NOUN") + "\n");
  const std::string test = write(
      "b.conllu", "# c\n" + word_line("1", "dog", "NOUN") + word_line("2", "barks", "VERB") + "\n");
  TextDataOptions options;
  options.kind = "conllu";
  options.data = train;
  options.test_data = test;
  options.validation_fraction = 0.0;
  expect_error_at([&] { load_text_task(options); }, test, 3, "tag 'VERB' never occurs");
}

// ---- Text lines, TSV, splits, vocabulary, eval -------------------------------------------------

class TextDatasets : public TextFilesTest {};

TEST_F(TextDatasets, TextLinesLabelFromExtension) {
  write("reviews/a.pos", "good film\n\n  great fun  \n");
  write("reviews/b.neg", "dull\r\nbad \xE2\x80\x94 bytes\n");
  write("reviews/NOTE.md", "# not data\n");
  write("reviews/.hidden.neg", "not read\n");
  const auto files = text_lines_files(path("reviews"), "data");
  EXPECT_EQ(files, (std::vector<std::string>{path("reviews/a.pos"), path("reviews/b.neg")}));
  const auto examples = read_text_lines(files[0], "extension", "");
  ASSERT_EQ(examples.size(), 2u);
  EXPECT_EQ(examples[1].text, "great fun");
  EXPECT_EQ(examples[1].label, "pos");
  EXPECT_EQ(examples[1].line, 3);
  EXPECT_EQ(read_text_lines(files[1], "extension", "")[1].text, "bad \xE2\x80\x94 bytes");
  write("reviews/c.neg", "dull\nbad \xFF\xFE bytes\n");  // Latin-1 or worse: an error
  expect_error_at([&] { read_text_lines(path("reviews/c.neg"), "extension", ""); },
                  path("reviews/c.neg"), 2, "invalid UTF-8 at byte 5");
  fs::remove(path("reviews/c.neg"));

  // A folder, or the files separated by commas, in any order: the same examples.
  TextDataOptions options;
  options.kind = "text-lines";
  options.data = path("reviews");
  options.validation_fraction = 0.0;
  options.test_fraction = 0.0;
  options.tokenizer = "chars";
  const TextTask from_folder = load_text_task(options);
  options.data = path("reviews/b.neg") + "," + path("reviews/a.pos");
  const TextTask from_files = load_text_task(options);
  EXPECT_EQ(from_folder.label_names, (std::vector<std::string>{"neg", "pos"}));
  EXPECT_EQ(from_folder.train.size(), 4);
  EXPECT_EQ(texts_of(from_folder.train, from_folder.vocabulary, ""),
            texts_of(from_files.train, from_files.vocabulary, ""));
  EXPECT_EQ(from_folder.vocabulary.tokens(), from_files.vocabulary.tokens());
  // The em dash (three bytes) is one character.
  EXPECT_NE(from_folder.vocabulary.id("\xE2\x80\x94"), Vocabulary::kUnknown);

  const std::string bare = write("noext", "text\n");
  expect_error_at([&] { read_text_lines(bare, "extension", ""); }, bare, 0, "no file extension");
  const std::string blank = write("blank.pos", "\n  \n");
  expect_error_at([&] { read_text_lines(blank, "extension", ""); }, blank, 0, "no examples");
  const std::string empty = write("empty.pos", "");
  expect_error_at([&] { read_text_lines(empty, "extension", ""); }, empty, 0, "empty file");
  write("nodata/README.md", "x\n");
  expect_error_at([&] { text_lines_files(path("nodata"), "data"); }, path("nodata"), 0,
                  "no data file");
  options.data = path("reviews/a.pos") + "," + path("reviews/missing.neg");
  expect_error_at([&] { load_text_task(options); }, path("reviews/missing.neg"), 0, "no such file");
}

TEST_F(TextDatasets, TextLinesLabelFromPrefix) {
  const std::string file = write("prefixed.txt",
                                 "pos  a fine\tfilm\n"
                                 "\n"
                                 "neg\tdull\n"
                                 "__label__neg meh\n");
  const auto examples = read_text_lines(file, "prefix", "");
  ASSERT_EQ(examples.size(), 3u);
  EXPECT_EQ(examples[0].label, "pos");
  EXPECT_EQ(examples[0].text, "a fine\tfilm");
  EXPECT_EQ(examples[1].label, "neg");
  EXPECT_EQ(examples[1].line, 3);
  EXPECT_EQ(examples[2].label, "__label__neg");

  const std::string custom = write("custom.txt", "pos|||a b|||c\nneg|||d\n");
  const auto split = read_text_lines(custom, "prefix", "|||");
  EXPECT_EQ(split[0].label, "pos");
  EXPECT_EQ(split[0].text, "a b|||c");

  const std::string no_sep = write("no_sep.txt", "pos|||a\nneg d\n");
  expect_error_at([&] { read_text_lines(no_sep, "prefix", "|||"); }, no_sep, 2,
                  "no separator '|||'");
  const std::string no_text = write("no_text.txt", "pos a\nneg   \n");
  expect_error_at([&] { read_text_lines(no_text, "prefix", ""); }, no_text, 2,
                  "label 'neg' with no text");
  const std::string no_label = write("no_label.txt", "pos a\n  a b\n");
  expect_error_at([&] { read_text_lines(no_label, "prefix", ""); }, no_label, 2, "empty label");
  EXPECT_THROW(read_text_lines(file, "suffix", ""), std::invalid_argument);
}

// TREC's questions: "DESC:manner How did ...". The whole prefix is the fine class; with a label
// separator its part before ':' is the coarse one. Read as one file's extension instead, every
// line has one label: an error naming the file and the option that reads the prefix.
TEST_F(TextDatasets, TextLinesCoarseLabelsAndASingleClassIsAnError) {
  const std::string file = write("trec.label",
                                 "DESC:manner How did serfdom develop ?\n"
                                 "ENTY:cremat What films featured Tom ?\n"
                                 "DESC:def What is a tsunami ?\n"
                                 "HUM:ind Who killed Gandhi ?\n");
  const auto fine = read_text_lines(file, "prefix", "");
  EXPECT_EQ(fine[0].label, "DESC:manner");
  const auto coarse = read_text_lines(file, "prefix", "", ":");
  ASSERT_EQ(coarse.size(), 4u);
  EXPECT_EQ(coarse[0].label, "DESC");
  EXPECT_EQ(coarse[0].text, "How did serfdom develop ?");
  EXPECT_EQ(coarse[1].label, "ENTY");
  EXPECT_EQ(coarse[3].label, "HUM");
  const std::string no_coarse = write("no_coarse.txt", "DESC:x a\n:manner b\n");
  expect_error_at([&] { read_text_lines(no_coarse, "prefix", "", ":"); }, no_coarse, 2,
                  "empty label");

  TextDataOptions options;
  options.kind = "text-lines";
  options.data = file;
  options.validation_fraction = 0.0;
  options.test_fraction = 0.0;
  expect_error_at([&] { load_text_task(options); }, file, 0,
                  "every training example has the label 'label' (expected at least two classes; "
                  "when each line starts with its label, use --label-from prefix)");
  options.label_from = "prefix";
  options.label_separator = ":";
  const auto task = load_text_task(options);
  EXPECT_EQ(task.label_names, (std::vector<std::string>{"DESC", "ENTY", "HUM"}));
  const std::string one = write("one.txt", "A:x a\nA:y b\n");
  options.data = one;
  expect_error_at([&] { load_text_task(options); }, one, 0,
                  "every training example has the label 'A' (expected at least two classes; check "
                  "--separator and --label-separator)");
}

TEST_F(TextDatasets, TsvColumnsByIndexAndByName) {
  const std::string plain = write("plain.tsv", "1\tpos\tgood film\n\n2\tneg\tbad film\n");
  const auto by_index = read_tsv(plain, "1", "2", false);
  ASSERT_EQ(by_index.size(), 2u);
  EXPECT_EQ(by_index[1].label, "neg");
  EXPECT_EQ(by_index[1].text, "bad film");
  EXPECT_EQ(by_index[1].line, 3);

  const std::string headed =
      write("headed.tsv", "\xEF\xBB\xBFid\ttext\tsentiment\r\n7\tfine\tpos\r\n8\tpoor\tneg\r\n");
  const auto by_name = read_tsv(headed, "sentiment", "text", true);
  ASSERT_EQ(by_name.size(), 2u);
  EXPECT_EQ(by_name[0].label, "pos");
  EXPECT_EQ(by_name[0].text, "fine");
  EXPECT_EQ(read_tsv(headed, "2", "1", true)[1].label, "neg");  // an index with a header

  const std::string short_line = write("short.tsv", "pos\tgood\tx\nneg\n");
  expect_error_at([&] { read_tsv(short_line, "0", "1", false); }, short_line, 2,
                  "1 tab-separated column (expected at least 2");
  expect_error_at([&] { read_tsv(headed, "label", "text", true); }, headed, 1,
                  "no column named 'label'");
  const std::string no_text = write("no_text.tsv", "pos\tgood\nneg\t \n");
  expect_error_at([&] { read_tsv(no_text, "0", "1", false); }, no_text, 2, "empty text");
  const std::string header_only = write("header_only.tsv", "label\ttext\n");
  expect_error_at([&] { read_tsv(header_only, "label", "text", true); }, header_only, 0,
                  "no examples after the header");

  // Bad options are invalid arguments that name the option.
  const std::string message = message_of([&] { read_tsv(plain, "label", "2", false); });
  EXPECT_NE(message.find("option label_column"), std::string::npos) << message;
  EXPECT_THROW(check_tsv_columns("1", "1", false), std::invalid_argument);
  EXPECT_THROW(check_tsv_columns("0", "", true), std::invalid_argument);

  TextDataOptions options;
  options.kind = "tsv";
  options.data = headed;
  options.header = true;
  options.label_column = "sentiment";
  options.text_column = "text";
  options.validation_fraction = 0.0;
  options.test_fraction = 0.0;
  const TextTask task = load_text_task(options);
  EXPECT_EQ(task.label_names, (std::vector<std::string>{"neg", "pos"}));
  EXPECT_FALSE(task.labelling);
  EXPECT_EQ(task.train.examples()[0].label, 1);
}

TEST_F(TextDatasets, SeededSplitIsDeterministicDisjointAndStratified) {
  // 60 "a" and 40 "b", interleaved in reading order.
  std::vector<std::string> labels;
  for (int i = 0; i < 100; ++i)
    labels.push_back(i % 5 < 3 ? "a" : "b");
  const auto split = seeded_split(labels, 20, 10, 7);
  EXPECT_EQ(split.train.size(), 70u);
  EXPECT_EQ(split.validation.size(), 20u);
  EXPECT_EQ(split.test.size(), 10u);
  std::set<size_t> all;
  for (const auto* part : {&split.train, &split.validation, &split.test}) {
    EXPECT_TRUE(std::is_sorted(part->begin(), part->end()));
    all.insert(part->begin(), part->end());
  }
  EXPECT_EQ(all.size(), 100u) << "the splits must be disjoint and cover every example";
  auto count_a = [&](const std::vector<size_t>& part) {
    return std::count_if(part.begin(), part.end(), [&](size_t i) { return labels[i] == "a"; });
  };
  EXPECT_EQ(count_a(split.test), 6);
  EXPECT_EQ(count_a(split.validation), 12);
  EXPECT_EQ(count_a(split.train), 42);

  const auto again = seeded_split(labels, 20, 10, 7);
  EXPECT_EQ(again.test, split.test);
  EXPECT_EQ(again.validation, split.validation);
  EXPECT_NE(seeded_split(labels, 20, 10, 8).test, split.test);
  // The test split does not depend on the validation size.
  EXPECT_EQ(seeded_split(labels, 0, 10, 7).test, split.test);
  // A fixed seed gives a fixed split on every platform (mt19937_64 and our own draws); these
  // indices were also obtained from a separate Python model of the method.
  EXPECT_EQ(split.test, (std::vector<size_t>{3, 8, 24, 32, 54, 55, 57, 75, 81, 95}));
  EXPECT_EQ(split_size(10662, 0.1), 1066u);
}

TEST_F(TextDatasets, SeededSplitOfATaskAndTestData) {
  std::string pos, neg;
  for (int i = 0; i < 50; ++i)
    pos += "p" + std::to_string(i) + "\n";
  for (int i = 0; i < 30; ++i)
    neg += "n" + std::to_string(i) + "\n";
  write("data/x.pos", pos);
  write("data/x.neg", neg);
  TextDataOptions options;
  options.kind = "text-lines";
  options.data = path("data");
  options.tokenizer = "chars";  // every character occurs in training, so texts decode exactly
  options.validation_fraction = 0.1;
  options.test_fraction = 0.2;
  options.split_seed = 3;
  const TextTask task = load_text_task(options);
  EXPECT_EQ(task.train.size(), 56);
  EXPECT_EQ(task.validation.size(), 8);
  EXPECT_EQ(task.test.size(), 16);
  const auto train = texts_of(task.train, task.vocabulary, "");
  const auto validation = texts_of(task.validation, task.vocabulary, "");
  const auto test = texts_of(task.test, task.vocabulary, "");
  std::set<std::string> all(train.begin(), train.end());
  all.insert(validation.begin(), validation.end());
  all.insert(test.begin(), test.end());
  EXPECT_EQ(all.size(), 80u);
  int test_pos = 0;
  for (const auto& example : task.test.examples())
    test_pos += example.label == 1;
  EXPECT_EQ(test_pos, 10);  // 50 / 80 of 16

  const TextTask same = load_text_task(options);
  EXPECT_EQ(texts_of(same.test, same.vocabulary, ""), test);
  options.split_seed = 4;
  const TextTask other = load_text_task(options);
  EXPECT_NE(texts_of(other.test, other.vocabulary, ""), test);

  // --test-data: the test split comes from there, validation is carved from data.
  write("extra/y.pos", "p99\n");
  write("extra/y.neg", "n99\n");
  options.test_data = path("extra");
  const TextTask with_test = load_text_task(options);
  EXPECT_EQ(with_test.test.size(), 2);
  EXPECT_EQ(with_test.validation.size(), 8);
  EXPECT_EQ(with_test.train.size(), 72);

  // A label in the test data that training never saw is an error naming it, the file and line.
  const std::string odd = write("extra/z.neutral", "p1\nn1\n");
  expect_error_at([&] { load_text_task(options); }, odd, 1, "label 'neutral' never occurs");

  options.test_data.clear();
  options.validation_fraction = 0.6;
  options.test_fraction = 0.4;
  EXPECT_THROW(load_text_task(options), std::invalid_argument);
  options.validation_fraction = -0.1;
  EXPECT_THROW(load_text_task(options), std::invalid_argument);
}

TEST_F(TextDatasets, MinFrequencyAndUnknownWords) {
  write("mf.pos", "a a b\nA c\n");
  write("mf.neg", "a d\n<pad> <unk>\n");
  TextDataOptions options;
  options.kind = "text-lines";
  options.data = path("mf.pos") + "," + path("mf.neg");
  options.validation_fraction = 0.0;
  options.test_fraction = 0.0;
  options.min_frequency = 2;
  TextTask task = load_text_task(options);
  // Only "a" is seen twice or more; the rest are unknown.
  EXPECT_EQ(task.vocabulary.tokens(), (std::vector<std::string>{"<pad>", "<unk>", "a"}));
  EXPECT_EQ(task.train.examples()[0].tokens, (std::vector<int64_t>{2, 2, Vocabulary::kUnknown}));
  options.min_frequency = 1;
  options.lowercase = true;
  task = load_text_task(options);
  // Most frequent first, ties in byte order; lowercased "A" counts as "a".
  EXPECT_EQ(task.vocabulary.tokens(),
            (std::vector<std::string>{"<pad>", "<unk>", "a", "b", "c", "d"}));
  // The literal words "<pad>" and "<unk>" never become padding.
  EXPECT_EQ(task.train.examples()[3].tokens,
            (std::vector<int64_t>{Vocabulary::kUnknown, Vocabulary::kUnknown}));
  options.min_frequency = 0;
  EXPECT_THROW(load_text_task(options), std::invalid_argument);
  options.min_frequency = 1;
  options.max_tokens = -1;
  EXPECT_THROW(load_text_task(options), std::invalid_argument);
}

TEST(WordClass, ShapeThenEverySuffixMostSpecificFirst) {
  using Classes = std::vector<std::string>;
  EXPECT_EQ(word_class_candidates("Rebuilding"),
            (Classes{"<unk:Xx:ilding>", "<unk:Xx:lding>", "<unk:Xx:ding>", "<unk:Xx:ing>",
                     "<unk:Xx:ng>", "<unk:Xx:g>", "<unk:Xx>"}));
  // At most kMaxSuffix characters, and at least two characters before the suffix.
  EXPECT_EQ(word_class_candidates("creations").front(), "<unk:x:ations>");
  EXPECT_EQ(word_class_candidates("well-dressed").front(), "<unk:x-:ressed>");
  EXPECT_EQ(word_class_candidates("fly"), (Classes{"<unk:x:y>", "<unk:x>"}));
  EXPECT_EQ(word_class_candidates("is"), (Classes{"<unk:x>"}));
  EXPECT_EQ(word_class_candidates("NATO"), (Classes{"<unk:X>"}));
  EXPECT_EQ(word_class_candidates("I"), (Classes{"<unk:Xx>"}));  // one capital is not an acronym
  EXPECT_EQ(word_class_candidates("1984"), (Classes{"<unk:9>"}));
  EXPECT_EQ(word_class_candidates("3.5"), (Classes{"<unk:9>"}));
  EXPECT_EQ(word_class_candidates("12/05/1999"), (Classes{"<unk:9>"}));
  EXPECT_EQ(word_class_candidates("B52"), (Classes{"<unk:X9>"}));
  EXPECT_EQ(word_class_candidates("well-known").back(), "<unk:x->");
  EXPECT_EQ(word_class_candidates("?!"), (Classes{"<unk:p>"}));
  EXPECT_EQ(word_class_candidates("\xC3\xA9t\xC3\xA9"), (Classes{"<unk:u>"}));  // non-ASCII
  for (const auto& candidate : word_class_candidates("running"))
    EXPECT_TRUE(is_unknown_word_class(candidate)) << candidate;
  EXPECT_FALSE(is_unknown_word_class("<unk>"));
  EXPECT_FALSE(is_unknown_word_class("running"));
}

TEST(WordClass, SuffixClassesAreLearnedFromEnoughRareWords) {
  // Five rare words end in "ing" (kMinWordsPerSuffixClass), only three in "nging" and two in
  // "king": each goes to "ing", its most specific class with enough words; "ng" and "g" have as
  // many words but none reaches them, and "Oslo" keeps only its shape.
  ASSERT_EQ(kMinWordsPerSuffixClass, 5);
  auto classes = build_word_classes({{"walking", 1},
                                     {"talking", 2},
                                     {"singing", 1},
                                     {"ringing", 1},
                                     {"bringing", 1},
                                     {"Oslo", 1}});
  std::sort(classes.begin(), classes.end());
  EXPECT_EQ(classes,
            (std::vector<std::pair<std::string, int64_t>>{{"<unk:Xx>", 1}, {"<unk:x:ing>", 6}}));

  // A word takes the most specific class the vocabulary holds; a vocabulary made with a fixed list
  // of endings ("ations", "s") reads its words as it did.
  Vocabulary vocabulary;
  for (const char* token : {"<unk:x:ing>", "<unk:x>", "<unk:x:ations>", "<unk:x:s>"})
    vocabulary.add(token);
  EXPECT_EQ(word_class_id(vocabulary, "dancing"), vocabulary.id("<unk:x:ing>"));
  EXPECT_EQ(word_class_id(vocabulary, "dance"), vocabulary.id("<unk:x>"));
  EXPECT_EQ(word_class_id(vocabulary, "creations"), vocabulary.id("<unk:x:ations>"));
  EXPECT_EQ(word_class_id(vocabulary, "nations"), vocabulary.id("<unk:x:s>"));
  EXPECT_EQ(word_class_id(vocabulary, "NATO"), Vocabulary::kUnknown);
}

TEST_F(TextDatasets, WordClassesForRareAndUnseenWords) {
  // "the" and "cat" are frequent; five words in "ing" are rare (once each), so training maps
  // them to <unk:x:ing>; "Oslo" is rare too and becomes <unk:Xx>.
  write("wc.pos",
        "the cat walking\nthe cat talking\nthe cat singing\nthe cat ringing\nthe cat "
        "bringing\nthe cat Oslo\n");
  write("wc.neg", "the cat\n");
  TextDataOptions options;
  options.kind = "text-lines";
  options.data = path("wc.pos") + "," + path("wc.neg");
  options.validation_fraction = 0.0;
  options.test_fraction = 0.0;
  options.min_frequency = 2;
  options.word_classes = true;
  const TextTask task = load_text_task(options);
  EXPECT_EQ(task.vocabulary.tokens(),
            (std::vector<std::string>{"<pad>", "<unk>", "cat", "the", "<unk:x:ing>", "<unk:Xx>"}));
  const int64_t ing = task.vocabulary.id("<unk:x:ing>");
  EXPECT_EQ(task.train.examples()[0].tokens,
            (std::vector<int64_t>{task.vocabulary.id("the"), task.vocabulary.id("cat"), ing}));

  // At evaluation, unseen words map to their class when training saw it, else to <unk>.
  options.data = write("wc_eval.pos", "the dancing NATO\n");
  const TokenDataset examples =
      load_text_examples(options, task.vocabulary, task.label_names, false);
  ASSERT_EQ(examples.size(), 1);
  EXPECT_EQ(examples.examples()[0].tokens,
            (std::vector<int64_t>{task.vocabulary.id("the"), ing, Vocabulary::kUnknown}));

  // Every word also knows its class: cat and the have classes training never saw (0), the class
  // tokens themselves and the special tokens have none.
  EXPECT_EQ(word_class_ids(task.vocabulary), (std::vector<int64_t>{0, 0, 0, 0, 0, 0}));
  Vocabulary with_class = task.vocabulary;
  with_class.add("dancing");
  EXPECT_EQ(word_class_ids(with_class).back(), ing);

  // Without the option the same words are all <unk>.
  options.data = path("wc.pos") + "," + path("wc.neg");
  options.word_classes = false;
  const TextTask plain = load_text_task(options);
  EXPECT_EQ(plain.vocabulary.size(), 4);
  EXPECT_EQ(plain.train.examples()[0].tokens.back(), Vocabulary::kUnknown);

  // Classes are learned from the words rarer than min_frequency: at 1 there are none.
  options.word_classes = true;
  options.min_frequency = 1;
  std::string message = message_of([&] { load_text_task(options); });
  EXPECT_NE(message.find("option word_classes needs"), std::string::npos) << message;
  options.min_frequency = 2;
  options.tokenizer = "chars";
  EXPECT_THROW(load_text_task(options), std::invalid_argument);
}

TEST_F(TextDatasets, EvalUsesTheRunsVocabularyAndLabels) {
  write("train.tsv", "pos\tgood\nneg\tbad\n");
  TextDataOptions options;
  options.kind = "tsv";
  options.data = path("train.tsv");
  options.validation_fraction = 0.0;
  options.test_fraction = 0.0;
  const TextTask task = load_text_task(options);

  const std::string other = write("other.tsv", "neg\tbad new\npos\tgood\n");
  options.data = other;
  const TokenDataset examples =
      load_text_examples(options, task.vocabulary, task.label_names, false);
  ASSERT_EQ(examples.size(), 2);
  EXPECT_EQ(examples.examples()[0].label, 0);
  EXPECT_EQ(examples.examples()[0].tokens,
            (std::vector<int64_t>{task.vocabulary.id("bad"), Vocabulary::kUnknown}));

  const std::string unknown = write("unknown.tsv", "pos\tgood\nmixed\tso so\n");
  options.data = unknown;
  expect_error_at([&] { load_text_examples(options, task.vocabulary, task.label_names, false); },
                  unknown, 2, "label 'mixed' never occurs in the run's label names");
  // A classification run cannot evaluate a tagging data set, nor the other way round.
  EXPECT_THROW(load_text_examples(options, task.vocabulary, task.label_names, true),
               std::invalid_argument);
}

TEST_F(TextDatasets, ListOpsGeneratedFolderAndFile) {
  TextDataOptions options;
  options.kind = "listops";
  options.listops.expressions.min_length = 5;
  options.listops.expressions.max_length = 30;
  options.listops.expressions.max_depth = 3;
  options.listops.train = 30;
  options.listops.validation = 5;
  options.listops.test = 5;
  const TextTask generated = load_text_task(options);
  EXPECT_EQ(generated.name, "listops");
  EXPECT_EQ(generated.train.size(), 30);
  EXPECT_EQ(generated.num_classes(), 10);
  // Eval without --data: the generated test split, through the run's vocabulary.
  const TokenDataset eval =
      load_text_examples(options, generated.vocabulary, generated.label_names, false);
  ASSERT_EQ(eval.size(), 5);
  EXPECT_EQ(eval.examples()[0].tokens, generated.test.examples()[0].tokens);

  const std::string header = "Source\tTarget\n";
  write("lra/basic_train.tsv", header + "( ( [MAX 2 ) 9 ] )\t9\n[MIN 4 7 ]\t4\n3\t3\n");
  write("lra/basic_val.tsv", header + "[SM 5 6 ]\t1\n");
  write("lra/basic_test.tsv", header + "[MED 1 2 3 ]\t2\n");
  options.data = path("lra");
  TextTask task = load_text_task(options);
  EXPECT_EQ(task.train.size(), 3);
  EXPECT_EQ(task.validation.size(), 1);
  EXPECT_EQ(task.test.size(), 1);
  EXPECT_EQ(decode(task.train.examples()[0], task.vocabulary), "[MAX 2 9 ]");
  EXPECT_EQ(task.train.examples()[0].label, 9);
  EXPECT_EQ(task.vocabulary.tokens(), listops_vocabulary().tokens());
  EXPECT_EQ(task.label_names[9], "9");

  // One file: a seeded split.
  std::string many = header;
  for (int i = 0; i < 40; ++i)
    many += "[MAX " + std::to_string(i % 10) + " 0 ]\t" + std::to_string(i % 10) + "\n";
  options.data = write("one.tsv", many);
  task = load_text_task(options);
  EXPECT_EQ(task.test.size(), 4);
  EXPECT_EQ(task.validation.size(), 4);
  EXPECT_EQ(task.train.size(), 32);

  write("nolra/basic_val.tsv", header + "1\t1\n");
  options.data = path("nolra");
  expect_error_at([&] { load_text_task(options); }, path("nolra"), 0, "no basic_train.tsv");
  options.data = path("lra");
  options.tokenizer = "chars";
  EXPECT_THROW(load_text_task(options), std::invalid_argument);
}

TEST(TextDatasetsOptions, BadOptionsAreInvalidArguments) {
  TextDataOptions options;
  options.kind = "csv";
  std::string message = message_of([&] { load_text_task(options); });
  EXPECT_NE(message.find("option kind is 'csv'"), std::string::npos) << message;
  EXPECT_NE(message.find(text_dataset_kinds()), std::string::npos) << message;
  EXPECT_EQ(text_dataset_kinds(), "listops, text-lines, tsv, conllu");
  options.kind = "tsv";
  EXPECT_THROW(load_text_task(options), std::invalid_argument);  // no data
  options.kind = "text-lines";
  options.data = "x.pos";
  options.label_from = "filename";
  message = message_of([&] { load_text_task(options); });
  EXPECT_NE(message.find("option label_from"), std::string::npos) << message;
}

// ---- The shared real data sets -----------------------------------------------------------------

class TextDatasetsSharedData : public ::testing::Test {
 protected:
  void SetUp() override {
    if (!fs::is_directory(root_)) {
      GTEST_SKIP() << "no shared data at " << root_
                   << " (the real-data checks need ../shared/data)";
    }
  }
  std::string at(const std::string& relative) const { return root_ + "/" + relative; }
  const std::string root_ = ATTNZOO_SHARED_DATA;
};

TEST_F(TextDatasetsSharedData, UdEnglishLinesTask) {
  TextDataOptions options;
  options.kind = "conllu";
  options.data = at("ud-english-lines");
  const TextTask task = load_text_task(options);
  EXPECT_EQ(task.train.size(), 3457);
  EXPECT_EQ(token_count(task.train), 64684);
  EXPECT_EQ(task.validation.size(), 1118);
  EXPECT_EQ(token_count(task.validation), 21637);
  EXPECT_EQ(task.test.size(), 1121);
  EXPECT_EQ(token_count(task.test), 19984);
  EXPECT_EQ(task.num_classes(), 17);
  EXPECT_EQ(task.max_length(), 98);
  for (const auto& example : task.test.examples()) {
    ASSERT_EQ(example.tags.size(), example.tokens.size());
  }
  // LinES leaves XPOS unset on some words: asking for it is a clear error, not a wrong answer.
  options.tag_column = "xpos";
  const std::string message = message_of([&] { load_text_task(options); });
  EXPECT_NE(message.find("en_lines-ud-train.conllu:"), std::string::npos) << message;
  EXPECT_NE(message.find("XPOS is '_'"), std::string::npos) << message;
}

TEST_F(TextDatasetsSharedData, UdEnglishEwtCountsWithEmptyNodes) {
  for (const auto& [file, sentences, words, multiword, empty] :
       {std::tuple{"en_ewt-ud-dev.conllu", 2001, 25147, 359, 4},
        std::tuple{"en_ewt-ud-test.conllu", 2077, 25094, 354, 2}}) {
    ConlluCounts counts;
    const auto read = read_conllu(at(std::string("ud-english-ewt/") + file), "xpos", &counts);
    EXPECT_EQ(static_cast<int64_t>(read.size()), sentences) << file;
    EXPECT_EQ(counts.sentences, sentences) << file;
    EXPECT_EQ(counts.words, words) << file;
    EXPECT_EQ(counts.multiword_tokens, multiword) << file;
    EXPECT_EQ(counts.empty_nodes, empty) << file;
  }
  // Without a train file, the folder is not a UD split; the error says what it expected.
  TextDataOptions options;
  options.kind = "conllu";
  options.data = at("ud-english-ewt");
  const std::string message = message_of([&] { load_text_task(options); });
  EXPECT_NE(message.find("no *-train.conllu"), std::string::npos) << message;
}

TEST_F(TextDatasetsSharedData, RtPolaritySeededSplit) {
  EXPECT_EQ(read_text_lines(at("rt-polarity/rt-polarity.pos"), "extension", "").size(), 5331u);
  EXPECT_EQ(read_text_lines(at("rt-polarity/rt-polarity.neg"), "extension", "").size(), 5331u);
  TextDataOptions options;
  options.kind = "text-lines";
  options.data = at("rt-polarity/rt-polarity.pos") + "," + at("rt-polarity/rt-polarity.neg");
  options.test_fraction = 0.1;
  options.validation_fraction = 0.1;
  options.split_seed = 1;
  const TextTask task = load_text_task(options);
  EXPECT_EQ(task.label_names, (std::vector<std::string>{"neg", "pos"}));
  EXPECT_EQ(task.test.size(), 1066);
  EXPECT_EQ(task.validation.size(), 1066);
  EXPECT_EQ(task.train.size(), 10662 - 2 * 1066);
  int test_pos = 0;
  for (const auto& example : task.test.examples())
    test_pos += example.label == 1;
  EXPECT_EQ(test_pos, 533);
  // The folder (NOTE.md skipped, files in name order) gives the same split.
  options.data = at("rt-polarity");
  const TextTask from_folder = load_text_task(options);
  EXPECT_EQ(texts_of(from_folder.test, from_folder.vocabulary),
            texts_of(task.test, task.vocabulary));
}

}  // namespace
}  // namespace attnzoo
