// `meshctl schema diff`: the declared schema of a stream (registry or catalog, as JSON Schema)
// against the events it actually carries. Each kind of drift is counted per field with
// example locations, so that CI can gate on it (exit 4) and people can look at the events.
#pragma once

#include "core/config/settings.hpp"
#include "core/kafka/client.hpp"
#include "core/output/emit.hpp"
#include "core/schema/decoder.hpp"
#include "core/schema/observe.hpp"

#include <nlohmann/json.hpp>

#include <cstdint>
#include <memory>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

namespace meshctl::schema {

/// Tuning of the comparison.
struct DiffOptions {
    std::size_t max_violations = 5;  // example locations listed per finding (all are counted)
    std::size_t listed_bad = 20;     // bad events listed by location
};

/// One kind of drift at one field.
struct Finding {
    /// undecodable | missing_field | type_mismatch | unexpected_null | enum_violation | undeclared_field
    std::string kind;
    std::string path;       // `a.b`, `items[].sku`, `tags[]`, map values `m.*`; empty for the event itself
    std::int64_t count = 0;
    std::string expected;   // `required`, `number|null`, `one of EUR, USD`, `not declared`
    std::vector<std::pair<std::string, std::int64_t>> observed;  // what came instead (types, values, reasons), most frequent first
    std::vector<Location> examples;  // the first ones, up to DiffOptions::max_violations
};

/// Where the declared schema came from (see schema::DeclaredSchema).
struct DeclaredRef {
    std::string source;   // registry | catalog
    std::string subject;
    int version = 0;
    std::int32_t id = 0;
    std::string type;     // AVRO | JSON | PROTOBUF
    std::string via;
};

/// The comparison of a stream's events with its declared schema.
class DriftReport : public output::Result {
public:
    std::string stream, topic;
    std::int32_t partitions = 0;
    DeclaredRef declared;
    std::int64_t requested = 0, observed = 0, decoded = 0, tombstones = 0;
    bool interrupted = false;
    BadEvents bad;
    std::vector<Finding> findings;  // by kind, then path

    /// True when anything differs from the declaration (undecodable events included).
    bool drift() const { return !findings.empty(); }
    /// {"stream", "topic", "declared", "samples", "drift", "findings", "bad_events", ...}.
    nlohmann::json to_json() const override;
    /// A verdict line, a table of findings, then the bad events.
    void to_text(std::ostream& out, const output::TextStyle& style) const override;
};

/// Compares events one by one with a declared JSON Schema. The keywords that matter for
/// drift are understood: type (and OpenAPI's nullable), properties, required,
/// additionalProperties, items/prefixItems, enum/const on strings, anyOf/oneOf/allOf and
/// local $ref. Others (formats, bounds, patterns) are ignored. Not thread-safe.
class Differ {
public:
    /// `by_id` resolves Confluent-framed payloads (may be empty: no registry).
    explicit Differ(const nlohmann::json& declared, SchemaById by_id = {}, DiffOptions options = {});
    ~Differ();
    Differ(const Differ&) = delete;
    Differ& operator=(const Differ&) = delete;

    /// Decodes one record and checks it; tombstones are counted, undecodable payloads are findings.
    void add(const RecordView& record);
    /// Checks one JSON document; text that is not a single JSON value is an undecodable event.
    void add_json(const Location& at, std::string_view json);
    /// The findings so far (stream and declared fields left empty).
    DriftReport result() const;

private:
    struct Impl;
    std::unique_ptr<Impl> impl_;
};

/// Finds the declared schema of `options.stream` (registry, then catalog), observes its
/// events and compares. Throws not_found_error (with a hint) when nothing is declared,
/// plus the errors of find_declared_schema and observe. Drift is not an error here.
DriftReport diff_stream(const config::Settings& settings, const ObserveOptions& options, const DiffOptions& diff = {});

}  // namespace meshctl::schema
