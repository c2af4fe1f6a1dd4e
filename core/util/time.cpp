#include "core/util/time.hpp"

#include "core/error.hpp"

#include <cctype>
#include <charconv>
#include <cmath>
#include <cstdio>
#include <ctime>

namespace meshctl::util {

std::optional<std::chrono::milliseconds> try_parse_duration(std::string_view text) {
    if (text.empty()) return std::nullopt;
    double total_ms = 0;
    std::size_t i = 0;
    bool any = false;
    while (i < text.size()) {
        std::size_t start = i;
        while (i < text.size() && (std::isdigit(static_cast<unsigned char>(text[i])) || text[i] == '.')) ++i;
        if (start == i) return std::nullopt;
        double number = 0;
        auto [p, ec] = std::from_chars(text.data() + start, text.data() + i, number);
        if (ec != std::errc() || p != text.data() + i) return std::nullopt;
        std::size_t ustart = i;
        while (i < text.size() && std::isalpha(static_cast<unsigned char>(text[i]))) ++i;
        std::string_view unit = text.substr(ustart, i - ustart);
        double factor;
        if (unit == "ms") factor = 1;
        else if (unit == "s") factor = 1000;
        else if (unit == "m") factor = 60'000;
        else if (unit == "h") factor = 3'600'000;
        else if (unit == "d") factor = 86'400'000;
        else if (unit == "w") factor = 7 * 86'400'000.0;
        else return std::nullopt;
        total_ms += number * factor;
        any = true;
    }
    if (!any || !std::isfinite(total_ms) || total_ms > 9.0e15) return std::nullopt;
    return std::chrono::milliseconds(static_cast<std::int64_t>(std::llround(total_ms)));
}

std::chrono::milliseconds parse_duration(std::string_view text, std::string_view what) {
    if (auto d = try_parse_duration(text)) return *d;
    throw usage_error(std::string(what) + ": \"" + std::string(text) + "\" is not a duration",
                      "use a number with a unit: 500ms, 30s, 2m, 36h, 7d or 1h30m");
}

namespace {

bool read_digits(std::string_view s, std::size_t& i, std::size_t n, int& out) {
    if (i + n > s.size()) return false;
    int v = 0;
    for (std::size_t k = 0; k < n; ++k) {
        char c = s[i + k];
        if (!std::isdigit(static_cast<unsigned char>(c))) return false;
        v = v * 10 + (c - '0');
    }
    i += n;
    out = v;
    return true;
}

// Days since 1970-01-01 for a proleptic Gregorian date (Howard Hinnant's algorithm).
std::int64_t days_from_civil(std::int64_t y, unsigned m, unsigned d) {
    y -= m <= 2;
    const std::int64_t era = (y >= 0 ? y : y - 399) / 400;
    const unsigned yoe = static_cast<unsigned>(y - era * 400);
    const unsigned doy = (153 * (m + (m > 2 ? -3 : 9)) + 2) / 5 + d - 1;
    const unsigned doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
    return era * 146097 + static_cast<std::int64_t>(doe) - 719468;
}

}  // namespace

std::optional<std::int64_t> parse_iso8601_ms(std::string_view s) {
    std::size_t i = 0;
    int year, month, day, hour = 0, minute = 0, second = 0, millis = 0;
    if (!read_digits(s, i, 4, year) || i >= s.size() || s[i++] != '-') return std::nullopt;
    if (!read_digits(s, i, 2, month) || i >= s.size() || s[i++] != '-') return std::nullopt;
    if (!read_digits(s, i, 2, day)) return std::nullopt;
    if (month < 1 || month > 12 || day < 1 || day > 31) return std::nullopt;
    std::int64_t offset_minutes = 0;
    if (i < s.size()) {
        if (s[i] != 'T' && s[i] != 't' && s[i] != ' ') return std::nullopt;
        ++i;
        if (!read_digits(s, i, 2, hour)) return std::nullopt;
        if (i >= s.size() || s[i++] != ':') return std::nullopt;
        if (!read_digits(s, i, 2, minute)) return std::nullopt;
        if (i < s.size() && s[i] == ':') {
            ++i;
            if (!read_digits(s, i, 2, second)) return std::nullopt;
            if (i < s.size() && (s[i] == '.' || s[i] == ',')) {
                ++i;
                std::size_t start = i;
                int scale = 100;
                while (i < s.size() && std::isdigit(static_cast<unsigned char>(s[i]))) {
                    millis += (s[i] - '0') * scale;
                    scale /= 10;
                    ++i;
                }
                if (i == start) return std::nullopt;
            }
        }
        if (hour > 23 || minute > 59 || second > 60) return std::nullopt;
        if (i < s.size()) {
            if (s[i] == 'Z' || s[i] == 'z') {
                ++i;
            } else if (s[i] == '+' || s[i] == '-') {
                int sign = s[i] == '-' ? -1 : 1;
                ++i;
                int oh, om = 0;
                if (!read_digits(s, i, 2, oh)) return std::nullopt;
                if (i < s.size() && s[i] == ':') ++i;
                if (i < s.size() && !read_digits(s, i, 2, om)) return std::nullopt;
                offset_minutes = sign * (oh * 60 + om);
            } else {
                return std::nullopt;
            }
        }
        if (i != s.size()) return std::nullopt;
    }
    std::int64_t days = days_from_civil(year, static_cast<unsigned>(month), static_cast<unsigned>(day));
    std::int64_t secs = days * 86400 + hour * 3600 + minute * 60 + second - offset_minutes * 60;
    return secs * 1000 + millis;
}

std::string format_iso8601_ms(std::int64_t epoch_ms) {
    std::int64_t secs = epoch_ms >= 0 ? epoch_ms / 1000 : -((-epoch_ms + 999) / 1000);
    int ms = static_cast<int>(epoch_ms - secs * 1000);
    std::time_t t = static_cast<std::time_t>(secs);
    std::tm tm{};
    gmtime_r(&t, &tm);
    char buf[96];
    std::snprintf(buf, sizeof buf, "%04d-%02d-%02dT%02d:%02d:%02d.%03dZ", tm.tm_year + 1900, tm.tm_mon + 1,
                  tm.tm_mday, tm.tm_hour, tm.tm_min, tm.tm_sec, ms);
    return buf;
}

std::string format_duration(std::chrono::milliseconds d) {
    long long ms = d.count();
    char buf[96];
    if (ms < 0) return "-" + format_duration(std::chrono::milliseconds(-ms));
    if (ms < 1000) std::snprintf(buf, sizeof buf, "%lldms", ms);
    else if (ms < 60'000) std::snprintf(buf, sizeof buf, "%.1fs", static_cast<double>(ms) / 1000.0);
    else if (ms < 3'600'000) std::snprintf(buf, sizeof buf, "%lldm%02llds", ms / 60'000, (ms / 1000) % 60);
    else if (ms < 86'400'000) std::snprintf(buf, sizeof buf, "%lldh%02lldm", ms / 3'600'000, (ms / 60'000) % 60);
    else std::snprintf(buf, sizeof buf, "%lldd%02lldh", ms / 86'400'000, (ms / 3'600'000) % 24);
    return buf;
}

std::int64_t now_ms() {
    using namespace std::chrono;
    return duration_cast<milliseconds>(system_clock::now().time_since_epoch()).count();
}

}  // namespace meshctl::util
