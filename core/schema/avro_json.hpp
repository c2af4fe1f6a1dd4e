// Avro binary datums to JSON text, through avro-c's generic values. The JSON is the plain
// form people and expressions expect, not Avro's JSON encoding: unions are unwrapped (no
// {"string": ...} wrappers), enums are their symbols, maps are objects, bytes and fixed are
// strings of code points 0-255, decimals are numbers, NaN and infinities are null.
#pragma once

#include <memory>
#include <string>
#include <string_view>

namespace meshctl::schema {

/// One compiled writer schema and a reusable value to read into. Not thread-safe.
class AvroDecoder {
public:
    /// Parses the schema; throws std::invalid_argument with avro-c's reason when invalid.
    explicit AvroDecoder(std::string_view schema_json);
    ~AvroDecoder();
    AvroDecoder(const AvroDecoder&) = delete;
    AvroDecoder& operator=(const AvroDecoder&) = delete;

    /// Decodes one binary datum and writes it as JSON into `out` (replacing its content).
    /// Returns false with `error` set when the payload does not match the schema.
    bool decode(std::string_view payload, std::string& out, std::string& error);

private:
    struct Impl;
    std::unique_ptr<Impl> impl_;
};

/// Appends `text` as a JSON string literal (quotes and escapes; bytes >= 0x80 copied).
void append_json_string(std::string& out, std::string_view text);

}  // namespace meshctl::schema
