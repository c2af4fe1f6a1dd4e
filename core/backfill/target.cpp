#include "core/backfill/target.hpp"

#include "core/error.hpp"
#include "core/util/text.hpp"
#include "core/util/time.hpp"

#include <cctype>
#include <cmath>
#include <set>

namespace meshctl::backfill {

namespace {

constexpr std::string_view target_forms =
    "use earliest, latest, offset:N, shift:+N or shift:-N, an ISO-8601 time (2024-05-01T10:00:00Z), "
    "or a duration back from now (36h, 7d, PT36H)";

}  // namespace

std::optional<std::int64_t> parse_iso8601_duration_ms(std::string_view text) {
    if (text.size() < 3 || (text[0] != 'P' && text[0] != 'p')) return std::nullopt;
    double total = 0;
    bool in_time = false, any = false;
    std::size_t i = 1;
    while (i < text.size()) {
        char c = text[i];
        if (c == 'T' || c == 't') {
            if (in_time) return std::nullopt;
            in_time = true;
            ++i;
            continue;
        }
        std::size_t start = i;
        while (i < text.size() && (std::isdigit(static_cast<unsigned char>(text[i])) || text[i] == '.')) ++i;
        if (start == i || i == text.size()) return std::nullopt;
        double n = 0;
        try {
            n = std::stod(std::string(text.substr(start, i - start)));
        } catch (const std::exception&) {
            return std::nullopt;
        }
        char unit = static_cast<char>(std::toupper(static_cast<unsigned char>(text[i++])));
        double ms = 0;
        if (!in_time && unit == 'D') ms = 86'400'000.0;
        else if (!in_time && unit == 'W') ms = 7 * 86'400'000.0;
        else if (in_time && unit == 'H') ms = 3'600'000.0;
        else if (in_time && unit == 'M') ms = 60'000.0;
        else if (in_time && unit == 'S') ms = 1000.0;
        else return std::nullopt;
        total += n * ms;
        any = true;
    }
    if (!any) return std::nullopt;
    return static_cast<std::int64_t>(std::llround(total));
}

Target parse_target(std::string_view text, std::int64_t now_ms) {
    Target t;
    t.text = std::string(text);
    auto bad = [&](std::string why = {}) {
        return usage_error("--to: \"" + t.text + "\" is not a reset target" + (why.empty() ? "" : " (" + why + ")"),
                           std::string(target_forms));
    };
    long long n = 0;
    std::string lower = util::lower(text);
    if (lower == "earliest" || lower == "beginning") {
        t.kind = Target::Kind::earliest;
    } else if (lower == "latest" || lower == "end") {
        t.kind = Target::Kind::latest;
    } else if (lower.rfind("offset:", 0) == 0) {
        if (!util::parse_int64(text.substr(7), n) || n < 0) throw bad("expected a non-negative offset after offset:");
        t.kind = Target::Kind::offset;
        t.value = n;
    } else if (lower.rfind("shift:", 0) == 0) {
        std::string_view rest = text.substr(6);
        if (rest.empty() || (rest[0] != '+' && rest[0] != '-')) throw bad("expected a sign, as in shift:+100 or shift:-100");
        if (!util::parse_int64(rest.substr(1), n) || n < 0) throw bad("expected a whole number after the sign");
        t.kind = Target::Kind::shift;
        t.value = rest[0] == '-' ? -n : n;
    } else if (!text.empty() && text[0] == '@' && util::parse_int64(text.substr(1), n) && n >= 0) {
        t.kind = Target::Kind::time;
        t.value = n;
    } else if (auto iso = util::parse_iso8601_ms(text)) {
        t.kind = Target::Kind::time;
        t.value = *iso;
    } else {
        std::string_view d = !text.empty() && text[0] == '-' ? text.substr(1) : text;
        std::optional<std::int64_t> ms;
        if (auto pd = parse_iso8601_duration_ms(d)) ms = pd;
        else if (auto ud = util::try_parse_duration(d)) ms = ud->count();
        if (!ms) {
            if (util::parse_int64(text, n)) throw bad("a bare number is ambiguous; write offset:" + t.text + " or shift:" + t.text);
            throw bad();
        }
        t.kind = Target::Kind::time;
        t.value = now_ms - *ms;
    }
    return t;
}

TopicSpec parse_topic_spec(std::string_view text) {
    TopicSpec spec;
    auto colon = text.rfind(':');
    spec.topic = std::string(colon == std::string_view::npos ? text : text.substr(0, colon));
    if (spec.topic.empty())
        throw usage_error("--topic: \"" + std::string(text) + "\" names no topic", "write --topic TOPIC or --topic TOPIC:0,1,2");
    if (colon == std::string_view::npos) return spec;
    std::set<std::int32_t> seen;
    auto bad = [&](const std::string& part) {
        return usage_error("--topic: \"" + part + "\" in \"" + std::string(text) + "\" is not a partition number or range",
                           "write --topic TOPIC:0,1,2 or --topic TOPIC:0-3");
    };
    for (const auto& part : util::split(text.substr(colon + 1), ',')) {
        std::string_view p = util::trim(part);
        long long a = 0, b = 0;
        auto dash = p.find('-', 1);
        if (dash != std::string_view::npos) {
            if (!util::parse_int64(p.substr(0, dash), a) || !util::parse_int64(p.substr(dash + 1), b) || a < 0 || b < a ||
                b > INT32_MAX)
                throw bad(std::string(p));
        } else {
            if (!util::parse_int64(p, a) || a < 0 || a > INT32_MAX) throw bad(std::string(p));
            b = a;
        }
        for (long long k = a; k <= b; ++k)
            if (seen.insert(static_cast<std::int32_t>(k)).second) spec.partitions.push_back(static_cast<std::int32_t>(k));
    }
    return spec;
}

std::string describe(const Target& t) {
    switch (t.kind) {
        case Target::Kind::earliest: return "earliest";
        case Target::Kind::latest: return "latest";
        case Target::Kind::offset: return "offset " + std::to_string(t.value);
        case Target::Kind::shift: return std::string("shift ") + (t.value >= 0 ? "+" : "") + std::to_string(t.value);
        case Target::Kind::time: return util::format_iso8601_ms(t.value);
        case Target::Kind::explicit_offsets: return "offsets from " + t.text;
    }
    return t.text;
}

}  // namespace meshctl::backfill
