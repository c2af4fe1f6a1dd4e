// Positions in a log as users write them (`beginning`, `-100`, `-1h`, `@1714557600000`,
// `2024-05-01T10:00Z`, `offset:42`) and their resolution to offsets per partition.
#pragma once

#include "core/kafka/admin.hpp"

#include <cstdint>
#include <map>
#include <string>
#include <string_view>
#include <vector>

namespace meshctl::kafka {

/// A parsed position.
struct Position {
    enum class Kind { beginning, end, offset, from_end, time };
    Kind kind = Kind::beginning;
    std::int64_t value = 0;  // offset, count before end, or epoch ms
    std::string text;        // as the user wrote it
};

/// Parses a position; throws usage_error naming `what` (e.g. "--from") and the forms.
Position parse_position(std::string_view text, std::string_view what, std::int64_t now_ms);

/// Resolves a position to a concrete offset per partition, clamped to the watermarks.
/// Time positions ask the broker (one batched request).
std::map<TopicPartition, std::int64_t> resolve_position(Admin& admin, const Position& position,
                                                        const std::map<TopicPartition, Watermarks>& marks);

}  // namespace meshctl::kafka
