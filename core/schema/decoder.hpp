// Turns the bytes of a Kafka record value (or key) into JSON text, whatever the wire format:
// plain JSON passes through untouched; Confluent-framed payloads (magic byte 0, a 4-byte
// big-endian schema id, then the payload) are unframed and, for Avro, decoded to JSON using
// the writer schema fetched by id (cached). Used wherever events are decoded: sample, schema
// infer and diff, pipelines.
#pragma once

#include <cstdint>
#include <functional>
#include <memory>
#include <optional>
#include <string>
#include <string_view>

namespace meshctl::schema {

/// A schema as the registry returns it for an id.
struct RegisteredSchema {
    std::int32_t id = 0;
    std::string type = "AVRO";  // AVRO | JSON | PROTOBUF (the registry's schemaType; absent = AVRO)
    std::string text;           // the schema document as registered
};

/// Fetches a schema by id; returns nullopt when the registry has no such id. Throws
/// meshctl::Error (remote) when the registry cannot be reached.
using SchemaById = std::function<std::optional<RegisteredSchema>(std::int32_t id)>;

/// How a payload was understood.
enum class DecodeStatus {
    json,               // plain JSON (unframed); `json` views the input bytes
    framed_json,        // Confluent-framed JSON Schema payload; `json` views the bytes after the frame
    framed_avro,        // Confluent-framed Avro, decoded; `json` views the decoder's own buffer
    not_json,           // unframed and not JSON
    bad_frame,          // starts with magic byte 0 but is shorter than a frame
    unknown_schema_id,  // framed, and the registry has no such id (or no registry is configured)
    decode_error,       // framed, schema known, payload does not decode (or an unsupported type)
};

/// The outcome of decoding one payload. `json` stays valid until the next decode() call.
struct Decoded {
    DecodeStatus status = DecodeStatus::json;
    std::string_view json;     // the JSON text when status is json/framed_json/framed_avro
    std::int32_t schema_id = -1;
    std::string error;         // why, for the failure statuses (no payload bytes in it)
    /// True when `json` holds a document.
    bool ok() const {
        return status == DecodeStatus::json || status == DecodeStatus::framed_json || status == DecodeStatus::framed_avro;
    }
};

/// A per-thread decoder with a schema cache by id. Not thread-safe.
class Decoder {
public:
    /// `by_id` may be empty (no registry configured): framed payloads then decode as unknown_schema_id.
    explicit Decoder(SchemaById by_id = {});
    ~Decoder();
    Decoder(Decoder&&) noexcept;
    Decoder& operator=(Decoder&&) noexcept;

    /// Decodes one payload. Never throws for bad payloads (they get a failure status); throws
    /// meshctl::Error only when the registry cannot be reached.
    Decoded decode(std::string_view bytes);

    /// Short name of a status for messages and JSON (`not_json`, `unknown_schema_id`, ...).
    static const char* status_name(DecodeStatus s);

private:
    struct Impl;
    std::unique_ptr<Impl> impl_;
};

/// True when `bytes` starts with a Confluent frame (magic byte 0 and at least 5 bytes).
bool is_confluent_framed(std::string_view bytes);

}  // namespace meshctl::schema
