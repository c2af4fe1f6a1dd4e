#include "core/util/json_text.hpp"

#include <simdjson.h>

#include <cstdio>
#include <cstring>
#include <string>

namespace meshctl::util {

void append_json_string(std::string_view s, std::string& out) {
    out += '"';
    std::size_t i = 0;
    while (i < s.size()) {
        // The run of ASCII bytes that need no escape goes in one append.
        std::size_t run = i;
        while (run < s.size() && static_cast<unsigned char>(s[run]) >= 0x20 && static_cast<unsigned char>(s[run]) < 0x80 &&
               s[run] != '"' && s[run] != '\\')
            ++run;
        out.append(s.data() + i, run - i);
        i = run;
        if (i == s.size()) break;
        unsigned char c = static_cast<unsigned char>(s[i]);
        if (c == '"' || c == '\\') {
            out += '\\';
            out += static_cast<char>(c);
            ++i;
        } else if (c < 0x20) {
            char buf[8];
            switch (c) {
                case '\n': out += "\\n"; break;
                case '\t': out += "\\t"; break;
                case '\r': out += "\\r"; break;
                default: std::snprintf(buf, sizeof buf, "\\u%04x", c); out += buf;
            }
            ++i;
        } else if (c < 0x80) {
            out += static_cast<char>(c);
            ++i;
        } else {
            // Copy a well-formed UTF-8 sequence; escape a stray byte so the output stays valid JSON.
            int len = (c & 0xE0) == 0xC0 ? 2 : (c & 0xF0) == 0xE0 ? 3 : (c & 0xF8) == 0xF0 ? 4 : 0;
            bool ok = len > 0 && i + static_cast<std::size_t>(len) <= s.size();
            for (int k = 1; ok && k < len; ++k) ok = (static_cast<unsigned char>(s[i + k]) & 0xC0) == 0x80;
            if (ok) {
                out.append(s.data() + i, static_cast<std::size_t>(len));
                i += static_cast<std::size_t>(len);
            } else {
                char buf[8];
                std::snprintf(buf, sizeof buf, "\\u%04x", c);
                out += buf;
                ++i;
            }
        }
    }
    out += '"';
}

bool is_json(std::string_view s) {
    if (s.empty()) return false;
    // One parser and one padded buffer per thread: no allocation per record.
    static thread_local simdjson::dom::parser parser;
    static thread_local std::string padded;
    if (padded.size() < s.size() + simdjson::SIMDJSON_PADDING) padded.resize(s.size() + simdjson::SIMDJSON_PADDING);
    std::memcpy(padded.data(), s.data(), s.size());
    return parser.parse(padded.data(), s.size(), false).error() == simdjson::SUCCESS;
}

}  // namespace meshctl::util
