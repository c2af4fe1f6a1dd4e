// Small string helpers shared across core: suggestions, splitting, trimming.
#pragma once

#include <string>
#include <string_view>
#include <vector>

namespace meshctl::util {

/// Levenshtein edit distance between two strings (bytes).
std::size_t edit_distance(std::string_view a, std::string_view b);

/// The candidates closest to `word` (edit distance at most a third of its length, at
/// least 2), best first, at most `limit`. Used for "did you mean" hints.
std::vector<std::string> nearest(std::string_view word, const std::vector<std::string>& candidates,
                                 std::size_t limit = 3);

/// ` (did you mean "x"?)` or an empty string when nothing is close.
std::string did_you_mean(std::string_view word, const std::vector<std::string>& candidates);

/// Splits on a delimiter; keeps empty fields.
std::vector<std::string> split(std::string_view s, char delim);

/// Strips ASCII white space on both sides.
std::string_view trim(std::string_view s);

/// Lower-cases ASCII letters.
std::string lower(std::string_view s);

/// Parses a whole decimal int64; false when `s` is not entirely a number in range.
bool parse_int64(std::string_view s, long long& out);

}  // namespace meshctl::util
