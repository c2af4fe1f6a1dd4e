#include "core/expr/json_scan.hpp"

#include "core/expr/json_bridge.hpp"
#include "core/expr/lexer.hpp"
#include "core/expr/value_access.hpp"

#include <charconv>
#include <cmath>
#include <cstdlib>
#include <cstring>
#include <limits>

#if defined(__SSE2__)
#include <emmintrin.h>
#endif

namespace meshctl::expr::detail {

bool plain_text(std::string_view text) {
    const auto* p = reinterpret_cast<const unsigned char*>(text.data());
    const std::size_t n = text.size();
    bool ascii = true;
#if defined(__SSE2__)
    // Signed compare: bytes of 0x80 and above are negative, so one test finds both control
    // characters and non-ASCII bytes. 64 bytes per test; the last 16 bytes overlap.
    const __m128i limit = _mm_set1_epi8(0x20);
    auto low = [&](std::size_t at) { return _mm_cmplt_epi8(_mm_loadu_si128(reinterpret_cast<const __m128i*>(p + at)), limit); };
    std::size_t i = 0;
    for (; ascii && i + 64 <= n; i += 64)
        ascii = _mm_movemask_epi8(_mm_or_si128(_mm_or_si128(low(i), low(i + 16)), _mm_or_si128(low(i + 32), low(i + 48)))) == 0;
    for (; ascii && i + 16 <= n; i += 16) ascii = _mm_movemask_epi8(low(i)) == 0;
    if (ascii && i < n) {
        if (n >= 16) ascii = _mm_movemask_epi8(low(n - 16)) == 0;
        else
            for (; ascii && i < n; ++i) ascii = p[i] >= 0x20 && p[i] < 0x80;
    }
#else
    for (std::size_t i = 0; ascii && i < n; ++i) ascii = p[i] >= 0x20 && p[i] < 0x80;
#endif
    if (ascii) return true;
    for (std::size_t j = 0; j < n; ++j)
        if (p[j] < 0x20) return false;
    return simdjson::validate_utf8(text.data(), n);
}

bool scannable_object(std::string_view text) {
    // plain_text reads the text from its start, so the last bytes are in cache after it.
    if (!plain_text(text)) return false;
    std::size_t last = text.find_last_not_of(' ');
    return last != std::string_view::npos && text[last] == '}';
}

bool may_be_json(std::string_view text) {
    std::size_t i = text.find_first_not_of(" \t\n\r");
    if (i == std::string_view::npos) return false;
    char c = text[i];
    return c == '{' || c == '[' || c == '"' || c == '-' || (c >= '0' && c <= '9') || c == 't' || c == 'f' || c == 'n';
}

std::string& StringSlots::next() {
    if (used == slots.size()) slots.emplace_back();
    return slots[used++];
}

namespace {

bool delimiter(char c) { return c == ',' || c == '}' || c == ']' || c == ' ' || c == '\t' || c == '\n' || c == '\r'; }

struct Cursor {
    const char* p;
    const char* end;

