// A data product descriptor: what a stream is, who owns it, how much history it keeps
// and where its schema lives. The JSON form is what the catalog topic stores and what
// `-o json` shows; its field names are a stable, documented contract (meshctl-product(5)).
#pragma once

#include <nlohmann/json.hpp>

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace meshctl::catalog {

/// How consumers should read the stream.
enum class Kind { events, table, both };

/// How much history the product promises.
enum class HistoryMode { unspecified, full, compacted, window };

/// Who answers for the product.
struct Owner {
    std::string team;
    std::string contact;  // e-mail, chat channel or URL; may be empty
};

/// Where the schema comes from.
struct SchemaRef {
    enum class Source { none, inline_schema, registry };
    Source source = Source::none;
    nlohmann::ordered_json inline_schema;  // a JSON Schema when source is inline_schema (key order kept)
    std::string subject;           // registry subject when source is registry
};

/// Sensitivity of the data.
struct Classification {
    std::string level;              // public | internal | confidential | restricted, or empty
    std::vector<std::string> pii;   // field paths holding personal data
};

/// A worked example of reading the product.
struct Example {
    std::string description;
    std::string query;
};

/// One data product.
struct Descriptor {
    std::string name;
    std::string domain;
    Owner owner;
    std::string description;
    std::string topic;  // defaults to name
    std::string key;    // key field, may be empty
    Kind kind = Kind::events;
    SchemaRef schema;
    std::vector<std::string> tags;
    Classification classification;
    HistoryMode history = HistoryMode::unspecified;
    std::string history_window;  // duration text when history is window, e.g. "7d"
    std::string freshness_sla;   // duration text, e.g. "5m"; empty = none promised
    std::vector<Example> examples;
    std::string origin;  // file:line it came from; not published
};

/// "events" / "table" / "both".
std::string to_string(Kind kind);
/// "full" / "compacted" / "window" / "" for unspecified.
std::string to_string(HistoryMode mode);
/// Parses a kind; nullopt when the text is not one.
std::optional<Kind> parse_kind(std::string_view text);
/// Parses a history mode; nullopt when the text is not one.
std::optional<HistoryMode> parse_history(std::string_view text);
/// "inline", "registry:SUBJECT" or "none".
std::string schema_source_label(const SchemaRef& schema);

/// The stable JSON form (snake_case keys, fixed order).
nlohmann::ordered_json to_json(const Descriptor& d);
/// Reads the JSON form back; throws std::exception (nlohmann or std::invalid_argument) when malformed.
Descriptor from_json(const nlohmann::ordered_json& j);

/// Field paths declared by an inline JSON Schema (`id`, `items.sku`), in schema order.
std::vector<std::string> schema_fields(const Descriptor& d);
/// Field paths declared by any JSON Schema (e.g. a registered schema converted to JSON Schema).
std::vector<std::string> json_schema_fields(const nlohmann::ordered_json& schema);
/// Top-level fields of an inline JSON Schema with their declared type ("string", "integer|null").
std::vector<std::pair<std::string, std::string>> schema_summary(const Descriptor& d);

/// The version written into every catalog record; readers skip other versions.
inline constexpr int catalog_format_version = 1;

/// The catalog record value for a descriptor published at `published_ms`.
std::string encode_record(const Descriptor& d, std::int64_t published_ms);

/// A decoded catalog record.
struct CatalogRecord {
    Descriptor descriptor;
    std::int64_t published_ms = 0;
};

/// Decodes a record value; throws std::invalid_argument saying why it is not a valid record.
CatalogRecord decode_record(std::string_view value);

}  // namespace meshctl::catalog
