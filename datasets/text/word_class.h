#pragma once
// Classes for words a vocabulary does not know. A tagger that maps every unseen word to one <unk>
// token loses what the word's form says: "Rebuilding" is probably a verb form, "1984" a number,
// "Hjalmar" a proper noun. Such a word maps instead to a class token named by its shape and
// suffix, e.g. "<unk:Xx:ing>", learned from the rare words of the training split (the unknown-word
// signatures of classic part-of-speech taggers and parsers).

#include <cstdint>
#include <string>
#include <vector>

#include "datasets/vocabulary.h"

namespace attnzoo {

/// The class token of `word`: "<unk:" SHAPE [":" SUFFIX] ">", where SHAPE is one of
///   X   all letters upper case (two, or one with digits)   Xx  starts upper case
///   x   starts with a lower-case letter   9   digits (with . , : - / allowed)
///   p   ASCII punctuation only            u   anything else (non-ASCII, symbols)
/// followed by "-" when the word holds a hyphen and "9" when (a word of letters) holds a digit,
/// and SUFFIX is the longest English suffix from a fixed list that ends the lower-cased word,
/// for words of letters with at least two more letters before it.
std::string unknown_word_class(const std::string& word);

/// Whether `token` is a class token made by unknown_word_class.
bool is_unknown_word_class(const std::string& token);

/// For each id of `vocabulary`, the id of its word's class token, or 0 where there is none: the
/// padding and unknown tokens, class tokens themselves, and words whose class is not in the
/// vocabulary.
std::vector<int64_t> word_class_ids(const Vocabulary& vocabulary);

}  // namespace attnzoo
