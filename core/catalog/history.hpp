// How much history a stream really holds, decided from the live cluster (configs and
// offsets), and how fast it grows. Pure functions over observed facts, so the rules are
// unit-tested without a broker.
#pragma once

#include "core/catalog/descriptor.hpp"
#include "core/catalog/live.hpp"

#include <nlohmann/json.hpp>

#include <optional>
#include <string>

namespace meshctl::catalog {

/// The verdict on a topic's history.
struct HistoryVerdict {
    enum class Mode { full, compacted, partial, real_time_only, unknown, missing };
    Mode mode = Mode::unknown;
    std::optional<std::int64_t> since_ms;  // partial: timestamp of the earliest retained record
    std::string reason;                    // one sentence saying which facts decided it
    /// "full", "compacted", "partial since 2024-05-01T10:00Z", "real-time only", "unknown", "topic missing".
    std::string label() const;
    /// {"mode": "...", "since": "...", "reason": "..."}; mode is the snake_case name.
    nlohmann::ordered_json to_json() const;
};

/// "full", "compacted", "partial", "real_time_only", "unknown", "missing".
std::string to_string(HistoryVerdict::Mode mode);

/// Decides the verdict. With configs: cleanup.policy with compact means compacted;
/// retention.ms=-1 with nothing deleted means full; otherwise partial since the earliest
/// record, or real-time only when nothing is retained. Without configs (the dev broker),
/// the descriptor's declared history is used, checked against the offsets.
HistoryVerdict history_verdict(const TopicStats& stats, HistoryMode declared);

/// Records per second over the retained span: (high - low) summed over partitions,
/// divided by (latest last-record time - earliest first-record time). nullopt when
/// fewer than two records or no time span is known.
std::optional<double> estimate_rate(const TopicStats& stats);

/// "12.3/s", "4.0/min", "0.5/h", "-" for nullopt or zero.
std::string format_rate(std::optional<double> per_second);

}  // namespace meshctl::catalog
