#include "core/manpage/manpage.hpp"

#include <cctype>

namespace meshctl::manpage {

namespace {

std::vector<std::string_view> split_lines(std::string_view text) {
    std::vector<std::string_view> lines;
    while (!text.empty()) {
        auto nl = text.find('\n');
        lines.push_back(text.substr(0, nl));
        if (nl == std::string_view::npos) break;
        text.remove_prefix(nl + 1);
    }
    return lines;
}

bool is_fence(std::string_view line) {
    auto start = line.find_first_not_of(" \t");
    return start != std::string_view::npos && line.substr(start).rfind("```", 0) == 0;
}

// Blank lines around a body carry no meaning in scdoc; the generator places its own.
std::string trimmed_block(const std::vector<std::string_view>& lines) {
    size_t first = 0, last = lines.size();
    auto blank = [](std::string_view l) { return l.find_first_not_of(" \t") == std::string_view::npos; };
    while (first < last && blank(lines[first])) ++first;
    while (last > first && blank(lines[last - 1])) --last;
    std::string out;
    for (size_t i = first; i < last; ++i) out.append(lines[i]).push_back('\n');
    if (!out.empty()) out.pop_back();
    return out;
}

}  // namespace

const Section* Prose::find(std::string_view heading) const {
    for (const auto& s : sections)
        if (s.heading == heading) return &s;
    return nullptr;
}

Prose parse_prose(std::string_view scdoc) {
    Prose prose;
    std::vector<std::string_view> body;
    bool in_fence = false, have_section = false;
    auto close = [&] {
        if (have_section) prose.sections.back().body = trimmed_block(body);
        body.clear();
    };
    for (auto line : split_lines(scdoc)) {
        if (is_fence(line)) in_fence = !in_fence;
        if (!in_fence && line.rfind("# ", 0) == 0) {
            close();
            prose.sections.push_back({std::string(line.substr(2)), {}});
            have_section = true;
            continue;
        }
        if (have_section) body.push_back(line);
    }
    close();
    return prose;
}

std::vector<Entry> parse_entries(std::string_view body, std::string* lead) {
    std::vector<Entry> entries;
    std::vector<std::string_view> lead_lines, entry_lines;
    bool in_fence = false;
    auto close = [&] {
        if (!entries.empty()) entries.back().body = trimmed_block(entry_lines);
        entry_lines.clear();
    };
    for (auto line : split_lines(body)) {
        if (is_fence(line)) in_fence = !in_fence;
        if (!in_fence && line.rfind("*", 0) == 0) {
            close();
            entries.push_back({std::string(line), {}});
            continue;
        }
        (entries.empty() ? lead_lines : entry_lines).push_back(line);
    }
    close();
    if (lead) *lead = trimmed_block(lead_lines);
    return entries;
}

std::string entry_command(const Entry& e) {
    if (e.header.empty() || e.header[0] != '*') return {};
    auto end = e.header.find('*', 1);
    return end == std::string::npos ? std::string{} : e.header.substr(1, end - 1);
}

std::vector<std::string> entry_flags(const Entry& e) {
    std::vector<std::string> flags;
    const std::string& h = e.header;
    for (size_t i = 0; i < h.size(); ++i) {
        if (h[i] != '-' || (i > 0 && std::string_view("* ,[|(").find(h[i - 1]) == std::string_view::npos)) continue;
        size_t j = i;
        while (j < h.size() && (std::isalnum(static_cast<unsigned char>(h[j])) || h[j] == '-')) ++j;
        std::string flag = h.substr(i, j - i);
        if (flag.size() >= 2 && flag != "--" && std::isalnum(static_cast<unsigned char>(flag.back()))) flags.push_back(flag);
        i = j;
    }
    return flags;
}

std::string escape(std::string_view text) {
    std::string out;
    for (char c : text) {
        if (c == '\\' || c == '*' || c == '_') out.push_back('\\');
        out.push_back(c);
    }
    return out;
}

}  // namespace meshctl::manpage
