// Where records go: one interface for files, stdout, Kafka topics, SQLite views and
// Elasticsearch. Delivery is at least once: the caller commits source offsets only
// after flush() has returned for everything written before it.
#pragma once

#include "core/kafka/client.hpp"

#include <chrono>
#include <functional>
#include <nlohmann/json.hpp>
#include <cstdint>
#include <memory>
#include <optional>
#include <ostream>
#include <string>
#include <string_view>
#include <vector>

namespace meshctl::sinks {

/// One record on its way to a sink, with its origin.
struct Record {
    std::string id;                     // idempotent id (default topic-partition-offset)
    std::optional<std::string> key;     // raw key bytes
    std::optional<std::string> value;   // payload: JSON text, or raw bytes; nullopt = tombstone
    bool value_is_json = false;         // value is known to be well-formed JSON (sinks need not check)
    std::string topic;
    std::int32_t partition = 0;
    std::int64_t offset = 0;
    std::int64_t timestamp_ms = 0;
};

/// A record the sink refused for good (mapping error, bad payload), with the reason.
struct Rejected {
    Record record;
    std::string reason;
};

/// What a flush established.
struct FlushResult {
    std::uint64_t written = 0;           // acknowledged since the previous flush
    std::vector<Rejected> rejected;      // to be dead-lettered by the caller
};

/// A destination.
class Sink {
public:
    virtual ~Sink() = default;
    /// A short description for messages, e.g. `file:/tmp/out.jsonl` (never credentials).
    virtual std::string describe() const = 0;
    /// Queues one record; may block for backpressure; throws remote_error/io_error.
    virtual void write(const Record& record) = 0;
    /// Waits until every queued record is acknowledged or rejected, retrying transient
    /// failures until `deadline` passes (then throws remote_error). After write() or flush()
    /// threw, the caller writes again every record since the last successful flush.
    virtual FlushResult flush(std::chrono::milliseconds deadline) = 0;
};

/// What opening a sink may need from the invocation.
struct SinkContext {
    kafka::ClientSettings kafka;  // for kafka:TOPIC sinks in the current context
    /// Client settings of other contexts by name, for sinks that write to another cluster
    /// (`kafka` sinks with `context: NAME`); filled lazily by the caller.
    std::function<kafka::ClientSettings(const std::string& context)> other_context;
};

/// Opens a sink from its URL form: `-` (stdout), `file:PATH.jsonl`, `kafka:TOPIC`.
/// Unknown schemes are usage errors listing the known ones.
std::unique_ptr<Sink> open_sink(std::string_view url, const SinkContext& context, std::ostream& stdout_stream);

/// Opens a sink from its structured form (pipeline YAML converted to JSON): `type` is one of
/// stdout, file, kafka, sqlite, elasticsearch; `options` holds that sink's settings
/// (e.g. {"path": "out.jsonl"}, {"topic": "t", "context": "prod"}). Unknown types and
/// options are usage errors naming the sink and the accepted keys.
std::unique_ptr<Sink> open_sink_spec(const std::string& type, const nlohmann::json& options, const SinkContext& context,
                                     std::ostream& stdout_stream);

/// The default idempotent id: `topic-partition-offset`.
std::string default_record_id(std::string_view topic, std::int32_t partition, std::int64_t offset);
/// The same id appended to `out` (no allocation once `out` has room).
void append_default_record_id(std::string_view topic, std::int32_t partition, std::int64_t offset, std::string& out);

/// The JSON line written by file and stdout sinks: {"id","topic","partition","offset","timestamp","key","value"},
/// with the value inlined when it is JSON and as a string otherwise.
void append_json_line(const Record& record, std::string& out);

/// The record written to a dead-letter destination for `origin`: same id, key and origin,
/// value {"reason","topic","partition","offset","timestamp","key","value"} with the original
/// key and value as strings.
Record dead_letter_record(const Record& origin, std::string_view reason);

}  // namespace meshctl::sinks
