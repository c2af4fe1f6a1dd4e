// Observing a stream for `schema infer` and `schema diff`: N records spread over partitions
// (by size) and over offsets, as `sample --strategy uniform` picks them, handed one by one
// to a sink without keeping them. Also the bookkeeping of events that could not be read.
#pragma once

#include "core/kafka/client.hpp"
#include "core/schema/decoder.hpp"

#include <nlohmann/json.hpp>

#include <cstdint>
#include <functional>
#include <map>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace meshctl::schema {

/// Where a record sits in its topic.
struct Location {
    std::int32_t partition = -1;
    std::int64_t offset = -1;
    /// `partition:offset`, the form used in reports.
    std::string str() const { return std::to_string(partition) + ":" + std::to_string(offset); }
};

/// One observed record; `value` is nullopt for a tombstone. Views live for the call only.
struct RecordView {
    Location at;
    std::optional<std::string_view> value;
};

/// Which records to observe.
struct ObserveOptions {
    std::string stream;                // topic or data product name
    std::int64_t samples = 1000;       // --samples; at least 1
    std::optional<std::string> from;   // --from position text; default the beginning
    /// Maps a data product name to its topic when no topic has that name (the catalog).
    std::function<std::optional<std::string>(const std::string&)> product_topic;
};

/// What an observation read.
struct ObserveStats {
    std::string topic;
    std::int32_t partitions = 0;
    std::int64_t in_range = 0;      // records between --from and the end when it started
    std::int64_t observed = 0;      // records handed to the sink
    bool interrupted = false;       // SIGINT/SIGTERM stopped it early
};

/// Receives each observed record.
using RecordSink = std::function<void(const RecordView&)>;

/// Reads up to `options.samples` records of the stream spread uniformly over partitions and
/// offsets from --from to the end. Throws usage_error (bad --from, --samples < 1, before any
/// I/O), not_found_error (stream), remote_error. Stops early on SIGINT/SIGTERM.
ObserveStats observe(const ObserveOptions& options, const kafka::ClientSettings& settings, const RecordSink& sink);

/// Events that could not be read as JSON, counted by reason; the first few are kept with
/// their location so that reports can point at them.
class BadEvents {
public:
    /// One listed bad event.
    struct Entry {
        Location at;
        std::string reason;  // a DecodeStatus name: not_json, bad_frame, unknown_schema_id, decode_error
        std::string error;   // why, without payload bytes
    };
    /// Keeps at most `listed` entries (counts are always complete).
    explicit BadEvents(std::size_t listed = 20) : cap_(listed) {}
    /// Records one bad event.
    void add(const Location& at, std::string_view reason, std::string_view error);
    /// All bad events.
    std::int64_t total() const { return total_; }
    /// Counts by reason.
    const std::map<std::string, std::int64_t>& counts() const { return counts_; }
    /// The first listed ones, in the order seen.
    const std::vector<Entry>& listed() const { return listed_; }
    /// {"total", "counts": {reason: n}, "listed": [{"partition", "offset", "reason", "error"}]}.
    nlohmann::json to_json() const;
    /// `not_json 2, unknown_schema_id 1`.
    std::string summary() const;

private:
    std::size_t cap_;
    std::int64_t total_ = 0;
    std::map<std::string, std::int64_t> counts_;
    std::vector<Entry> listed_;
};

/// Decodes one record value for inference or diff; bad payloads go to `bad` and yield
/// nullopt. Tombstones yield nullopt and are not bad. Unframed payloads are returned as
/// they are: the caller parses them anyway and counts those that are not JSON.
std::optional<std::string_view> decode_value(Decoder& decoder, const RecordView& record, BadEvents& bad);

}  // namespace meshctl::schema
