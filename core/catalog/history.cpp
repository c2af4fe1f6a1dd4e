#include "core/catalog/history.hpp"

#include "core/util/text.hpp"
#include "core/util/time.hpp"

#include <cstdio>

namespace meshctl::catalog {

std::string to_string(HistoryVerdict::Mode mode) {
    switch (mode) {
        case HistoryVerdict::Mode::full: return "full";
        case HistoryVerdict::Mode::compacted: return "compacted";
        case HistoryVerdict::Mode::partial: return "partial";
        case HistoryVerdict::Mode::real_time_only: return "real_time_only";
        case HistoryVerdict::Mode::unknown: return "unknown";
        case HistoryVerdict::Mode::missing: return "missing";
    }
    return "unknown";
}

namespace {

// Minutes are enough to read a history boundary; seconds would only add noise.
std::string short_time(std::int64_t ms) {
    std::string iso = util::format_iso8601_ms(ms);  // 2024-05-01T10:00:00.250Z
    return iso.size() >= 16 ? iso.substr(0, 16) + "Z" : iso;
}

std::string retention_text(const std::string& ms) {
    long long v;
    if (util::parse_int64(ms, v) && v > 0) return "retention.ms=" + ms + " (" + util::format_duration(std::chrono::milliseconds(v)) + ")";
    return "retention.ms=" + ms;
}

bool any_deleted(const TopicStats& s) {
    for (const auto& p : s.partitions)
        if (p.low > 0) return true;
    return false;
}

bool all_empty(const TopicStats& s) {
    for (const auto& p : s.partitions)
        if (p.high > p.low) return false;
    return true;
}

HistoryVerdict partial_or_empty(const TopicStats& s, const std::string& why) {
    HistoryVerdict v;
    if (all_empty(s)) {
        v.mode = HistoryVerdict::Mode::real_time_only;
        v.reason = why + "; no records are retained (log start = end on every partition)";
        return v;
    }
    v.mode = HistoryVerdict::Mode::partial;
    v.since_ms = s.first_event_ms();
    v.reason = why + (v.since_ms ? "; the earliest retained record is from " + util::format_iso8601_ms(*v.since_ms)
                                 : "; the earliest record's time could not be read");
    return v;
}

}  // namespace

std::string HistoryVerdict::label() const {
    switch (mode) {
        case Mode::full: return "full";
        case Mode::compacted: return "compacted";
        case Mode::partial: return since_ms ? "partial since " + short_time(*since_ms) : "partial";
        case Mode::real_time_only: return "real-time only";
        case Mode::unknown: return "unknown";
        case Mode::missing: return "topic missing";
    }
    return "unknown";
}

nlohmann::ordered_json HistoryVerdict::to_json() const {
    return {{"mode", to_string(mode)},
            {"since", since_ms ? nlohmann::ordered_json(util::format_iso8601_ms(*since_ms)) : nlohmann::ordered_json()},
            {"reason", reason}};
}

HistoryVerdict history_verdict(const TopicStats& s, HistoryMode declared) {
    HistoryVerdict v;
    if (!s.offsets_known) {
        v.reason = "the topic's offsets could not be read";
        return v;
    }
    if (s.configs) {
        std::string policy = s.config("cleanup.policy").value_or("delete");
        std::string retention = s.config("retention.ms").value_or("");
        if (policy.find("compact") != std::string::npos) {
            v.mode = HistoryVerdict::Mode::compacted;
            v.reason = "cleanup.policy=" + policy + " keeps the latest record per key";
            if (policy.find("delete") != std::string::npos)
                v.reason += ", for " + retention_text(retention).substr(std::string("retention.ms=").size()) + " only";
            return v;
        }
        if (retention == "-1") {
            if (!any_deleted(s)) {
                v.mode = HistoryVerdict::Mode::full;
                v.reason = "retention.ms=-1 keeps every record and the log starts at offset 0";
                return v;
            }
            return partial_or_empty(s, "retention.ms=-1, but records before the log start were deleted");
        }
        return partial_or_empty(s, retention.empty() ? "cleanup.policy=" + policy : retention_text(retention));
    }
    // No configs (the dev broker cannot describe them): trust the declaration where the
    // offsets do not contradict it.
    std::string why = "topic configs unavailable (" + (s.configs_error.empty() ? std::string("not described") : s.configs_error) + ")";
    switch (declared) {
        case HistoryMode::compacted:
            v.mode = HistoryVerdict::Mode::compacted;
            v.reason = "declared compacted by the product descriptor; " + why;
            return v;
        case HistoryMode::full:
            if (!any_deleted(s)) {
                v.mode = HistoryVerdict::Mode::full;
                v.reason = "declared full by the product descriptor and the log starts at offset 0; " + why;
                return v;
            }
            return partial_or_empty(s, "declared full, but records before the log start were deleted; " + why);
        case HistoryMode::window: return partial_or_empty(s, "declared as a time window by the product descriptor; " + why);
        case HistoryMode::unspecified: break;
    }
    return partial_or_empty(s, why);
}

std::optional<double> estimate_rate(const TopicStats& s) {
    std::int64_t records = s.records();
    auto first = s.first_event_ms();
    auto last = s.last_event_ms();
    if (records < 2 || !first || !last || *last <= *first) return std::nullopt;
    return static_cast<double>(records) / (static_cast<double>(*last - *first) / 1000.0);
}

std::string format_rate(std::optional<double> r) {
    if (!r || *r <= 0) return "-";
    char buf[32];
    if (*r >= 1) std::snprintf(buf, sizeof buf, "%.1f/s", *r);
    else if (*r * 60 >= 1) std::snprintf(buf, sizeof buf, "%.1f/min", *r * 60);
    else if (*r * 3600 >= 1) std::snprintf(buf, sizeof buf, "%.1f/h", *r * 3600);
    else std::snprintf(buf, sizeof buf, "%.1f/d", *r * 86400);
    return buf;
}

}  // namespace meshctl::catalog
