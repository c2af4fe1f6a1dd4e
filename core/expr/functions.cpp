// Built-in functions: size, string tests, conversions, timestamp and duration accessors.
// Each takes evaluated, non-error arguments and dispatches on their kinds.
#include "core/expr/eval.hpp"
#include "core/expr/time.hpp"
#include "core/expr/value_access.hpp"

#include <re2/re2.h>

#include <charconv>
#include <cmath>
#include <cstdlib>
#include <limits>

namespace meshctl::expr::detail {

// Go's strconv.FormatFloat(d, 'g', -1, 64), which CEL implementations use for string(double).
std::string format_double(double d) {
    if (std::isnan(d)) return "NaN";
    if (std::isinf(d)) return d > 0 ? "+Inf" : "-Inf";
    if (d == 0) return std::signbit(d) ? "-0" : "0";
    char buf[64];
    auto r = std::to_chars(buf, buf + sizeof buf, d, std::chars_format::scientific);
    std::string_view sci(buf, static_cast<std::size_t>(r.ptr - buf));
    std::string out;
    if (sci[0] == '-') { out = "-"; sci.remove_prefix(1); }
    auto e = sci.find('e');
    std::string digits(1, sci[0]);
    if (e > 1) digits += sci.substr(2, e - 2);
    int exp = std::atoi(std::string(sci.substr(e + 1)).c_str());
    auto nd = static_cast<int>(digits.size());
    if (exp < -4 || exp >= 6) {  // Go uses precision 6 for this decision when shortest
        out += digits[0];
        if (nd > 1) { out += '.'; out += digits.substr(1); }
        out += 'e';
        out += exp < 0 ? '-' : '+';
        int a = exp < 0 ? -exp : exp;
        if (a < 10) out += '0';
        out += std::to_string(a);
    } else if (exp < 0) {
        out += "0." + std::string(static_cast<std::size_t>(-exp - 1), '0') + digits;
    } else if (exp >= nd - 1) {
        out += digits + std::string(static_cast<std::size_t>(exp - (nd - 1)), '0');
    } else {
        out += digits.substr(0, static_cast<std::size_t>(exp + 1)) + "." + digits.substr(static_cast<std::size_t>(exp + 1));
    }
    return out;
}

std::string check_pattern(std::string_view pattern) {
    RE2 re(re2::StringPiece(pattern.data(), pattern.size()), RE2::Quiet);
    return re.ok() ? std::string() : re.error();
}

namespace {

bool valid_utf8(std::string_view s) {
    for (std::size_t i = 0; i < s.size();) {
        auto c = static_cast<unsigned char>(s[i]);
        std::size_t n;
        std::uint32_t cp;
        if (c < 0x80) { ++i; continue; }
        if ((c >> 5) == 6) { n = 1; cp = c & 0x1Fu; }
        else if ((c >> 4) == 14) { n = 2; cp = c & 0x0Fu; }
        else if ((c >> 3) == 30) { n = 3; cp = c & 0x07u; }
        else return false;
        if (i + n >= s.size()) return false;
        for (std::size_t k = 1; k <= n; ++k) {
            auto cc = static_cast<unsigned char>(s[i + k]);
            if ((cc & 0xC0) != 0x80) return false;
            cp = cp << 6 | (cc & 0x3Fu);
        }
        if ((n == 1 && cp < 0x80) || (n == 2 && cp < 0x800) || (n == 3 && (cp < 0x10000 || cp > 0x10FFFF)) ||
            (cp >= 0xD800 && cp <= 0xDFFF))
            return false;
        i += n + 1;
    }
    return true;
}

Value fn_size(const Value* a, std::size_t) {
    switch (a[0].kind()) {
    case Kind::string: {
        std::int64_t n = 0;
        for (unsigned char c : a[0].as_string()) n += (c & 0xC0) != 0x80;
        return Value::int64(n);
    }
    case Kind::bytes: return Value::int64(static_cast<std::int64_t>(a[0].as_string().size()));
    case Kind::list: case Kind::map: return Value::int64(static_cast<std::int64_t>(a[0].size()));
    default: return no_overload("size", a[0]);
    }
}

template <int Which>
Value fn_string_test(const Value* a, std::size_t) {
    if (a[0].kind() != Kind::string || a[1].kind() != Kind::string) return no_overload("string test", a[0], a[1]);
    std::string_view s = a[0].as_string(), t = a[1].as_string();
    if constexpr (Which == 0) return Value::boolean(s.find(t) != std::string_view::npos);
    if constexpr (Which == 1) return Value::boolean(s.starts_with(t));
    return Value::boolean(s.ends_with(t));
}

template <bool Upper>
Value fn_case(const Value* a, std::size_t) {
    if (a[0].kind() != Kind::string) return no_overload(Upper ? "upperAscii" : "lowerAscii", a[0]);
    std::string s(a[0].as_string());
    for (auto& c : s) {
        if (Upper && c >= 'a' && c <= 'z') c = static_cast<char>(c - 32);
        if (!Upper && c >= 'A' && c <= 'Z') c = static_cast<char>(c + 32);
    }
    return Value::string(std::move(s));
}

Value fn_matches(const Value* a, std::size_t) {
    if (a[0].kind() != Kind::string || a[1].kind() != Kind::string) return no_overload("matches", a[0], a[1]);
    std::string_view p = a[1].as_string(), s = a[0].as_string();
    RE2 re(re2::StringPiece(p.data(), p.size()), RE2::Quiet);
    if (!re.ok()) return Value::error("invalid regular expression: " + re.error());
    return Value::boolean(RE2::PartialMatch(re2::StringPiece(s.data(), s.size()), re));
}

Value conversion_error(std::string_view to, const Value& v) {
    return Value::error("type conversion error: cannot convert " + v.debug_string() + " to " + std::string(to));
}

Value fn_int(const Value* a, std::size_t) {
    const Value& v = a[0];
    switch (v.kind()) {
    case Kind::int64: return v;
    case Kind::uint64:
        if (v.as_uint() > static_cast<std::uint64_t>(std::numeric_limits<std::int64_t>::max()))
            return Value::error_static("range error: uint value does not fit in int");
        return Value::int64(static_cast<std::int64_t>(v.as_uint()));
    case Kind::double_: {
        double d = v.as_double();
        if (!(d > -9223372036854775808.0 && d < 9223372036854775808.0)) return Value::error_static("range error: double value does not fit in int");
        return Value::int64(static_cast<std::int64_t>(d));
    }
    case Kind::string: {
        std::string_view s = v.as_string();
        std::int64_t r;
        auto [p, ec] = std::from_chars(s.data(), s.data() + s.size(), r);
        if (ec != std::errc() || p != s.data() + s.size()) return conversion_error("int", v);
        return Value::int64(r);
    }
    case Kind::timestamp: return Value::int64(v.seconds());
    default: return no_overload("int", v);
    }
}

Value fn_uint(const Value* a, std::size_t) {
    const Value& v = a[0];
    switch (v.kind()) {
    case Kind::uint64: return v;
    case Kind::int64:
        if (v.as_int() < 0) return Value::error_static("range error: negative int does not fit in uint");
        return Value::uint64(static_cast<std::uint64_t>(v.as_int()));
    case Kind::double_: {
        double d = v.as_double();
        if (!(d > -1.0 && d < 18446744073709551616.0)) return Value::error_static("range error: double value does not fit in uint");
        return Value::uint64(static_cast<std::uint64_t>(d));
    }
    case Kind::string: {
        std::string_view s = v.as_string();
        std::uint64_t r;
        auto [p, ec] = std::from_chars(s.data(), s.data() + s.size(), r);
        if (ec != std::errc() || p != s.data() + s.size()) return conversion_error("uint", v);
        return Value::uint64(r);
    }
    default: return no_overload("uint", v);
    }
}

Value fn_double(const Value* a, std::size_t) {
    const Value& v = a[0];
    switch (v.kind()) {
    case Kind::double_: return v;
    case Kind::int64: return Value::double_(static_cast<double>(v.as_int()));
    case Kind::uint64: return Value::double_(static_cast<double>(v.as_uint()));
    case Kind::string: {
        std::string s(v.as_string());
        char* end = nullptr;
        double d = std::strtod(s.c_str(), &end);
        if (s.empty() || end != s.c_str() + s.size() || std::isspace(static_cast<unsigned char>(s[0])))
            return conversion_error("double", v);
        return Value::double_(d);
    }
    default: return no_overload("double", v);
    }
}

Value fn_string(const Value* a, std::size_t) {
    const Value& v = a[0];
    switch (v.kind()) {
    case Kind::string: return v;
    case Kind::int64: return Value::string(std::to_string(v.as_int()));
    case Kind::uint64: return Value::string(std::to_string(v.as_uint()));
    case Kind::double_: return Value::string(format_double(v.as_double()));
    case Kind::boolean: return Value::string(v.as_bool() ? "true" : "false");
    case Kind::bytes:
        if (!valid_utf8(v.as_string())) return Value::error_static("type conversion error: bytes are not valid UTF-8");
        return Value::string(std::string(v.as_string()));
    case Kind::timestamp: return Value::string(format_timestamp(v.seconds(), v.nanos()));
    case Kind::duration: return Value::string(format_duration(v.seconds(), v.nanos()));
    case Kind::type: return Value::string(std::string(v.as_string()));
    default: return no_overload("string", v);
    }
}

Value fn_bool(const Value* a, std::size_t) {
    const Value& v = a[0];
    if (v.kind() == Kind::boolean) return v;
    if (v.kind() != Kind::string) return no_overload("bool", v);
    std::string_view s = v.as_string();
    if (s == "1" || s == "t" || s == "true" || s == "TRUE" || s == "True") return Value::boolean(true);
    if (s == "0" || s == "f" || s == "false" || s == "FALSE" || s == "False") return Value::boolean(false);
    return conversion_error("bool", v);
}

Value fn_bytes(const Value* a, std::size_t) {
    const Value& v = a[0];
    if (v.kind() == Kind::bytes) return v;
    if (v.kind() == Kind::string) return Value::bytes(std::string(v.as_string()));
    return no_overload("bytes", v);
}

Value fn_timestamp(const Value* a, std::size_t) {
    const Value& v = a[0];
    if (v.kind() == Kind::timestamp) return v;
    if (v.kind() == Kind::int64) {
        if (!timestamp_in_range(v.as_int())) return Value::error_static("timestamp out of range");
        return Value::timestamp(v.as_int(), 0);
    }
    if (v.kind() != Kind::string) return no_overload("timestamp", v);
    std::int64_t s;
    std::int32_t n;
    if (!parse_timestamp(v.as_string(), s, n)) return Value::error("invalid timestamp " + v.debug_string());
    return Value::timestamp(s, n);
}

Value fn_duration(const Value* a, std::size_t) {
    const Value& v = a[0];
    if (v.kind() == Kind::duration) return v;
    if (v.kind() != Kind::string) return no_overload("duration", v);
    std::int64_t s;
    std::int32_t n;
    if (!parse_duration(v.as_string(), s, n)) return Value::error("invalid duration " + v.debug_string() + " (or out of range)");
    return Value::duration(s, n);
}

Value fn_dyn(const Value* a, std::size_t) { return a[0]; }
Value fn_type(const Value* a, std::size_t) { return type_of(a[0]); }

enum class Part { full_year, month, date, day_of_month, day_of_week, day_of_year, hours, minutes, seconds, millis };

template <Part P>
Value fn_time_part(const Value* a, std::size_t n) {
    const Value& v = a[0];
    if (v.kind() == Kind::duration && n == 1) {
        switch (P) {
        case Part::hours: return Value::int64(v.seconds() / 3600);
        case Part::minutes: return Value::int64(v.seconds() / 60);
        case Part::seconds: return Value::int64(v.seconds());
        case Part::millis: return Value::int64(v.nanos() / 1000000);
        default: return no_overload("duration accessor", v);
        }
    }
    if (v.kind() != Kind::timestamp) return no_overload("timestamp accessor", v);
    std::int64_t local = v.seconds();
    if (n == 2) {
        if (a[1].kind() != Kind::string) return no_overload("timestamp accessor", v, a[1]);
        auto off = zone_offset(a[1].as_string(), v.seconds());
        if (!off) return Value::error("unknown time zone " + a[1].debug_string());
        local += *off;
    }
    Civil c = to_civil(local);
    switch (P) {
    case Part::full_year: return Value::int64(c.year);
    case Part::month: return Value::int64(c.month - 1);
    case Part::date: return Value::int64(c.day);
    case Part::day_of_month: return Value::int64(c.day - 1);
    case Part::day_of_week: return Value::int64(c.day_of_week);
    case Part::day_of_year: return Value::int64(c.day_of_year);
    case Part::hours: return Value::int64(c.hour);
    case Part::minutes: return Value::int64(c.minute);
    case Part::seconds: return Value::int64(c.second);
    case Part::millis: return Value::int64(v.nanos() / 1000000);
    }
    return Value();
}

constexpr FunctionDef functions[] = {
    {"size", false, 1, 1, fn_size},
    {"size", true, 1, 1, fn_size},
    {"contains", true, 2, 2, fn_string_test<0>},
    {"startsWith", true, 2, 2, fn_string_test<1>},
    {"endsWith", true, 2, 2, fn_string_test<2>},
    {"matches", true, 2, 2, fn_matches},
    {"matches", false, 2, 2, fn_matches},
    {"lowerAscii", true, 1, 1, fn_case<false>},
    {"upperAscii", true, 1, 1, fn_case<true>},
    {"int", false, 1, 1, fn_int},
    {"uint", false, 1, 1, fn_uint},
    {"double", false, 1, 1, fn_double},
    {"string", false, 1, 1, fn_string},
    {"bool", false, 1, 1, fn_bool},
    {"bytes", false, 1, 1, fn_bytes},
    {"timestamp", false, 1, 1, fn_timestamp},
    {"duration", false, 1, 1, fn_duration},
    {"dyn", false, 1, 1, fn_dyn},
    {"type", false, 1, 1, fn_type},
    {"getFullYear", true, 1, 2, fn_time_part<Part::full_year>},
    {"getMonth", true, 1, 2, fn_time_part<Part::month>},
    {"getDate", true, 1, 2, fn_time_part<Part::date>},
    {"getDayOfMonth", true, 1, 2, fn_time_part<Part::day_of_month>},
    {"getDayOfWeek", true, 1, 2, fn_time_part<Part::day_of_week>},
    {"getDayOfYear", true, 1, 2, fn_time_part<Part::day_of_year>},
    {"getHours", true, 1, 2, fn_time_part<Part::hours>},
    {"getMinutes", true, 1, 2, fn_time_part<Part::minutes>},
    {"getSeconds", true, 1, 2, fn_time_part<Part::seconds>},
    {"getMilliseconds", true, 1, 2, fn_time_part<Part::millis>},
};

}  // namespace

const FunctionDef* find_function(std::string_view name, bool receiver, std::size_t argc) {
    for (const auto& f : functions)
        if (f.name == name && f.receiver == receiver && argc >= static_cast<std::size_t>(f.min_args) &&
            argc <= static_cast<std::size_t>(f.max_args))
            return &f;
    return nullptr;
}

bool function_exists(std::string_view name) {
    for (const auto& f : functions)
        if (f.name == name) return true;
    return false;
}

}  // namespace meshctl::expr::detail
