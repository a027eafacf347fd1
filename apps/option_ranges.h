#pragma once
// The range of every numeric option, checked in one place after parsing, so that a zero, a
// negative or a NaN never reaches the code that would divide by it, loop on it or allocate it.

#include <string>

#include <boost/program_options.hpp>

namespace attnzoo::cli {

namespace po = boost::program_options;

/// Throws UsageError "--NAME is V (expected ...)" for the first numeric option of `command` out
/// of its range: not finite, below its minimum (0 unless the table says otherwise) or above its
/// maximum.
void check_option_ranges(const std::string& command, const po::variables_map& vm);

}  // namespace attnzoo::cli
