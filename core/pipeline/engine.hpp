// Running pipelines against Kafka: `run` (tables bootstrapped first, the stream consumed
// through a consumer group, offsets committed only after every sink acknowledged) and
// `preview` (the last N events against the live tables, nothing written).
#pragma once

#include "core/output/emit.hpp"
#include "core/pipeline/processor.hpp"
#include "core/pipeline/spec.hpp"
#include "core/schema/decoder.hpp"
#include "core/sinks/sink.hpp"

#include <chrono>
#include <functional>
#include <map>
#include <optional>
#include <ostream>
#include <string>
#include <vector>

namespace meshctl::pipeline {

/// Where a run is, for progress lines, periodic stats and the final summary.
class RunStats : public output::Result {
public:
    std::string pipeline;
    std::string group;
    std::string stream;                                   // the stream source's name
    std::map<std::string, std::uint64_t> read;            // records read per source
    ProcessCounts counts;
    std::vector<std::pair<std::string, std::uint64_t>> written;  // per sink (describe(), acknowledged)
    std::uint64_t table_rows = 0;
    std::uint64_t table_bytes = 0;                        // keys and values held
    std::uint64_t table_memory = 0;                       // bytes allocated for them (rows and index)
    std::uint64_t window_records = 0;                     // windowed join: records held in the window
    std::uint64_t window_bytes = 0;
    std::int64_t lag = 0;                                 // stream records not yet processed (assigned partitions)
    std::vector<std::int32_t> partitions;                 // stream partitions assigned now
    double elapsed_s = 0;
    double events_in_per_s = 0;                           // over the last interval
    double events_out_per_s = 0;
    std::uint64_t sink_retries = 0;
    std::uint64_t skipped_deleted = 0;                    // stream records deleted (retention) before they were read
    std::string stopped;                                  // caught_up, until, interrupted ("" while running)

    nlohmann::json to_json() const override;
    void to_text(std::ostream& out, const output::TextStyle& style) const override;
    /// One short line for a TTY progress display.
    std::string progress_line() const;
};

/// How to run.
struct RunOptions {
    std::optional<std::string> from;    // replaces committed offsets and the source's `from`
    std::optional<std::string> until;   // a position, or "caught-up" (the end offsets seen at start)
    std::optional<std::string> group;   // default: the spec's group or meshctl-pipeline-NAME
    std::chrono::milliseconds flush_interval{1000};
    std::uint64_t flush_records = 500'000;
    /// How long a failing sink is retried (with backoff) before the run gives up.
    std::chrono::milliseconds sink_deadline{std::chrono::minutes(5)};
    std::chrono::milliseconds stats_interval{0};  // 0: no periodic stats
    std::function<void(const RunStats&)> on_stats;     // every stats_interval
    std::function<void(const RunStats&)> on_progress;  // often (callers throttle)
    /// Schemas by id for Confluent-framed stream records (the registry); empty = none, and
    /// framed records are then dead-lettered as undecodable.
    schema::SchemaById schema_by_id;
};

/// Runs until --until is reached or a signal arrives; returns the summary with `stopped`
/// set. Throws remote_error when a sink stays down past the deadline (nothing committed
/// past what it acknowledged), usage/not_found errors for bad positions and topics.
RunStats run_pipeline(const PipelineSpec& spec, const RunOptions& options, const sinks::SinkContext& context,
                      std::ostream& stdout_stream);

/// One record a sink would receive in a preview.
struct PreviewRecord {
    std::string sink;
    sinks::Record record;
};

/// What preview found.
class PreviewResult : public output::Result {
public:
    std::vector<PreviewRecord> records;
    std::vector<std::pair<std::string, std::string>> dead_letters;  // origin, reason
    ProcessCounts counts;
    std::uint64_t window_records = 0;  // windowed join: records still in open windows at the end
    std::uint64_t table_rows = 0;

    nlohmann::json to_json() const override;
    void to_text(std::ostream& out, const output::TextStyle& style) const override;
};

/// Processes the last `count` events of the stream (by timestamp, over all partitions)
/// against the tables loaded now; opens no sink and commits nothing. With a windowed join,
/// the last `count` records of each stream are merged by timestamp through the window.
PreviewResult preview_pipeline(const PipelineSpec& spec, int count, const kafka::ClientSettings& settings);

}  // namespace meshctl::pipeline
