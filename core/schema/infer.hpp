// `meshctl schema infer`: a JSON Schema (draft 2020-12) drawn from observed events, with
// per-field statistics: types and unions, presence, nullability, low-cardinality enums with
// counts, string formats, numeric ranges, nesting, and an example value per field.
#pragma once

#include "core/kafka/client.hpp"
#include "core/output/emit.hpp"
#include "core/schema/decoder.hpp"
#include "core/schema/observe.hpp"

#include <nlohmann/json.hpp>

#include <cstdint>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

namespace meshctl::schema {

/// Tuning of inference.
struct InferOptions {
    std::size_t max_enum_values = 10;  // strings with at most this many distinct values (seen often enough) become enums
    std::size_t listed_bad = 20;       // bad events listed by location (all are counted)
    std::size_t max_fields = 10000;    // distinct field paths tracked; later ones are counted in `untracked_fields`
};

/// One field of the inferred tree, flattened in document order for reports.
struct InferredField {
    std::string path;                 // `a.b`, `items[].sku`; array items of scalars end in `[]`
    std::string name;                 // the last part (`[]` for array items)
    int depth = 0;                    // 0 for top-level fields
    std::vector<std::string> types;   // JSON Schema type names, `null` last
    std::int64_t present = 0;         // values seen (nulls included)
    std::int64_t of = 0;              // occurrences of the enclosing object (or array elements)
    double presence = 0;              // present / of, in percent
    bool required = false;            // present in every occurrence of the enclosing object
    std::int64_t nulls = 0;           // null values among `present`
    std::string format;               // date-time, date, uuid, email, uri; empty if none fits every string
    std::vector<std::pair<std::string, std::int64_t>> enum_values;  // by count, most frequent first
    nlohmann::json minimum, maximum;  // numeric range (null when no number was seen)
    std::optional<std::int64_t> min_items, max_items;  // array lengths
    nlohmann::json example;           // the first non-null scalar value seen (null if none)
};

/// The inferred schema of a stream and how it was observed.
class InferredSchema : public output::Result {
public:
    std::string stream;               // as the user named it
    std::string topic;                // the topic read
    std::int32_t partitions = 0;
    std::int64_t requested = 0;       // --samples
    std::int64_t observed = 0;        // records read
    std::int64_t tombstones = 0;      // records with a null value (skipped)
    std::int64_t decoded = 0;         // records read as JSON documents
    std::int64_t untracked_fields = 0;  // field occurrences beyond max_fields
    bool interrupted = false;
    BadEvents bad;
    nlohmann::json schema;            // the JSON Schema document
    std::vector<InferredField> fields;

    /// {"stream", "topic", "partitions", "samples": {...}, "bad_events": {...}, "schema", "fields": [...]}.
    nlohmann::json to_json() const override;
    /// A tree of fields with type, presence and details, then the bad events.
    void to_text(std::ostream& out, const output::TextStyle& style) const override;
};

/// Accumulates events; bounded memory whatever the number of events (distinct values are
/// tracked only up to the enum limit). Not thread-safe.
class Inferrer {
public:
    /// `by_id` resolves Confluent-framed payloads (may be empty: no registry).
    explicit Inferrer(SchemaById by_id = {}, InferOptions options = {});
    ~Inferrer();
    Inferrer(const Inferrer&) = delete;
    Inferrer& operator=(const Inferrer&) = delete;

    /// Decodes one record and adds it; tombstones are counted, undecodable payloads go to the bad events.
    void add(const RecordView& record);
    /// Adds one JSON document; text that is not a single JSON value is counted as not_json at `at`.
    void add_json(const Location& at, std::string_view json);
    /// The schema and field statistics of everything added so far (stream header fields left empty).
    InferredSchema result() const;

private:
    struct Impl;
    std::unique_ptr<Impl> impl_;
};

/// Observes `options.samples` events of a stream and infers their schema.
InferredSchema infer_stream(const ObserveOptions& options, const kafka::ClientSettings& settings, SchemaById by_id,
                            const InferOptions& infer = {});

/// True when `s` has the JSON Schema `format` (date-time, date, uuid, email, uri), as
/// inference decides it (RFC 3339 times, canonical UUIDs, plain addresses, scheme:// URIs).
bool matches_format(std::string_view format, std::string_view s);

}  // namespace meshctl::schema
