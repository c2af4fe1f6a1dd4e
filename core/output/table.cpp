#include "core/output/table.hpp"

#include <algorithm>
#include <numeric>

namespace meshctl::output {

std::size_t display_width(const std::string& s) {
    std::size_t w = 0;
    for (std::size_t i = 0; i < s.size(); ++i) {
        unsigned char c = static_cast<unsigned char>(s[i]);
        if (c == 0x1b) {  // skip an ANSI escape sequence
            while (i < s.size() && s[i] != 'm') ++i;
            continue;
        }
        if ((c & 0xC0) != 0x80) ++w;
    }
    return w;
}

namespace {

std::string truncate(const std::string& s, std::size_t width) {
    if (display_width(s) <= width) return s;
    if (width == 0) return {};
    std::string out;
    std::size_t w = 0;
    for (std::size_t i = 0; i < s.size(); ++i) {
        unsigned char c = static_cast<unsigned char>(s[i]);
        if ((c & 0xC0) != 0x80) {
            if (w + 1 >= width) break;
            ++w;
        }
        out += s[i];
    }
    return out + "…";
}

}  // namespace

Table::Table(std::vector<std::string> headers) : headers_(std::move(headers)), right_(headers_.size(), false) {}

void Table::add_row(std::vector<std::string> cells) {
    cells.resize(headers_.size());
    rows_.push_back(std::move(cells));
}

void Table::align_right(std::size_t column) {
    if (column < right_.size()) right_[column] = true;
}

void Table::render(std::ostream& out, const TextStyle& style) const {
    const std::size_t n = headers_.size();
    std::vector<std::size_t> widths(n, 0);
    for (std::size_t c = 0; c < n; ++c) {
        widths[c] = headers_[c].size();
        for (const auto& r : rows_) widths[c] = std::max(widths[c], display_width(r[c]));
    }
    const std::size_t gap = 2;
    std::size_t total = std::accumulate(widths.begin(), widths.end(), std::size_t{0}) + gap * (n ? n - 1 : 0);
    std::size_t limit = style.width > 20 ? static_cast<std::size_t>(style.width) : 20;
    // Shrink the widest column one step at a time until the table fits (never below 8).
    while (total > limit) {
        auto it = std::max_element(widths.begin(), widths.end());
        if (*it <= 8) break;
        --*it;
        --total;
    }
    auto line = [&](const std::vector<std::string>& cells, bool header) {
        std::string text;
        for (std::size_t c = 0; c < n; ++c) {
            std::string cell = truncate(header ? cells[c] : cells[c], widths[c]);
            std::size_t pad = widths[c] - std::min(widths[c], display_width(cell));
            bool last = c + 1 == n;
            if (right_[c]) text += std::string(pad, ' ') + cell;
            else text += cell + (last ? "" : std::string(pad, ' '));
            if (!last) text += std::string(gap, ' ');
        }
        while (!text.empty() && text.back() == ' ') text.pop_back();
        out << (header ? bold(text, style) : text) << "\n";
    };
    std::vector<std::string> upper;
    for (const auto& h : headers_) {
        std::string u = h;
        std::transform(u.begin(), u.end(), u.begin(), [](unsigned char ch) { return static_cast<char>(std::toupper(ch)); });
        upper.push_back(u);
    }
    line(upper, true);
    for (const auto& r : rows_) line(r, false);
}

std::string thousands(long long n) {
    std::string digits = std::to_string(n < 0 ? -n : n);
    std::string out;
    int count = 0;
    for (auto it = digits.rbegin(); it != digits.rend(); ++it) {
        if (count && count % 3 == 0) out.insert(out.begin(), ',');
        out.insert(out.begin(), *it);
        ++count;
    }
    return n < 0 ? "-" + out : out;
}

}  // namespace meshctl::output
