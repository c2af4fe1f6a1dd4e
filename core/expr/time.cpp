#include "core/expr/time.hpp"

#include <cstdio>
#include <fstream>
#include <iterator>
#include <map>
#include <mutex>
#include <vector>

namespace meshctl::expr::detail {

// Howard Hinnant's civil-from-days algorithms: exact over the whole proleptic calendar.
std::int64_t days_from_civil(std::int64_t y, unsigned m, unsigned d) {
    y -= m <= 2;
    const std::int64_t era = (y >= 0 ? y : y - 399) / 400;
    const auto yoe = static_cast<unsigned>(y - era * 400);
    const unsigned doy = (153 * (m > 2 ? m - 3 : m + 9) + 2) / 5 + d - 1;
    const unsigned doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
    return era * 146097 + static_cast<std::int64_t>(doe) - 719468;
}

Civil to_civil(std::int64_t seconds) {
    std::int64_t days = seconds / 86400;
    std::int64_t rem = seconds % 86400;
    if (rem < 0) { rem += 86400; --days; }
    Civil c{};
    c.hour = static_cast<int>(rem / 3600);
    c.minute = static_cast<int>(rem % 3600 / 60);
    c.second = static_cast<int>(rem % 60);
    c.day_of_week = static_cast<int>(((days % 7) + 11) % 7);  // 1970-01-01 was a Thursday
    const std::int64_t z = days + 719468;
    const std::int64_t era = (z >= 0 ? z : z - 146096) / 146097;
    const auto doe = static_cast<unsigned>(z - era * 146097);
    const unsigned yoe = (doe - doe / 1460 + doe / 36524 - doe / 146096) / 365;
    const unsigned doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
    const unsigned mp = (5 * doy + 2) / 153;
    c.day = static_cast<int>(doy - (153 * mp + 2) / 5 + 1);
    c.month = static_cast<int>(mp < 10 ? mp + 3 : mp - 9);
    c.year = static_cast<std::int64_t>(yoe) + era * 400 + (c.month <= 2);
    c.day_of_year = static_cast<int>(days - days_from_civil(c.year, 1, 1));
    return c;
}

namespace {
bool digits(std::string_view s, std::size_t pos, std::size_t n, int& out) {
    if (pos + n > s.size()) return false;
    out = 0;
    for (std::size_t i = pos; i < pos + n; ++i) {
        if (s[i] < '0' || s[i] > '9') return false;
        out = out * 10 + (s[i] - '0');
    }
    return true;
}

std::string trimmed_fraction(std::int32_t nanos, bool groups_of_three) {
    if (nanos == 0) return {};
    char buf[16];
    std::snprintf(buf, sizeof buf, ".%09d", nanos);
    std::string f = buf;
    if (groups_of_three) {
        while (f.size() > 4 && f.compare(f.size() - 3, 3, "000") == 0) f.resize(f.size() - 3);
    } else {
        while (f.back() == '0') f.pop_back();
    }
    return f;
}
}  // namespace

bool parse_timestamp(std::string_view s, std::int64_t& seconds, std::int32_t& nanos) {
    int year, month, day, hour, minute, second;
    if (!digits(s, 0, 4, year) || s.size() < 20 || s[4] != '-' || !digits(s, 5, 2, month) || s[7] != '-' ||
        !digits(s, 8, 2, day) || (s[10] != 'T' && s[10] != 't') || !digits(s, 11, 2, hour) || s[13] != ':' ||
        !digits(s, 14, 2, minute) || s[16] != ':' || !digits(s, 17, 2, second))
        return false;
    std::size_t pos = 19;
    std::int32_t frac = 0;
    if (pos < s.size() && s[pos] == '.') {
        int n = 0;
        ++pos;
        while (pos < s.size() && s[pos] >= '0' && s[pos] <= '9') {
            if (n < 9) { frac = frac * 10 + (s[pos] - '0'); ++n; }
            ++pos;
        }
        if (n == 0) return false;
        for (; n < 9; ++n) frac *= 10;
    }
    std::int64_t offset = 0;
    if (pos < s.size() && (s[pos] == 'Z' || s[pos] == 'z')) {
        ++pos;
    } else if (pos < s.size() && (s[pos] == '+' || s[pos] == '-')) {
        int oh, om;
        if (!digits(s, pos + 1, 2, oh) || pos + 3 >= s.size() || s[pos + 3] != ':' || !digits(s, pos + 4, 2, om))
            return false;
        offset = (oh * 3600 + om * 60) * (s[pos] == '-' ? -1 : 1);
        pos += 6;
    } else {
        return false;
    }
    if (pos != s.size() || month < 1 || month > 12 || day < 1 || day > 31 || hour > 23 || minute > 59 || second > 60)
        return false;
    std::int64_t days = days_from_civil(year, static_cast<unsigned>(month), static_cast<unsigned>(day));
    if (to_civil(days * 86400).day != day) return false;  // e.g. February 30th
    seconds = days * 86400 + hour * 3600 + minute * 60 + second - offset;
    nanos = frac;
    return timestamp_in_range(seconds);
}

bool parse_duration(std::string_view s, std::int64_t& seconds, std::int32_t& nanos) {
    std::size_t pos = 0;
    bool negative = false;
    if (pos < s.size() && (s[pos] == '-' || s[pos] == '+')) negative = s[pos++] == '-';
    if (s.substr(pos) == "0") { seconds = 0; nanos = 0; return true; }
    if (pos == s.size()) return false;
    wide_int total = 0;  // nanoseconds; wide enough that no valid input overflows
    while (pos < s.size()) {
        wide_int whole = 0;
        std::size_t start = pos;
        while (pos < s.size() && s[pos] >= '0' && s[pos] <= '9') {
            whole = whole * 10 + (s[pos++] - '0');
            if (whole > (wide_int)1 << 80) return false;
        }
        wide_int frac = 0, scale = 1;
        bool had_point = pos < s.size() && s[pos] == '.';
        if (had_point) {
            ++pos;
            while (pos < s.size() && s[pos] >= '0' && s[pos] <= '9') {
                if (scale < (wide_int)1000000000000000000) { frac = frac * 10 + (s[pos] - '0'); scale *= 10; }
                ++pos;
            }
        }
        if (pos == start || (had_point && pos == start + 1)) return false;
        std::size_t unit_start = pos;
        while (pos < s.size() && !(s[pos] >= '0' && s[pos] <= '9') && s[pos] != '.') ++pos;
        std::string_view unit = s.substr(unit_start, pos - unit_start);
        wide_int mult;
        if (unit == "ns") mult = 1;
        else if (unit == "us" || unit == "\xC2\xB5s" || unit == "\xCE\xBCs") mult = 1000;
        else if (unit == "ms") mult = 1000000;
        else if (unit == "s") mult = 1000000000;
        else if (unit == "m") mult = 60LL * 1000000000;
        else if (unit == "h") mult = 3600LL * 1000000000;
        else return false;
        total += whole * mult + frac * mult / scale;
        if (total > max_duration_nanos * 2) return false;
    }
    if (negative) total = -total;
    seconds = static_cast<std::int64_t>(total / 1000000000);
    nanos = static_cast<std::int32_t>(total % 1000000000);
    return duration_in_range(total);
}

std::string format_timestamp(std::int64_t seconds, std::int32_t nanos) {
    Civil c = to_civil(seconds);
    char buf[64];
    std::snprintf(buf, sizeof buf, "%04lld-%02d-%02dT%02d:%02d:%02d", static_cast<long long>(c.year), c.month, c.day,
                  c.hour, c.minute, c.second);
    return buf + trimmed_fraction(nanos, false) + "Z";
}

std::string format_duration(std::int64_t seconds, std::int32_t nanos) {
    std::string out;
    if (seconds < 0 || nanos < 0) out += '-';
    out += std::to_string(seconds < 0 ? -static_cast<unsigned long long>(seconds) : static_cast<unsigned long long>(seconds));
    out += trimmed_fraction(nanos < 0 ? -nanos : nanos, true);
    return out + "s";
}

namespace {
// A TZif file reduced to what an offset lookup needs.
struct Zone {
    std::vector<std::int64_t> transitions;
    std::vector<std::uint8_t> type_of;
    std::vector<std::int32_t> offsets;
};

std::int64_t be(const unsigned char* p, int n) {
    std::uint64_t v = 0;
    for (int i = 0; i < n; ++i) v = v << 8 | p[i];
    if (n == 4) return static_cast<std::int32_t>(static_cast<std::uint32_t>(v));
    return static_cast<std::int64_t>(v);
}

std::optional<Zone> load_zone(const std::string& name) {
    if (name.empty() || name.find("..") != std::string::npos || name[0] == '/') return std::nullopt;
    std::ifstream in("/usr/share/zoneinfo/" + name, std::ios::binary);
    if (!in) return std::nullopt;
    std::vector<unsigned char> d((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
    auto parse_block = [&](std::size_t at, int time_size, Zone& z, std::size_t& end) -> bool {
        if (d.size() < at + 44 || d[at] != 'T' || d[at + 1] != 'Z' || d[at + 2] != 'i' || d[at + 3] != 'f') return false;
        auto cnt = [&](int i) { return static_cast<std::size_t>(be(&d[at + 20 + 4 * i], 4)); };
        std::size_t isut = cnt(0), isstd = cnt(1), leap = cnt(2), timecnt = cnt(3), typecnt = cnt(4), chars = cnt(5);
        std::size_t p = at + 44;
        std::size_t need = timecnt * (time_size + 1) + typecnt * 6 + chars + leap * (time_size + 4) + isstd + isut;
        if (d.size() < p + need || typecnt == 0) return false;
        z = {};
        for (std::size_t i = 0; i < timecnt; ++i) z.transitions.push_back(be(&d[p + i * time_size], time_size));
        p += timecnt * time_size;
        for (std::size_t i = 0; i < timecnt; ++i) z.type_of.push_back(d[p + i]);
        p += timecnt;
        for (std::size_t i = 0; i < typecnt; ++i) z.offsets.push_back(static_cast<std::int32_t>(be(&d[p + i * 6], 4)));
        end = p + typecnt * 6 + chars + leap * (time_size + 4) + isstd + isut;
        for (auto t : z.type_of) if (t >= typecnt) return false;
        return true;
    };
    Zone z;
    std::size_t end = 0;
    if (!parse_block(0, 4, z, end)) return std::nullopt;
    if (d[4] >= '2') {
        Zone z64;
        std::size_t end64 = 0;
        if (parse_block(end, 8, z64, end64)) return z64;
    }
    return z;
}

std::optional<std::int64_t> fixed_offset(std::string_view tz) {
    int sign = 1;
    if (!tz.empty() && (tz[0] == '+' || tz[0] == '-')) {
        sign = tz[0] == '-' ? -1 : 1;
        tz.remove_prefix(1);
    }
    int h, m;
    if (tz.size() != 5 || tz[2] != ':' || !digits(tz, 0, 2, h) || !digits(tz, 3, 2, m) || m > 59) return std::nullopt;
    return sign * (h * 3600 + m * 60);
}
}  // namespace

std::optional<std::int64_t> zone_offset(std::string_view tz, std::int64_t utc_seconds) {
    if (tz == "UTC" || tz == "Z" || tz == "GMT") return 0;
    if (auto fixed = fixed_offset(tz)) return fixed;
    static std::mutex mu;
    static std::map<std::string, std::optional<Zone>, std::less<>> cache;
    std::lock_guard lock(mu);
    auto it = cache.find(tz);
    if (it == cache.end()) it = cache.emplace(std::string(tz), load_zone(std::string(tz))).first;
    if (!it->second) return std::nullopt;
    const Zone& z = *it->second;
    std::size_t i = 0;
    while (i < z.transitions.size() && z.transitions[i] <= utc_seconds) ++i;
    if (i == 0) return z.offsets[0];
    return z.offsets[z.type_of[i - 1]];
}

}  // namespace meshctl::expr::detail
