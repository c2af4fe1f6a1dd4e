// What a backfill resets to, and which partitions, as users write them:
// `--to earliest|latest|offset:N|shift:+N|shift:-N|ISO-8601 time|36h` and `--topic T[:P,...]`.
#pragma once

#include "core/kafka/client.hpp"

#include <cstdint>
#include <map>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace meshctl::backfill {

/// A parsed reset target.
struct Target {
    enum class Kind { earliest, latest, offset, shift, time, explicit_offsets };
    Kind kind = Kind::earliest;
    std::int64_t value = 0;  // offset, shift amount, or epoch ms
    std::string text;        // as the user wrote it (or the file it came from)
    /// For explicit_offsets (undo): the offset per partition; nullopt = had no committed offset.
    std::map<kafka::TopicPartition, std::optional<std::int64_t>> offsets;
};

/// Parses `--to`; durations (`36h`, `-36h`, `P1DT12H`) mean that long before `now_ms`.
/// Throws usage_error naming the accepted forms.
Target parse_target(std::string_view text, std::int64_t now_ms);

/// Parses an ISO-8601 duration (`PT36H`, `P7D`, `P1DT2H30M15.5S`), as kafka-consumer-groups
/// --by-duration takes it; nullopt when the text is not one.
std::optional<std::int64_t> parse_iso8601_duration_ms(std::string_view text);

/// One `--topic` argument: a topic and, optionally, some of its partitions.
struct TopicSpec {
    std::string topic;
    std::vector<std::int32_t> partitions;  // empty = all partitions
};

/// Parses `T`, `T:0,2,5` or `T:0-3`; throws usage_error on malformed partitions.
TopicSpec parse_topic_spec(std::string_view text);

/// A short description of a target for people: `earliest`, `offset 42`, `shift -100`, `2024-05-01T10:00:00.000Z`.
std::string describe(const Target& target);

}  // namespace meshctl::backfill