    void ws() {
        const char* q = p;
        while (q < end && (*q == ' ' || *q == '\t' || *q == '\n' || *q == '\r')) ++q;
        p = q;
    }
    bool at(char c) const { return p < end && *p == c; }
    bool eat(char c) {
        ws();
        if (!at(c)) return false;
        ++p;
        return true;
    }
    // At a '"': the raw contents up to the closing quote, and p just past it. `escaped` tells
    // whether the contents hold a backslash (and so need unescaping).
    bool string(std::string_view& raw, bool& escaped) {
        if (!at('"')) return false;
        const char* s = ++p;
        // Strings here are short (keys, ids): 16 bytes at a time where the text has them,
        // else an inline loop (memchr's call costs more than these strings). A local pointer,
        // so that the loop does not store the cursor at every byte.
        const char* q = s;
        const char* e = end;
#if defined(__SSE2__)
        const __m128i quote = _mm_set1_epi8('"'), backslash = _mm_set1_epi8('\\');
        while (e - q >= 16) {
            __m128i x = _mm_loadu_si128(reinterpret_cast<const __m128i*>(q));
            int hits = _mm_movemask_epi8(_mm_or_si128(_mm_cmpeq_epi8(x, quote), _mm_cmpeq_epi8(x, backslash)));
            if (hits) {
                q += __builtin_ctz(static_cast<unsigned>(hits));
                break;
            }
            q += 16;
        }
#endif
        while (q < e && *q != '"' && *q != '\\') ++q;
        p = q;
        escaped = q < e && *q == '\\';
        if (!escaped) {
            if (q == e) return false;
            raw = {s, static_cast<std::size_t>(q - s)};
            p = q + 1;
            return true;
        }
        while (p < end) {
            if (*p == '"') {
                raw = {s, static_cast<std::size_t>(p - s)};
                ++p;
                return true;
            }
            if (*p == '\\') {
                if (end - p < 2) return false;
                p += 2;
            } else {
                ++p;
            }
        }
        return false;
    }
    // Past one value of any kind. Inside containers only strings and the nesting of brackets
    // are followed; in text that simdjson parsed, that is exact.
    bool skip() {
        ws();
        if (p >= end) return false;
        std::string_view raw;
        bool escaped = false;
        if (*p == '"') return string(raw, escaped);
        if (*p == '{' || *p == '[') {
            int depth = 0;
            while (p < end) {
                char c = *p;
                if (c == '"') {
                    if (!string(raw, escaped)) return false;
                    continue;
                }
                if (c == '{' || c == '[') {
                    ++depth;
                } else if (c == '}' || c == ']') {
                    if (--depth == 0) {
                        ++p;
                        return true;
                    }
                }
                ++p;
            }
            return false;
        }
        const char* s = p;
        const char* q = p;
        while (q < end && !delimiter(*q)) ++q;
        p = q;
        return q > s;
    }
};

std::size_t hex4(std::string_view s, std::size_t i) {  // the 4 hex digits at i, or npos
    if (i + 4 > s.size()) return std::string_view::npos;
    std::size_t v = 0;
    for (std::size_t k = i; k < i + 4; ++k) {
        int d = hex_value(s[k]);
        if (d < 0) return std::string_view::npos;
        v = v * 16 + static_cast<std::size_t>(d);
    }
    return v;
}

// JSON string contents to their text; false for anything but the plain escapes and
// well-formed \u escapes (surrogates in pairs), which the caller leaves to simdjson.
bool unescape(std::string_view raw, std::string& out) {
    out.clear();
    std::size_t i = 0;
    while (i < raw.size()) {
        std::size_t b = raw.find('\\', i);
        if (b == std::string_view::npos) b = raw.size();
        out.append(raw.data() + i, b - i);
        i = b;
        if (i == raw.size()) break;
        if (i + 1 >= raw.size()) return false;
        char e = raw[i + 1];
        i += 2;
        switch (e) {
        case '"': out += '"'; break;
        case '\\': out += '\\'; break;
        case '/': out += '/'; break;
        case 'b': out += '\b'; break;
        case 'f': out += '\f'; break;
        case 'n': out += '\n'; break;
        case 'r': out += '\r'; break;
        case 't': out += '\t'; break;
        case 'u': {
            std::size_t cp = hex4(raw, i);
            if (cp == std::string_view::npos) return false;
            i += 4;
            if (cp >= 0xDC00 && cp <= 0xDFFF) return false;
            if (cp >= 0xD800 && cp <= 0xDBFF) {
                if (i + 2 > raw.size() || raw[i] != '\\' || raw[i + 1] != 'u') return false;
                std::size_t lo = hex4(raw, i + 2);
                if (lo == std::string_view::npos || lo < 0xDC00 || lo > 0xDFFF) return false;
                i += 6;
                cp = 0x10000 + ((cp - 0xD800) << 10) + (lo - 0xDC00);
            }
            append_utf8(out, static_cast<std::uint32_t>(cp));
            break;
        }
        default: return false;
        }
    }
    return true;
}

bool digit(char c) { return c >= '0' && c <= '9'; }

// A JSON number as simdjson decodes it: integers as int64 when they fit, else uint64,
// anything with a fraction or exponent as the nearest double. nullopt for text that is not
// a JSON number or that simdjson rejects (integers beyond uint64, doubles beyond range).
std::optional<Value> number(std::string_view t) {
    std::size_t i = 0, n = t.size();
    bool negative = i < n && t[i] == '-';
    if (negative) ++i;
    if (i >= n) return std::nullopt;
    std::size_t int_begin = i;
    if (t[i] == '0') {
        ++i;
    } else if (digit(t[i])) {
        while (i < n && digit(t[i])) ++i;
    } else {
        return std::nullopt;
    }
    std::size_t int_end = i;
    bool fractional = false;
    if (i < n && t[i] == '.') {
        std::size_t s = ++i;
        while (i < n && digit(t[i])) ++i;
        if (i == s) return std::nullopt;
        fractional = true;
    }
    if (i < n && (t[i] == 'e' || t[i] == 'E')) {
        ++i;
        if (i < n && (t[i] == '+' || t[i] == '-')) ++i;
        std::size_t s = i;
        while (i < n && digit(t[i])) ++i;
        if (i == s) return std::nullopt;
        fractional = true;
    }
    if (i != n) return std::nullopt;
    if (!fractional) {
        if (int_end - int_begin > 20) return std::nullopt;
        std::uint64_t m = 0;
        for (std::size_t k = int_begin; k < int_end; ++k) {
            auto d = static_cast<std::uint64_t>(t[k] - '0');
            if (m > (std::numeric_limits<std::uint64_t>::max() - d) / 10) return std::nullopt;
            m = m * 10 + d;
        }
        constexpr auto int_max = static_cast<std::uint64_t>(std::numeric_limits<std::int64_t>::max());
        if (negative) {
            if (m > int_max + 1) return std::nullopt;
            auto v = m == int_max + 1 ? std::numeric_limits<std::int64_t>::min() : -static_cast<std::int64_t>(m);
            return ValueAccess::mark_json_number(Value::int64(v));
        }
        if (m <= int_max) return ValueAccess::mark_json_number(Value::int64(static_cast<std::int64_t>(m)));
        return ValueAccess::mark_json_number(Value::uint64(m));
    }
    double d = 0;
    auto r = std::from_chars(t.data(), t.data() + n, d);
    if (r.ec == std::errc::result_out_of_range) {
        std::string copy(t);  // underflow is 0 or a subnormal to simdjson, as to strtod
        d = std::strtod(copy.c_str(), nullptr);
    } else if (r.ec != std::errc() || r.ptr != t.data() + n) {
        return std::nullopt;
    }
    if (std::isinf(d)) return std::nullopt;
    return ValueAccess::mark_json_number(Value::double_(d));
}

// What simdjson makes of one scalar token of text it already accepted (the rare tokens the
// scan does not decode itself), owning its string.
Value dom_scalar(std::string_view token) {
    static thread_local JsonDecoder decoder;
    simdjson::dom::element e;
    if (!decoder.decode(token, e)) return Value();
    Value v = from_element(e);
    return v.kind() == Kind::string ? Value::string(std::string(v.as_string())) : v;
}

enum class Trust { unchecked, parsed };

// The scalar at the cursor (after whitespace). Unchecked text: nullopt for containers and for
// anything the DOM must judge. Parsed text: containers become text-backed Values.
std::optional<Value> scalar(Cursor& c, Trust trust, StringSlots* slots) {
    c.ws();
    if (c.p >= c.end) return std::nullopt;
    const char* start = c.p;
    char first = *c.p;
    if (first == '{' || first == '[') {
        if (trust == Trust::unchecked || !c.skip()) return std::nullopt;
        return ValueAccess::make_text(first == '{' ? Kind::map : Kind::list,
                                      std::string_view(start, static_cast<std::size_t>(c.p - start)));
    }
    // Where the value's text ends, unchecked text must go on with the next member or the
    // object's end. That is checked before the Value is built, which is then built in place.
    auto ends_member = [&] {
        if (trust == Trust::parsed) return true;
        c.ws();
        return c.at(',') || c.at('}');
    };
    if (first == '"') {
        std::string_view raw;
        bool escaped = false;
        if (!c.string(raw, escaped)) return std::nullopt;
        const char* after = c.p;
        if (!ends_member()) return std::nullopt;
        if (!escaped) return Value::string_view(raw);
        if (slots) {
            std::string& s = slots->next();
            if (!unescape(raw, s)) return std::nullopt;
            return Value::string_view(s);
        }
        std::string s;
        if (unescape(raw, s)) return Value::string(std::move(s));
        return dom_scalar(std::string_view(start, static_cast<std::size_t>(after - start)));
    }
    const char* q = c.p;
    while (q < c.end && !delimiter(*q)) ++q;
    c.p = q;
    std::string_view token(start, static_cast<std::size_t>(q - start));
    if (!ends_member()) return std::nullopt;
    if (token == "true") return Value::boolean(true);
    if (token == "false") return Value::boolean(false);
    if (token == "null") return Value();
    if (auto v = number(token)) return v;
    if (trust == Trust::parsed) return dom_scalar(token);
    return std::nullopt;
}

// Text-backed containers: their text, and a cursor just inside the opening bracket.
std::string_view text_of(const Value& v) { return ValueAccess::text(v); }
Cursor inside(const Value& v) {
    std::string_view t = text_of(v);
    return Cursor{t.data() + 1, t.data() + t.size()};
}

// Calls member(key, cursor at the value) for each member of the text-backed object `v`, until
// it returns false. `member` must move the cursor past the value (scalar() or skip()).
template <class F>
void members(const Value& v, F&& member) {
    Cursor c = inside(v);
    if (c.eat('}')) return;
    std::string unescaped;
    do {
        c.ws();
        std::string_view raw;
        bool escaped = false;
        if (!c.string(raw, escaped) || !c.eat(':')) return;
        Value key = Value::string_view(raw);
        if (escaped) key = unescape(raw, unescaped) ? Value::string(unescaped) : dom_scalar({raw.data() - 1, raw.size() + 2});
        if (!member(key, c)) return;
    } while (c.eat(','));
}

template <class F>
void elements(const Value& v, F&& element) {
    Cursor c = inside(v);
    if (c.eat(']')) return;
    do {
        if (!element(c)) return;
    } while (c.eat(','));
}

Value element_at(Cursor& c) {
    auto v = scalar(c, Trust::parsed, nullptr);
    return v ? *v : Value();
}

}  // namespace

std::optional<Value> scan_path(std::string_view text, const std::vector<std::string>& fields, StringSlots& slots) {
    Cursor c{text.data(), text.data() + text.size()};
    for (const std::string& field : fields) {
        if (!c.eat('{') || c.eat('}')) return std::nullopt;  // not an object, or no such field
        for (;;) {
            c.ws();
            std::string_view key;
            bool escaped = false;
            if (!c.string(key, escaped) || escaped || !c.eat(':')) return std::nullopt;
            if (same_text(key, field)) break;
            if (!c.skip() || !c.eat(',')) return std::nullopt;  // malformed, or the object ended without it
        }
    }
    return scalar(c, Trust::unchecked, &slots);
}

Value text_value(std::string_view text) {
    Cursor c{text.data(), text.data() + text.size()};
    c.ws();
    if (c.at('{') || c.at('[')) {  // the document ends with this container: no need to find its end
        std::size_t last = text.find_last_not_of(" \t\n\r");
        return ValueAccess::make_text(*c.p == '{' ? Kind::map : Kind::list,
                                      std::string_view(c.p, static_cast<std::size_t>(text.data() + last + 1 - c.p)));
    }
    return element_at(c);
}

std::size_t text_size(const Value& v) {
    std::size_t n = 0;
    if (v.kind() == Kind::map) {
        members(v, [&](const Value&, Cursor& c) { return ++n, c.skip(); });
    } else {
        elements(v, [&](Cursor& c) { return ++n, c.skip(); });
    }
    return n;
}

Value text_at(const Value& v, std::size_t i) {
    std::optional<Value> found;
    std::size_t k = 0;
    elements(v, [&](Cursor& c) {
        if (k++ == i) {
            found = element_at(c);
            return false;
        }
        return c.skip();
    });
    if (!found) return Value::error("invalid_argument: index " + std::to_string(i) + " out of range");
    return *found;
}

std::vector<Value> text_items(const Value& v) {
    std::vector<Value> out;
    elements(v, [&](Cursor& c) {
        out.push_back(element_at(c));
        return true;
    });
    return out;
}

ValueEntries text_entries(const Value& v) {
    ValueEntries out;
    members(v, [&](const Value& key, Cursor& c) {
        out.emplace_back(key, element_at(c));
        return true;
    });
    return out;
}

std::optional<Value> text_find(const Value& v, std::string_view key) {
    std::optional<Value> found;
    members(v, [&](const Value& k, Cursor& c) {
        if (same_text(k.as_string(), key)) {
            found = element_at(c);
            return false;
        }
        return c.skip();
    });
    return found;
}

}  // namespace meshctl::expr::detail
