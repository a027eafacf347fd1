#include <gtest/gtest.h>

#include <unistd.h>

#include <algorithm>
#include <cctype>
#include <filesystem>
#include <fstream>
#include <functional>
#include <numeric>
#include <set>
#include <sstream>
#include <stdexcept>
#include <string>
#include <vector>

#include "datasets/listops.h"
#include "tests/test_util.h"

namespace attnzoo {
namespace {

std::vector<std::string> split(const std::string& text) {
  std::istringstream in(text);
  std::vector<std::string> tokens;
  for (std::string token; in >> token;)
    tokens.push_back(token);
  return tokens;
}

// A second evaluator, written separately from the library's stack machine (recursive descent,
// a different MED and SM), so that a shared mistake is unlikely. It also records the shape of the
// tree, to check the generator's depth and argument counts.
class ReferenceEvaluator {
 public:
  explicit ReferenceEvaluator(const std::string& text) : tokens_(split(text)) {}

  int value() {
    const int v = node(1);
    if (next_ != tokens_.size())
      throw std::runtime_error("tokens after the expression");
    return v;
  }
  int deepest() const { return deepest_; }
  int fewest_args() const { return fewest_args_; }
  int most_args() const { return most_args_; }

 private:
  int node(int depth) {
    deepest_ = std::max(deepest_, depth);
    const std::string& token = tokens_.at(next_++);
    if (token.size() == 1 && std::isdigit(static_cast<unsigned char>(token[0]))) {
      return token[0] - '0';
    }
    std::vector<int> args;
    while (tokens_.at(next_) != "]")
      args.push_back(node(depth + 1));
    ++next_;
    fewest_args_ = std::min(fewest_args_, static_cast<int>(args.size()));
    most_args_ = std::max(most_args_, static_cast<int>(args.size()));
    if (args.empty())
      throw std::runtime_error("operator without arguments");
    if (token == "[MIN") {
      int least = 9;
      for (int a : args)
        least = a < least ? a : least;
      return least;
    }
    if (token == "[MAX") {
      int most = 0;
      for (int a : args)
        most = a > most ? a : most;
      return most;
    }
    if (token == "[SM") {
      int sum = 0;
      for (int a : args)
        sum = (sum + a) % 10;
      return sum;
    }
    if (token == "[MED") {
      // Walk a count of each digit up to the middle rank(s).
      int counts[10] = {};
      for (int a : args)
        ++counts[a];
      const int n = static_cast<int>(args.size());
      auto at_rank = [&](int rank) {
        for (int digit = 0, seen = 0; digit < 10; ++digit) {
          seen += counts[digit];
          if (seen > rank)
            return digit;
        }
        return -1;
      };
      const int low = at_rank((n - 1) / 2);
      const int high = at_rank(n / 2);
      return (low + high) / 2;  // both ranks are the same digit when n is odd
    }
    throw std::runtime_error("unknown operator " + token);
  }

