// Durations and instants as users type them: `30s`, `1h30m`, `2024-05-01T10:00:00Z`.
#pragma once

#include <chrono>
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

namespace meshctl::util {

/// Parses `500ms`, `30s`, `2m`, `36h`, `7d`, `1h30m`, `1.5h`; throws usage_error naming
/// `what` (e.g. "--timeout") and the accepted forms when the text is not a duration.
std::chrono::milliseconds parse_duration(std::string_view text, std::string_view what);

/// Like parse_duration but returns nullopt instead of throwing.
std::optional<std::chrono::milliseconds> try_parse_duration(std::string_view text);

/// Parses ISO-8601 dates and date-times (`2024-05-01`, `2024-05-01T10:00:00Z`,
/// `2024-05-01T10:00:00.250+02:00`, a space instead of `T`); no zone means UTC.
/// Returns epoch milliseconds, or nullopt when the text is not such a time.
std::optional<std::int64_t> parse_iso8601_ms(std::string_view text);

/// Formats epoch milliseconds as `2024-05-01T10:00:00.250Z` (UTC).
std::string format_iso8601_ms(std::int64_t epoch_ms);

/// Formats a duration compactly: `1h02m`, `45s`, `350ms`.
std::string format_duration(std::chrono::milliseconds d);

/// Wall-clock now in epoch milliseconds.
std::int64_t now_ms();

}  // namespace meshctl::util
