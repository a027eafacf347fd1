#pragma once
// Classes for words a vocabulary does not know. A tagger that maps every unseen word to one <unk>
// token loses what the word's form says: "Rebuilding" is probably a verb form, "1984" a number,
// "Hjalmar" a proper noun. Such a word maps instead to a class token named by its shape and
// the longest suffix the training split's rare words share often enough, e.g. "<unk:Xx:ing>" (the
// suffix tries of classic part-of-speech taggers such as TnT, without a fixed list of English
// endings, so that other languages and domains get their own).

#include <cstddef>
#include <cstdint>
#include <string>
#include <utility>
#include <vector>

#include "datasets/vocabulary.h"

namespace attnzoo {

/// The longest suffix a class names, in characters.
constexpr size_t kMaxSuffix = 6;

/// The class tokens that may stand for `word`, most specific first: "<unk:" SHAPE ":" SUFFIX ">"
/// for each suffix of the lower-cased word from kMaxSuffix characters down to one (for words of
/// letters, leaving at least two characters before the suffix), then "<unk:" SHAPE ">". SHAPE is
///   X   all letters upper case (two, or one with digits)   Xx  starts upper case
///   x   starts with a lower-case letter   9   digits (with . , : - / allowed)
///   p   ASCII punctuation only            u   anything else (non-ASCII, symbols)
/// followed by "-" when the word holds a hyphen and "9" when (a word of letters) holds a digit.
/// Which of them exist is learned from the training split (build_word_classes), so that the
/// endings that mark a part of speech in the data's language are the ones kept.
std::vector<std::string> word_class_candidates(const std::string& word);

/// The id of the first of word_class_candidates(word) that `vocabulary` holds, or
/// Vocabulary::kUnknown when it holds none.
int64_t word_class_id(const Vocabulary& vocabulary, const std::string& word);

/// A suffix class is kept when at least this many different rare words of the training split
/// end with it: fewer make an embedding learned from one or two words, which says no more than
/// the word would. The shape classes are kept for any one word.
constexpr int64_t kMinWordsPerSuffixClass = 5;

/// The class tokens of the rare words of a training split (word -> occurrences, each word rarer
/// than the vocabulary's min_frequency), each with the occurrences of the rare words it covers.
std::vector<std::pair<std::string, int64_t>> build_word_classes(
    const std::vector<std::pair<std::string, int64_t>>& rare_words);

/// Whether `token` is a class token (one of word_class_candidates).
bool is_unknown_word_class(const std::string& token);

/// For each id of `vocabulary`, the id of its word's class token (word_class_id), or 0 where
/// there is none: the padding and unknown tokens, class tokens themselves, and words none of
/// whose classes the vocabulary holds.
std::vector<int64_t> word_class_ids(const Vocabulary& vocabulary);

}  // namespace attnzoo