  std::vector<std::string> tokens_;
  size_t next_ = 0;
  int deepest_ = 0;
  int fewest_args_ = 1 << 30;
  int most_args_ = 0;
};

ListOpsOptions short_options() {
  ListOpsOptions options;
  options.min_length = 5;
  options.max_length = 40;
  options.max_depth = 4;
  return options;
}

using attnzoo::testing::message_of;

TEST(ListOps, GeneratedLabelsMatchAnIndependentEvaluator) {
  for (const auto& [options, count] :
       {std::pair{short_options(), 300}, std::pair{ListOpsOptions{}, 200}}) {
    const auto examples = generate_listops(count, options, 7);
    ASSERT_EQ(static_cast<int>(examples.size()), count);
    std::set<int> labels;
    for (const auto& example : examples) {
      ReferenceEvaluator reference(example.text);
      ASSERT_EQ(reference.value(), example.label) << example.text;
      EXPECT_EQ(evaluate_listops(example.text), example.label) << example.text;
      EXPECT_LE(reference.deepest(), options.max_depth);
      if (reference.most_args() > 0) {
        EXPECT_GE(reference.fewest_args(), 2);
        EXPECT_LE(reference.most_args(), options.max_args);
      }
      labels.insert(example.label);
    }
    EXPECT_EQ(labels.size(), 10u) << "every class should occur in a few hundred examples";
  }
}

TEST(ListOps, GeneratedTextsHaveTheSpecShape) {
  const std::set<std::string> symbols = {"[MIN", "[MAX", "[MED", "[SM", "]", "0", "1", "2",
                                         "3",    "4",    "5",    "6",   "7", "8", "9"};
  for (const auto& options : {short_options(), ListOpsOptions{}}) {
    const auto examples = generate_listops(300, options, 11);
    std::set<std::string> texts;
    for (const auto& example : examples) {
      const auto tokens = split(example.text);
      EXPECT_GE(static_cast<int64_t>(tokens.size()), options.min_length);
      EXPECT_LE(static_cast<int64_t>(tokens.size()), options.max_length);
      // Single spaces only: joining the tokens gives the text back.
      std::string joined;
      for (const auto& token : tokens)
        joined += (joined.empty() ? "" : " ") + token;
      EXPECT_EQ(joined, example.text);
      int open = 0;
      for (const auto& token : tokens) {
        EXPECT_EQ(symbols.count(token), 1u) << "unexpected token " << token;
        if (token[0] == '[')
          ++open;
        if (token == "]")
          --open;
        ASSERT_GE(open, 0) << example.text;
      }
      EXPECT_EQ(open, 0) << example.text;
      EXPECT_GE(example.label, 0);
      EXPECT_LE(example.label, 9);
      texts.insert(example.text);
    }
    EXPECT_EQ(texts.size(), examples.size()) << "expressions must be distinct";
  }
}

TEST(ListOps, GenerationIsDeterministicForASeed) {
  for (const auto& options : {short_options(), ListOpsOptions{}}) {
    const auto a = generate_listops(50, options, 42);
    const auto b = generate_listops(50, options, 42);
    const auto c = generate_listops(50, options, 43);
    ASSERT_EQ(a.size(), b.size());
    int same_as_other_seed = 0;
    for (size_t i = 0; i < a.size(); ++i) {
      EXPECT_EQ(a[i].text, b[i].text);
      EXPECT_EQ(a[i].label, b[i].label);
      same_as_other_seed += a[i].text == c[i].text;
    }
    EXPECT_LT(same_as_other_seed, 5);
  }
  EXPECT_TRUE(generate_listops(0, ListOpsOptions{}, 1).empty());
}

TEST(ListOps, GenerationRejectsImpossibleSettings) {
  auto fails = [](int64_t count, ListOpsOptions options) {
    EXPECT_THROW(generate_listops(count, options, 1), std::invalid_argument);
  };
  ListOpsOptions options;
  fails(-1, options);
  options.min_length = 50;
  options.max_length = 40;
  fails(1, options);  // empty range
  options = ListOpsOptions{};
  options.max_depth = 3;
  fails(1, options);  // no tree of depth 3 reaches 501 tokens
  options = ListOpsOptions{};
  options.max_args = 1;
  fails(1, options);
  options = ListOpsOptions{};
  options.min_length = options.max_length = 3;
  fails(1, options);  // no tree has 3 tokens: an operator takes at least 2 arguments
  options = ListOpsOptions{};
  options.max_depth = 2;
  options.min_length = options.max_length = 4;
  // 4 operators x 100 digit pairs: drawing them all needs many duplicates to be dropped.
  const auto all = generate_listops(400, options, 1);
  std::set<std::string> distinct;
  for (const auto& example : all)
    distinct.insert(example.text);
  EXPECT_EQ(all.size(), 400u);
  EXPECT_EQ(distinct.size(), 400u);
  fails(401, options);  // more than there are
  const std::string message = message_of([&] { generate_listops(401, options, 1); });
  EXPECT_NE(message.find("400 of 401"), std::string::npos) << message;
}

TEST(ListOps, HandWrittenValues) {
  EXPECT_EQ(evaluate_listops("[MAX 2 9 [MIN 4 7 ] 0 ]"), 9);
  EXPECT_EQ(evaluate_listops("7"), 7);
  EXPECT_EQ(evaluate_listops("[MIN 4 7 ]"), 4);
  EXPECT_EQ(evaluate_listops("[MED 9 1 5 ]"), 5);
  EXPECT_EQ(evaluate_listops("[MED 1 2 3 8 ]"), 2);  // (2 + 3) / 2 rounded down
  EXPECT_EQ(evaluate_listops("[MED 8 1 ]"), 4);      // 4.5 rounded down
  EXPECT_EQ(evaluate_listops("[MED 9 9 0 0 ]"), 4);
  EXPECT_EQ(evaluate_listops("[SM 5 6 7 ]"), 8);  // 18 mod 10
  EXPECT_EQ(evaluate_listops("[SM 5 5 ]"), 0);
  EXPECT_EQ(evaluate_listops("[SM [MAX 9 8 ] [MED 3 4 ] [MIN 6 [SM 9 9 ] ] ]"),
            8);  // (9 + 3 + 6) mod 10
  // The published form, with every application wrapped in parentheses.
  EXPECT_EQ(evaluate_listops("( ( ( [MIN 2 ) 3 ) ] )"), 2);
  EXPECT_EQ(evaluate_listops("( ( ( ( [MAX 2 ) 9 ) ( ( ( [MIN 4 ) 7 ) ] ) ) ] )"), 9);
  EXPECT_EQ(evaluate_listops("  [SM\t4\n4 ]  "), 8);  // any whitespace separates tokens
}

TEST(ListOps, DeepNestingNeedsNoRecursion) {
  constexpr int kDepth = 200000;
  std::string text;
  for (int i = 0; i < kDepth; ++i)
    text += "[MAX ";
  text += "6";
  for (int i = 0; i < kDepth; ++i)
    text += " ]";
  EXPECT_EQ(evaluate_listops(text), 6);
}

TEST(ListOps, MalformedTextIsRejectedWithTheTokenIndex) {
  auto error = [](const std::string& text) {
    try {
      evaluate_listops(text);
    } catch (const std::invalid_argument& e) {
      return std::string(e.what());
    }
    ADD_FAILURE() << "no error for '" << text << "'";
    return std::string();
  };
  auto has = [](const std::string& message, const std::string& part) {
    EXPECT_NE(message.find(part), std::string::npos) << message;
  };
  has(error(""), "empty");
  has(error("   "), "empty");
  has(error("( )"), "empty");
  has(error("[MAX 1 [FOO 2 ] ]"), "token 2 '[FOO': unknown token");
  has(error("[MAX 1 10 ]"), "token 2 '10'");
  has(error("[max 1 2 ]"), "token 0");
  has(error("[MAX 1 2"), "left open");
  has(error("[MAX 1 [MIN 2"), "opened at token 2");
  has(error("]"), "token 0 ']': closing bracket with no open operator");
  has(error("[MIN ]"), "token 1 ']': [MIN opened at token 0 closed with no argument");
  has(error("1 2"), "token 1 '2': trailing token");
  has(error("[MAX 1 2 ] ]"), "token 4 ']': trailing token");
  has(error("( [MIN 1 ) 2 ] 3"), "token 6 '3': trailing token");
  // Bytes that are not UTF-8 are shown escaped, and never crash.
  has(error("[MAX 1 \xff\xfe ]"), "token 2 '\\xFF\\xFE'");
  has(error(std::string("[SM 1 \0 ]", 9)), "token 2 '\\x00'");
  has(error("\xc3\x28 \x80"), "token 0");
}

// Writes files under a fresh temporary folder, removed at the end.
class ListOpsTsv : public ::testing::Test {
 protected:
  void SetUp() override {
    dir_ = std::filesystem::temp_directory_path() /
           ("attnzoo_listops_test_" + std::to_string(::getpid()));
    std::filesystem::create_directories(dir_);
  }
  void TearDown() override { std::filesystem::remove_all(dir_); }

