// A pipeline as written in its YAML file (see man/meshctl-pipeline.5.scd): sources, steps
// and sinks, each remembering where it was written so later checks can point at it.
#pragma once

#include <nlohmann/json.hpp>

#include <cstddef>
#include <optional>
#include <string>
#include <vector>

namespace meshctl::pipeline {

/// A place in the pipeline file (1-based; 0 when unknown).
struct Location {
    int line = 0;
    int column = 0;
};

/// How a source is read: as events, or as a table of the latest value per key.
enum class SourceKind { stream, table };

/// How record values are decoded.
enum class Decoding { json, raw };

/// One source.
struct SourceSpec {
    std::string name;                 // the name steps use (`table: customers`)
    std::string topic;
    SourceKind kind = SourceKind::stream;
    Decoding decoding = Decoding::json;
    std::string from = "beginning";   // streams: the position for a group without committed offsets
    std::string key = "key";          // tables: each row's key; a windowed join's second stream: each record's join key
    Location at;
    Location key_at;                  // where `key` was given (line 0: not given)
};

/// What a step does.
enum class StepKind { filter, join, map };

/// Join flavours.
enum class JoinType { inner, left };

/// One output field of a map step; `spread` copies every field of a map-valued expression.
struct MapField {
    std::string name;
    std::string expr;
    bool spread = false;
    Location at;
};

/// One step, in file order.
struct StepSpec {
    StepKind kind = StepKind::filter;
    std::string expr;                 // filter: the condition
    std::string table;                // join: the table source (empty for a windowed join)
    std::string stream;               // windowed join: the second stream source (empty for a table join)
    std::int64_t window_ms = 0;       // windowed join: records join when |t_left - t_right| <= window
    std::int64_t grace_ms = 0;        // windowed join: how long after a window closes late records are still taken
    std::string on;                   // join: the stream-side key expression
    JoinType join_type = JoinType::inner;
    std::string as;                   // join: the name the table row is bound to (default: the table's name)
    bool copartitioned = false;       // join: the user promises `on` equals the stream's record key
    std::vector<MapField> fields;     // map: output fields in order
    std::vector<std::string> drop;    // map: fields removed from the result
    Location at;
    Location expr_at;                 // where the expression (filter/on) starts
    /// True for a windowed stream-stream join.
    bool windowed() const { return kind == StepKind::join && !stream.empty(); }
};

/// One sink: `type` and `options` go to sinks::open_sink_spec unchanged; `id` and `key`
/// are expressions the pipeline evaluates itself.
struct SinkSpec {
    std::string type;
    nlohmann::json options = nlohmann::json::object();
    std::optional<std::string> id;    // idempotent id expression (default topic-partition-offset, or the key)
    std::optional<std::string> key;   // record key expression (default: the stream record's key)
    Location at;
    Location id_at, key_at;
    /// A short description without secrets, e.g. `sqlite(path=platinum.db, table=t)`.
    std::string describe() const;
};

/// A whole pipeline file.
struct PipelineSpec {
    std::string file;                 // as given, for messages
    std::string name;
    std::vector<SourceSpec> sources;
    std::vector<StepSpec> steps;
    std::vector<SinkSpec> sinks;
    std::optional<SinkSpec> dead_letter;
    std::optional<std::string> group;  // consumer group (default meshctl-pipeline-NAME)

    /// The stream source the pipeline is driven by (not the second stream of a windowed join).
    const SourceSpec& stream() const;
    /// The windowed join step, or nullptr (a pipeline has at most one).
    const StepSpec* windowed_join() const;
    /// The second stream of the windowed join, or nullptr.
    const SourceSpec* joined_stream() const;
    /// The source called `name`, or nullptr.
    const SourceSpec* source(const std::string& name) const;
    /// The consumer group used when --group is not given.
    std::string default_group() const { return group ? *group : "meshctl-pipeline-" + name; }
};

}  // namespace meshctl::pipeline
