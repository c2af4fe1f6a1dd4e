#include "core/expr/value.hpp"

#include "core/expr/value_access.hpp"

#include <charconv>
#include <cmath>
#include <cstdio>

namespace meshctl::expr {

using detail::ValueAccess;

std::string_view kind_name(Kind kind) {
    switch (kind) {
    case Kind::null: return "null_type";
    case Kind::boolean: return "bool";
    case Kind::int64: return "int";
    case Kind::uint64: return "uint";
    case Kind::double_: return "double";
    case Kind::string: return "string";
    case Kind::bytes: return "bytes";
    case Kind::list: return "list";
    case Kind::map: return "map";
    case Kind::timestamp: return "google.protobuf.Timestamp";
    case Kind::duration: return "google.protobuf.Duration";
    case Kind::type: return "type";
    case Kind::error: return "error";
    }
    return "unknown";
}


// The owning factories borrow from their own heap block, so every accessor reads the one
// Span whether the bytes are owned or not.
Value Value::string(std::string s) {
    auto heap = std::make_shared<const std::string>(std::move(s));
    Value v = string_view(*heap);
    v.heap_ = std::move(heap);
    return v;
}

Value Value::bytes(std::string b) {
    auto heap = std::make_shared<const std::string>(std::move(b));
    Value v = bytes_view(*heap);
    v.heap_ = std::move(heap);
    return v;
}

Value Value::error(std::string message) {
    auto heap = std::make_shared<const std::string>(std::move(message));
    Value v = error_static(*heap);
    v.heap_ = std::move(heap);
    return v;
}

Value Value::list(std::vector<Value> items) {
    Value v(Kind::list);
    v.heap_ = std::make_shared<const std::vector<Value>>(std::move(items));
    return v;
}

Value Value::map(ValueEntries entries) {
    Value v(Kind::map);
    v.heap_ = std::make_shared<const ValueEntries>(std::move(entries));
    return v;
}

Value Value::timestamp(std::int64_t seconds, std::int32_t nanos) {
    Value v(Kind::timestamp);
    v.p_.i = seconds;
    v.nanos_ = nanos;
    return v;
}

Value Value::duration(std::int64_t seconds, std::int32_t nanos) {
    Value v(Kind::duration);
    v.p_.i = seconds;
    v.nanos_ = nanos;
    return v;
}

std::string_view Value::as_string() const noexcept {
    switch (kind_) {
    case Kind::string: case Kind::bytes: case Kind::type: case Kind::error:
        return {p_.s.data, p_.s.size};
    default:
        return {};
    }
}

std::size_t Value::size() const {
    if (ValueAccess::is_json(*this)) return detail::json_size(*this);
    if (auto* l = ValueAccess::owned_list(*this)) return l->size();
    if (auto* m = ValueAccess::owned_map(*this)) return m->size();
    return 0;
}

Value Value::at(std::size_t i) const {
    if (kind_ != Kind::list) return Value::error_static("no such overload: index on non-list");
    if (ValueAccess::is_json(*this)) return detail::json_at(*this, i);
    auto* l = ValueAccess::owned_list(*this);
    if (i >= l->size()) return Value::error("invalid_argument: index " + std::to_string(i) + " out of range");
    return (*l)[i];
}

std::vector<Value> Value::items() const {
    if (ValueAccess::is_json(*this)) return kind_ == Kind::list ? detail::json_items(*this) : std::vector<Value>{};
    if (auto* l = ValueAccess::owned_list(*this)) return *l;
    return {};
}

ValueEntries Value::entries() const {
    if (ValueAccess::is_json(*this)) return kind_ == Kind::map ? detail::json_entries(*this) : ValueEntries{};
    if (auto* m = ValueAccess::owned_map(*this)) return *m;
    return {};
}

namespace {
// Map keys are int, uint, bool or string; numeric keys match across int/uint/double.
bool key_equals(const Value& k, const Value& probe) {
    if (k.kind() == probe.kind()) return equals(k, probe);
    auto numeric = [](Kind kd) { return kd == Kind::int64 || kd == Kind::uint64 || kd == Kind::double_; };
    return numeric(k.kind()) && numeric(probe.kind()) && equals(k, probe);
}
}  // namespace

std::optional<Value> Value::find(const Value& key) const {
    if (kind_ != Kind::map) return std::nullopt;
    if (ValueAccess::is_json(*this)) {
        if (key.kind() != Kind::string) return std::nullopt;
        return detail::json_find(*this, key.as_string());
    }
    for (const auto& [k, v] : *ValueAccess::owned_map(*this))
        if (key_equals(k, key)) return v;
    return std::nullopt;
}

std::optional<Value> Value::find(std::string_view key) const {
    if (kind_ != Kind::map) return std::nullopt;
    if (ValueAccess::is_json(*this)) return detail::json_find(*this, key);
    for (const auto& [k, v] : *ValueAccess::owned_map(*this))
        if (k.kind() == Kind::string && k.as_string() == key) return v;
    return std::nullopt;
}

Value Value::detach() const {
    switch (kind_) {
    case Kind::string: return heap_ ? *this : Value::string(std::string(as_string()));
    case Kind::bytes: return heap_ ? *this : Value::bytes(std::string(as_string()));
    case Kind::error: return heap_ ? *this : Value::error(std::string(as_string()));
    case Kind::list: {
        std::vector<Value> out;
        for (const auto& item : items()) out.push_back(item.detach());
        return Value::list(std::move(out));
    }
    case Kind::map: {
        ValueEntries out;
        for (const auto& [k, v] : entries()) out.emplace_back(k.detach(), v.detach());
        return Value::map(std::move(out));
    }
    default: {
        Value v = *this;
        v.flags_ &= static_cast<std::uint8_t>(~json_number);
        return v;
    }
    }
}

namespace {
void quote(std::string_view s, std::string& out) {
    out += '"';
    std::size_t i = 0;
    while (i < s.size()) {
        // The run of bytes that need no escape goes in one append.
        std::size_t run = i;
        while (run < s.size() && static_cast<unsigned char>(s[run]) >= 0x20 && s[run] != '"' && s[run] != '\\') ++run;
        out.append(s.data() + i, run - i);
        if (run == s.size()) break;
        unsigned char c = static_cast<unsigned char>(s[run]);
        i = run + 1;
        switch (c) {
        case '"': out += "\\\""; break;
        case '\\': out += "\\\\"; break;
        case '\n': out += "\\n"; break;
        case '\r': out += "\\r"; break;
        case '\t': out += "\\t"; break;
        case '\b': out += "\\b"; break;
        case '\f': out += "\\f"; break;
        default: {  // another control character
            char buf[8];
            std::snprintf(buf, sizeof buf, "\\u%04x", c);
            out += buf;
        }
        }
    }
    out += '"';
}

void base64(std::string_view in, std::string& out) {
    static constexpr char table[] = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";
    std::size_t i = 0;
    for (; i + 2 < in.size(); i += 3) {
        unsigned n = (unsigned char)in[i] << 16 | (unsigned char)in[i + 1] << 8 | (unsigned char)in[i + 2];
        out += table[n >> 18 & 63]; out += table[n >> 12 & 63]; out += table[n >> 6 & 63]; out += table[n & 63];
    }
    if (i + 1 == in.size()) {
        unsigned n = (unsigned char)in[i] << 16;
        out += table[n >> 18 & 63]; out += table[n >> 12 & 63]; out += "==";
    } else if (i + 2 == in.size()) {
        unsigned n = (unsigned char)in[i] << 16 | (unsigned char)in[i + 1] << 8;
        out += table[n >> 18 & 63]; out += table[n >> 12 & 63]; out += table[n >> 6 & 63]; out += '=';
    }
}
}  // namespace

std::string Value::debug_string() const {
    std::string out;
    switch (kind_) {
    case Kind::null: return "null";
    case Kind::boolean: return p_.b ? "true" : "false";
    case Kind::int64: return std::to_string(p_.i);
    case Kind::uint64: return std::to_string(p_.u) + "u";
    case Kind::double_: return detail::format_double(p_.d);
    case Kind::string: quote(as_string(), out); return out;
    case Kind::bytes: out = "b"; quote(as_string(), out); return out;
    case Kind::type: return std::string(as_string());
    case Kind::error: return "error(" + std::string(as_string()) + ")";
    case Kind::timestamp: return "timestamp(\"" + detail::format_timestamp(p_.i, nanos_) + "\")";
    case Kind::duration: return "duration(\"" + detail::format_duration(p_.i, nanos_) + "\")";
    case Kind::list: {
        out = "[";
        bool first = true;
        for (const auto& item : items()) {
            if (!first) out += ", ";
            first = false;
            out += item.debug_string();
        }
        return out + "]";
    }
    case Kind::map: {
        out = "{";
        bool first = true;
        for (const auto& [k, v] : entries()) {
            if (!first) out += ", ";
            first = false;
            out += k.debug_string() + ": " + v.debug_string();
        }
        return out + "}";
    }
    }
    return out;
}

namespace {
bool is_number(Kind k) { return k == Kind::int64 || k == Kind::uint64 || k == Kind::double_; }

// Exact comparison of mixed numbers without rounding through double where it matters.
int cmp_int_uint(std::int64_t i, std::uint64_t u) {
    if (i < 0) return -1;
    auto ui = static_cast<std::uint64_t>(i);
    return ui < u ? -1 : ui > u ? 1 : 0;
}
// CEL compares an integer with a double as doubles (lossy for |i| > 2^53, as the
// conformance data expects); 2 means unordered (NaN).
int cmp_doubles(double x, double y) {
    if (std::isnan(x) || std::isnan(y)) return 2;
    return x < y ? -1 : x > y;
}
int cmp_double_int(double d, std::int64_t i) { return cmp_doubles(d, static_cast<double>(i)); }
int cmp_double_uint(double d, std::uint64_t u) { return cmp_doubles(d, static_cast<double>(u)); }
int cmp_numbers(const Value& a, const Value& b) {
    switch (a.kind()) {
    case Kind::int64:
        if (b.kind() == Kind::int64) return a.as_int() < b.as_int() ? -1 : a.as_int() > b.as_int();
        if (b.kind() == Kind::uint64) return cmp_int_uint(a.as_int(), b.as_uint());
        { int c = cmp_double_int(b.as_double(), a.as_int()); return c == 2 ? 2 : -c; }
    case Kind::uint64:
        if (b.kind() == Kind::uint64) return a.as_uint() < b.as_uint() ? -1 : a.as_uint() > b.as_uint();
        if (b.kind() == Kind::int64) return -cmp_int_uint(b.as_int(), a.as_uint());
        { int c = cmp_double_uint(b.as_double(), a.as_uint()); return c == 2 ? 2 : -c; }
    default:
        if (b.kind() == Kind::double_) {
            double x = a.as_double(), y = b.as_double();
            if (std::isnan(x) || std::isnan(y)) return 2;
            return x < y ? -1 : x > y;
        }
        if (b.kind() == Kind::int64) return cmp_double_int(a.as_double(), b.as_int());
        return cmp_double_uint(a.as_double(), b.as_uint());
    }
}
int cmp_time(const Value& a, const Value& b) {
    if (a.seconds() != b.seconds()) return a.seconds() < b.seconds() ? -1 : 1;
    return a.nanos() < b.nanos() ? -1 : a.nanos() > b.nanos();
}
}  // namespace

bool equals(const Value& a, const Value& b) {
    if (is_number(a.kind()) && is_number(b.kind())) return cmp_numbers(a, b) == 0;
    if (a.kind() != b.kind()) return false;
    switch (a.kind()) {
    case Kind::null: return true;
    case Kind::boolean: return a.as_bool() == b.as_bool();
    case Kind::string: case Kind::bytes: case Kind::type: case Kind::error: return a.as_string() == b.as_string();
    case Kind::timestamp: case Kind::duration: return cmp_time(a, b) == 0;
    case Kind::list: {
        if (a.size() != b.size()) return false;
        auto x = a.items(), y = b.items();
        for (std::size_t i = 0; i < x.size(); ++i)
            if (!equals(x[i], y[i])) return false;
        return true;
    }
    case Kind::map: {
        if (a.size() != b.size()) return false;
        for (const auto& [k, v] : a.entries()) {
            auto other = b.find(k);
            if (!other || !equals(v, *other)) return false;
        }
        return true;
    }
    default: return false;
    }
}

std::optional<int> compare(const Value& a, const Value& b) {
    if (is_number(a.kind()) && is_number(b.kind())) return cmp_numbers(a, b);
    if (a.kind() != b.kind()) return std::nullopt;
    switch (a.kind()) {
    case Kind::boolean: return int(a.as_bool()) - int(b.as_bool());
    case Kind::string: case Kind::bytes: {
        int c = a.as_string().compare(b.as_string());
        return c < 0 ? -1 : c > 0;
    }
    case Kind::timestamp: case Kind::duration: return cmp_time(a, b);
    default: return std::nullopt;
    }
}

void append_json(const Value& v, std::string& out) {
    switch (v.kind()) {
    case Kind::null: case Kind::error: out += "null"; return;
    case Kind::boolean: out += v.as_bool() ? "true" : "false"; return;
    case Kind::int64: out += std::to_string(v.as_int()); return;
    case Kind::uint64: out += std::to_string(v.as_uint()); return;
    case Kind::double_: {
        double d = v.as_double();
        if (std::isnan(d)) out += "\"NaN\"";
        else if (std::isinf(d)) out += d > 0 ? "\"Infinity\"" : "\"-Infinity\"";
        else {
            char buf[32];
            auto r = std::to_chars(buf, buf + sizeof buf, d);  // shortest round-trip text
            out.append(buf, r.ptr);
        }
        return;
    }
    case Kind::string: case Kind::type: quote(v.as_string(), out); return;
    case Kind::bytes: out += '"'; base64(v.as_string(), out); out += '"'; return;
    case Kind::timestamp: quote(detail::format_timestamp(v.seconds(), v.nanos()), out); return;
    case Kind::duration: quote(detail::format_duration(v.seconds(), v.nanos()), out); return;
    case Kind::list: {
        out += '[';
        bool first = true;
        auto put = [&](const Value& item) {
            if (!first) out += ',';
            first = false;
            append_json(item, out);
        };
        if (auto* owned = ValueAccess::owned_list(v)) for (const auto& item : *owned) put(item);  // no copy
        else for (const auto& item : v.items()) put(item);
        out += ']';
        return;
    }
    case Kind::map: {
        out += '{';
        bool first = true;
        auto put = [&](const Value& k, const Value& val) {
            if (!first) out += ',';
            first = false;
            if (k.kind() == Kind::string) quote(k.as_string(), out);
            else { std::string key; append_json(k, key); quote(key, out); }
            out += ':';
            append_json(val, out);
        };
        if (auto* owned = ValueAccess::owned_map(v)) for (const auto& [k, val] : *owned) put(k, val);  // no copy
        else for (const auto& [k, val] : v.entries()) put(k, val);
        out += '}';
        return;
    }
    }
}

}  // namespace meshctl::expr
