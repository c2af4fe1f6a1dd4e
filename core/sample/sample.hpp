// `meshctl sample`: read events from a stream by position, strategy and filter, and
// hand formatted bytes to a writer. Memory stays bounded whatever the topic size.
#pragma once

#include "core/expr/expr.hpp"
#include "core/kafka/client.hpp"
#include "core/sample/format.hpp"
#include "core/schema/decoder.hpp"

#include <cstdint>
#include <functional>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace meshctl::sample {

/// Which records to pick.
enum class Strategy {
    head,     // the first N from --from
    tail,     // the last N before --until (or the end)
    uniform,  // N spread over partitions (by size) and over offsets, without reading everything
};

/// Parses `head|tail|uniform`; throws usage_error.
Strategy parse_strategy(std::string_view s);

/// Everything `sample` needs, independent of the CLI.
struct SampleOptions {
    std::string stream;                     // topic name (or data product name, via product_topic)
    std::int64_t count = 10;                // -n; 0 = no limit
    std::optional<std::string> from;        // position text; default beginning (end with --follow)
    std::optional<std::string> until;       // position text; default the end offsets seen at start
    std::vector<std::int32_t> partitions;   // empty = all
    std::optional<std::string> where;       // expression
    bool follow = false;                    // keep reading new records
    Strategy strategy = Strategy::head;
    FormatSpec format;
    /// Looks schemas up by id for Confluent-framed payloads (the registry); empty = none.
    schema::SchemaById schema_by_id;
    /// Maps a data product name to its topic when no topic has that name (the catalog).
    std::function<std::optional<std::string>(const std::string&)> product_topic;
};

/// Where a record came from.
struct Origin {
    std::int32_t partition = -1;
    std::int64_t offset = -1;
};

/// What a run saw.
struct SampleStats {
    std::string topic;
    std::int64_t read = 0;          // records consumed
    std::int64_t written = 0;       // records written
    std::int64_t not_json = 0;      // records --where could not read as JSON (counted false)
    Origin first_not_json;
    std::int64_t eval_errors = 0;   // records whose --where evaluation failed (counted false)
    Origin first_eval_error;
    std::int64_t decoded = 0;       // Confluent-framed records decoded to JSON
    std::int64_t undecodable = 0;   // framed records that could not be decoded (shown as they are)
    Origin first_undecodable;
    std::string undecodable_reason;
    bool interrupted = false;
    bool nothing_in_range = false;  // --from was at or beyond the end
};

/// Receives formatted output in large chunks.
using Writer = std::function<void(std::string_view)>;

/// Runs a sample. Throws usage_error (bad position, bad expression: before any I/O),
/// not_found_error (topic, partition), remote_error. Stops on count, --until/end, or
/// SIGINT/SIGTERM (then `interrupted` is set and what was read has been written).
SampleStats run_sample(const SampleOptions& options, const kafka::ClientSettings& settings, const Writer& write);

/// Spreads `n` samples over partitions in proportion to their sizes (largest remainder),
/// never more than a partition holds. Exposed for tests.
std::vector<std::int64_t> allocate_samples(const std::vector<std::int64_t>& sizes, std::int64_t n);

/// The offsets of `n` samples evenly spread over [start, stop). Exposed for tests.
std::vector<std::int64_t> spread_offsets(std::int64_t start, std::int64_t stop, std::int64_t n);

}  // namespace meshctl::sample
