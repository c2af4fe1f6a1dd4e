// How sampled records are written: value per line, kcat -J style envelopes, raw bytes,
// or a kcat-style template. Formatting appends to a buffer the caller flushes, so the
// hot path does one write per megabyte rather than one per record.
#pragma once

#include "core/util/json_text.hpp"

#include <librdkafka/rdkafka.h>

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

namespace meshctl::sample {

/// The record formats of `sample -f`.
enum class RecordFormat { text, json, jsonl, raw, tmpl };

/// A parsed `-f` argument: a format name, or a template when it contains `%`.
struct FormatSpec {
    RecordFormat format = RecordFormat::text;
    std::string tmpl;  // for tmpl, with \n \t escapes already applied
};

/// Parses `text|json|jsonl|raw` or a template such as `%t %p %o %k %s\n`; throws usage_error.
FormatSpec parse_format_spec(std::string_view spec);

/// Appends one record in the chosen format (no trailing comma/array brackets for json:
/// the caller writes those). Uses a minifier when a JSON value contains line breaks.
class RecordFormatter {
public:
    explicit RecordFormatter(FormatSpec spec) : spec_(std::move(spec)) {}
    /// Appends `m` to `out`; `value`, when given, replaces the payload (a decoded Avro
    /// record, for instance).
    void append(const rd_kafka_message_t* m, std::string& out, std::optional<std::string_view> value = std::nullopt);
    /// The spec.
    const FormatSpec& spec() const { return spec_; }

private:
    void append_envelope(const rd_kafka_message_t* m, std::string& out);
    void append_template(const rd_kafka_message_t* m, std::string& out);
    std::string_view value_of(const rd_kafka_message_t* m) const;
    FormatSpec spec_;
    std::string scratch_;
    std::optional<std::string_view> value_;  // the replacement payload of the record being appended
};

// JSON string literals and checks (core/util/json_text.hpp), also used by the sinks.
using util::append_json_string;
using util::is_json;

}  // namespace meshctl::sample
