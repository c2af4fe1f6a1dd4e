// Aligned text tables that fit the terminal: the widest column is truncated with "…".
#pragma once

#include "core/output/emit.hpp"

#include <ostream>
#include <string>
#include <vector>

namespace meshctl::output {

/// A table of strings with a header row.
class Table {
public:
    /// Creates a table with these column titles (printed upper-case, kubectl style).
    explicit Table(std::vector<std::string> headers);
    /// Appends a row; missing cells are blank.
    void add_row(std::vector<std::string> cells);
    /// Marks a column as right-aligned (numbers).
    void align_right(std::size_t column);
    /// True when no row was added.
    bool empty() const { return rows_.empty(); }
    /// Writes the table, shrinking the widest columns to fit style.width.
    void render(std::ostream& out, const TextStyle& style) const;

private:
    std::vector<std::string> headers_;
    std::vector<std::vector<std::string>> rows_;
    std::vector<bool> right_;
};

/// Display width of UTF-8 text (code points; ANSI escapes excluded).
std::size_t display_width(const std::string& s);

/// Formats a count with thousands separators: 1234567 -> "1,234,567".
std::string thousands(long long n);

}  // namespace meshctl::output
