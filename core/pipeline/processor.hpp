// The per-event work of a pipeline, free of Kafka: decode, filter, join against tables,
// map, and build one record per sink. The engine feeds it events; unit tests feed it
// in-memory data. One Processor per thread (it owns the evaluators and parsers).
#pragma once

#include "core/expr/expr.hpp"
#include "core/pipeline/spec.hpp"
#include "core/sinks/sink.hpp"

#include <cstdint>
#include <memory>
#include <optional>
#include <set>
#include <string>
#include <string_view>
#include <type_traits>
#include <vector>

namespace meshctl::pipeline {

struct HeldEvent;

/// Table rows by key, as the processor sees them.
class TableView {
public:
    virtual ~TableView() = default;
    /// The bytes stored under `key` (Processor::table_value) in table number `table` (see Processor::tables()),
    /// for an event of stream partition `partition`; nullopt when there is none. The view is
    /// valid until the table changes.
    virtual std::optional<std::string_view> find(std::size_t table, std::int32_t partition, std::string_view key) const = 0;
    /// A cache hint for a find() soon of a key with RowMap::hash `hash`: the index slot, or
    /// with `row` the row itself. Changes nothing; the default does nothing.
    virtual void prefetch(std::size_t table, std::int32_t partition, std::uint64_t hash, bool row) const {
        (void)table, (void)partition, (void)hash, (void)row;
    }
};

/// What became of one event.
enum class Verdict {
    written,      // every sink got a record (see Processor::outputs)
    filtered,     // a filter said false
    unmatched,    // an inner join found no row
    dead_letter,  // decoding or evaluation failed (see Processor::reason)
    tombstone,    // a null stream value: nothing to process
    windowed,     // reached the windowed join: the caller hands it to the window (see Processor::window_key)
};

/// Counters over all processed events.
struct ProcessCounts {
    std::uint64_t processed = 0;
    std::uint64_t written = 0;
    std::uint64_t filtered = 0;
    std::uint64_t joined = 0;     // join lookups that found a row
    std::uint64_t unmatched = 0;  // inner-join misses (events dropped)
    std::uint64_t left_unmatched = 0;  // left-join misses (events kept, row null)
    std::uint64_t dead_lettered = 0;
    std::uint64_t tombstones = 0;
    std::uint64_t late = 0;       // windowed join: records dropped because their window had closed

    ProcessCounts& operator+=(const ProcessCounts& o) {
        processed += o.processed, written += o.written, filtered += o.filtered, joined += o.joined, unmatched += o.unmatched;
        left_unmatched += o.left_unmatched, dead_lettered += o.dead_lettered, tombstones += o.tombstones, late += o.late;
        return *this;
    }
};

/// Renders a key value as the bytes tables are indexed by: strings as they are, other
/// values as JSON text (so `42` and `"42"` differ only if the data does).
void append_key(const expr::Value& v, std::string& out);

/// Compiled steps and sinks of one pipeline.
class Processor {
public:
    /// Compiles the spec (already checked by the loader, so errors here are bugs in it).
    explicit Processor(const PipelineSpec& spec);
    ~Processor();
    Processor(const Processor&) = delete;
    Processor& operator=(const Processor&) = delete;

    /// Table source names in the order TableView::find numbers them.
    const std::vector<std::string>& tables() const;
    /// True when some expression reads `headers` (else events need not list them).
    bool uses_headers() const;
    /// Runs the steps on one stream event.
    Verdict process(const expr::Event& event, const TableView& tables);
    /// True when look_ahead() does anything: the first step is a join on a table.
    bool can_look_ahead() const;
    /// Readies a stream event that process() will see a few events later: evaluates the
    /// first join's key now (process() reuses it) and hints the table's index slot into the
    /// cache; called again with `row` closer to process(), hints the row itself. A join
    /// probes its table at random, and these hints overlap the cache misses of several events.
    void look_ahead(const expr::Event& event, const TableView& tables, bool row);
    /// After `written`: one record per sink, in sink order (reused between calls).
    const std::vector<sinks::Record>& outputs() const;
    /// After `dead_letter`: why.
    const std::string& reason() const;
    /// The key a table record is stored under, by the table's `key` expression; false
    /// (with reason()) when it cannot be computed.
    bool table_key(std::size_t table, const expr::Event& record, std::string& key);
    /// True when the pipeline has a windowed stream-stream join.
    bool windowed() const;
    /// After `windowed`: the event's join key (nullopt for a null key, which matches nothing).
    const std::optional<std::string>& window_key() const;
    /// The join key of a record of the windowed join's second stream, by that source's `key`
    /// expression; false (with reason()) when its value does not decode or the key fails.
    bool window_right_key(const expr::Event& record, std::optional<std::string>& key);
    /// Runs the steps after the windowed join for a result of the window: `left` (an event
    /// that returned `windowed`) with its partner `right`, or with none (a left join's
    /// unmatched record). The records' origin is the left event; the default id names both.
    Verdict process_joined(const HeldEvent& left, const HeldEvent* right, const TableView& tables);
    /// Checks a table value decodes as its source says; false (with reason()) when not.
    /// `stored` receives the bytes to keep, which find() returns to process(): one byte with
    /// the verdict of the filter that follows the table's join when that filter reads only the
    /// joined row (evaluated here, once per row, instead of once per event), then the row's
    /// JSON. Raw values become JSON strings, and an object keeps only the fields of
    /// table_fields() when the steps read nothing else of it.
    bool table_value(std::size_t table, std::string_view value, std::string& stored);
    /// The fields of a table's rows that the expressions read (`customer.tier`), or nullopt
    /// when some expression uses a joined row whole (`customer`, `...customer`, `customer[k]`).
    const std::optional<std::set<std::string, std::less<>>>& table_fields(std::size_t table) const;
    /// True when step `step` is a filter that reads only the row of the join before it, and so
    /// is evaluated once per row when the row is stored (see table_value) rather than per event.
    bool filter_on_stored_rows(std::size_t step) const;
    /// Running totals.
    const ProcessCounts& counts() const;

    struct Impl;

private:
    std::unique_ptr<Impl> impl_;
};

/// Runs body(i) for i in [begin, end) in order, with Processor::look_ahead's schedule when
/// `enabled`: ahead(j, false) 8 events before body(j) (the join key), ahead(j, true) 4
/// before (the row); the first events of the range are primed. A body that returns bool
/// ends the walk by returning false.
template <typename Ahead, typename Body>
void with_look_ahead(std::size_t begin, std::size_t end, bool enabled, Ahead&& ahead, Body&& body) {
    if (enabled)
        for (std::size_t j = begin; j < end && j < begin + 8; ++j) ahead(j, j < begin + 4);
    for (std::size_t i = begin; i < end; ++i) {
        if (enabled) {
            if (i + 8 < end) ahead(i + 8, false);
            if (i + 4 < end) ahead(i + 4, true);
        }
        if constexpr (std::is_same_v<decltype(body(i)), bool>) {
            if (!body(i)) return;
        } else {
            body(i);
        }
    }
}

/// Builds the JSON envelope a dead-letter sink receives for an event.
sinks::Record dead_letter_record(const expr::Event& event, std::string_view reason);

}  // namespace meshctl::pipeline
