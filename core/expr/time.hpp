// Internal: timestamp and duration text, calendar arithmetic and time zones for CEL.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

namespace meshctl::expr::detail {

// Nanoseconds over CEL's ranges exceed int64; GCC and Clang's 128-bit integer is exact.
__extension__ typedef __int128 wide_int;

inline constexpr std::int64_t min_timestamp_seconds = -62135596800;  // 0001-01-01T00:00:00Z
inline constexpr std::int64_t max_timestamp_seconds = 253402300799;  // 9999-12-31T23:59:59Z
// CEL implementations (and the conformance data) bound durations by int64 nanoseconds,
// about +-292 years, rather than by protobuf's +-10000 years.
inline constexpr wide_int max_duration_nanos = 9223372036854775807;

/// True when seconds lie in CEL's timestamp range (years 1 to 9999).
inline bool timestamp_in_range(std::int64_t s) { return s >= min_timestamp_seconds && s <= max_timestamp_seconds; }
/// True when a duration of `nanos` nanoseconds is representable.
inline bool duration_in_range(wide_int nanos) { return nanos >= -max_duration_nanos - 1 && nanos <= max_duration_nanos; }

/// Parses RFC 3339 ("2009-02-13T23:31:30.5Z", "...+01:00"); false when malformed or out of range.
bool parse_timestamp(std::string_view text, std::int64_t& seconds, std::int32_t& nanos);
/// Parses Go-style durations ("1h2m3.5s", "-1.5ms", "0"); false when malformed or out of range.
bool parse_duration(std::string_view text, std::int64_t& seconds, std::int32_t& nanos);
/// RFC 3339 with as many fractional digits as needed.
std::string format_timestamp(std::int64_t seconds, std::int32_t nanos);
/// Seconds with an "s" suffix and 0, 3, 6 or 9 fractional digits ("1.500s").
std::string format_duration(std::int64_t seconds, std::int32_t nanos);

/// Days since 1970-01-01 of a proleptic Gregorian date.
std::int64_t days_from_civil(std::int64_t y, unsigned m, unsigned d);

/// A broken-down time.
struct Civil {
    std::int64_t year;
    int month;        // 1-12
    int day;          // 1-31
    int hour, minute, second;
    int day_of_week;  // 0 = Sunday
    int day_of_year;  // 0-based
};
/// Breaks seconds since the epoch (already shifted into local time) into calendar fields.
Civil to_civil(std::int64_t seconds);

/// Offset east of UTC in seconds of the zone `tz` ("UTC", "+05:30", "-02:00", "02:00" or an
/// IANA name read from the system zoneinfo) at the instant `utc_seconds`; nullopt if unknown.
std::optional<std::int64_t> zone_offset(std::string_view tz, std::int64_t utc_seconds);

}  // namespace meshctl::expr::detail