  std::string write(const std::string& name, const std::string& contents) {
    const std::string path = (dir_ / name).string();
    std::ofstream(path, std::ios::binary) << contents;
    return path;
  }

  // The error for a malformed file must name it and the line, then say what is wrong.
  void expect_error(const std::string& name, const std::string& contents, int line,
                    const std::string& what) {
    const std::string path = write(name, contents);
    try {
      read_listops_tsv(path);
      ADD_FAILURE() << "no error for " << name;
    } catch (const std::runtime_error& e) {
      const std::string message = e.what();
      EXPECT_EQ(message.rfind(path + ":" + std::to_string(line) + ": ", 0), 0u) << message;
      EXPECT_NE(message.find(what), std::string::npos) << message;
      EXPECT_EQ(message.find('\n'), std::string::npos) << "one line: " << message;
    }
  }

  std::filesystem::path dir_;
};

TEST_F(ListOpsTsv, ReadsBothBracketForms) {
  const std::string path = write("good.tsv",
                                 "Source\tTarget\r\n"
                                 "( ( ( [MIN 2 ) 3 ) ] )\t2\r\n"
                                 "[MAX 2 9 [MIN 4 7 ] 0 ]\t9\n"
                                 "\n"
                                 "5\t 5 \n"
                                 "[SM 1 1 ]\t7\n");  // a wrong label is data, not an error
  const auto examples = read_listops_tsv(path);
  ASSERT_EQ(examples.size(), 4u);
  EXPECT_EQ(examples[0].text, "[MIN 2 3 ]");
  EXPECT_EQ(examples[0].label, 2);
  EXPECT_EQ(examples[1].text, "[MAX 2 9 [MIN 4 7 ] 0 ]");
  EXPECT_EQ(examples[1].label, 9);
  EXPECT_EQ(examples[2].text, "5");
  EXPECT_EQ(examples[2].label, 5);
  EXPECT_EQ(examples[3].text, "[SM 1 1 ]");
  EXPECT_EQ(examples[3].label, 7);
  EXPECT_TRUE(read_listops_tsv(write("header_only.tsv", "Source\tTarget\n")).empty());
}

TEST_F(ListOpsTsv, GeneratedExamplesSurviveTheReader) {
  const auto generated = generate_listops(20, short_options(), 3);
  std::string contents = "Source\tTarget\n";
  for (const auto& example : generated) {
    contents += example.text + "\t" + std::to_string(example.label) + "\n";
  }
  const auto read = read_listops_tsv(write("generated.tsv", contents));
  ASSERT_EQ(read.size(), generated.size());
  for (size_t i = 0; i < read.size(); ++i) {
    EXPECT_EQ(read[i].text, generated[i].text);
    EXPECT_EQ(read[i].label, generated[i].label);
  }
}

TEST_F(ListOpsTsv, MalformedFilesNameTheFileAndLine) {
  const std::string header = "Source\tTarget\n";
  expect_error("empty.tsv", "", 1, "empty file");
  expect_error("header.tsv", "Source,Target\n[MIN 1 2 ]\t1\n", 1, "expected 'Source<TAB>Target'");
  expect_error("no_tab.tsv", header + "[MIN 1 2 ]\t1\n[MIN 1 2 ] 1\n", 3, "no tab");
  expect_error("two_tabs.tsv", header + "[MIN 1 2 ]\t1\t1\n", 2, "more than one tab");
  expect_error("label_big.tsv", header + "[MIN 1 2 ]\t12\n", 2, "label '12'");
  expect_error("label_neg.tsv", header + "[MIN 1 2 ]\t-1\n", 2, "0 to 9");
  expect_error("label_text.tsv", header + "[MIN 1 2 ]\tone\n", 2, "label 'one'");
  expect_error("label_empty.tsv", header + "[MIN 1 2 ]\t\n", 2, "expected an integer");
  expect_error("unbalanced.tsv", header + "1\t1\n( ( [MIN 1 ) 2 )\t1\n", 3, "left open");
  expect_error("unknown.tsv", header + "[MIN 1 [AVG 2 ] ]\t1\n", 2, "token 2 '[AVG'");
  expect_error("empty_source.tsv", header + "\t1\n", 2, "empty expression");
  expect_error("not_utf8.tsv", header + "[MIN 1 \xff ]\t1\n", 2, "invalid UTF-8 at byte 8");
  expect_error("not_utf8_label.tsv", header + "[MIN 1 2 ]\t\xc3\x28\n", 2,
               "invalid UTF-8 at byte 12 ('\\xC3('");

  const std::string missing = (dir_ / "missing.tsv").string();
  const std::string message = message_of([&] { read_listops_tsv(missing); });
  EXPECT_EQ(message.rfind(missing + ": no such file", 0), 0u) << message;
  EXPECT_THROW(read_listops_tsv(dir_.string()), std::runtime_error);
}

}  // namespace
}  // namespace attnzoo
