#include "core/schema/decoder.hpp"

#include "core/schema/avro_json.hpp"

#include <simdjson.h>

#include <stdexcept>
#include <unordered_map>

namespace meshctl::schema {

bool is_confluent_framed(std::string_view bytes) { return bytes.size() >= 5 && bytes[0] == '\0'; }

const char* Decoder::status_name(DecodeStatus s) {
    switch (s) {
        case DecodeStatus::json: return "json";
        case DecodeStatus::framed_json: return "framed_json";
        case DecodeStatus::framed_avro: return "framed_avro";
        case DecodeStatus::not_json: return "not_json";
        case DecodeStatus::bad_frame: return "bad_frame";
        case DecodeStatus::unknown_schema_id: return "unknown_schema_id";
        case DecodeStatus::decode_error: return "decode_error";
    }
    return "unknown";
}

namespace {

/// What the decoder knows about one schema id; misses are cached too, so a topic full of
/// records with an unknown id asks the registry once.
struct CachedSchema {
    bool known = false;
    std::string type;
    std::unique_ptr<AvroDecoder> avro;
    std::string invalid;  // why the schema cannot be used, when it cannot
};

}  // namespace

struct Decoder::Impl {
    SchemaById by_id;
    std::unordered_map<std::int32_t, CachedSchema> cache;
    std::string buffer;       // the JSON of the last Avro payload
    std::string padded;       // input copied with simdjson's padding
    simdjson::dom::parser parser;

    bool is_json(std::string_view s) {
        if (s.empty()) return false;
        padded.assign(s.data(), s.size());
        padded.resize(s.size() + simdjson::SIMDJSON_PADDING);
        return parser.parse(padded.data(), s.size(), false).error() == simdjson::SUCCESS;
    }

    const CachedSchema& lookup(std::int32_t id) {
        if (auto it = cache.find(id); it != cache.end()) return it->second;
        CachedSchema c;
        if (by_id) {
            if (auto s = by_id(id)) {
                c.known = true;
                c.type = s->type.empty() ? "AVRO" : s->type;
                if (c.type == "AVRO") {
                    try {
                        c.avro = std::make_unique<AvroDecoder>(s->text);
                    } catch (const std::invalid_argument& e) {
                        c.invalid = "schema id " + std::to_string(id) + ": " + e.what();
                    }
                }
            }
        }
        return cache.emplace(id, std::move(c)).first->second;
    }
};

Decoder::Decoder(SchemaById by_id) : impl_(std::make_unique<Impl>()) { impl_->by_id = std::move(by_id); }
Decoder::~Decoder() = default;
Decoder::Decoder(Decoder&&) noexcept = default;
Decoder& Decoder::operator=(Decoder&&) noexcept = default;

Decoded Decoder::decode(std::string_view bytes) {
    Decoded d;
    if (!bytes.empty() && bytes[0] == '\0' && !is_confluent_framed(bytes)) {
        d.status = DecodeStatus::bad_frame;
        d.error = "starts with magic byte 0 but holds " + std::to_string(bytes.size()) +
                  " bytes, fewer than a schema registry frame (5)";
        return d;
    }
    if (!is_confluent_framed(bytes)) {
        if (impl_->is_json(bytes)) {
            d.json = bytes;
        } else {
            d.status = DecodeStatus::not_json;
            d.error = bytes.empty() ? "empty payload" : "not JSON and not in a schema registry frame";
        }
        return d;
    }
    auto u = [&](std::size_t i) { return static_cast<std::uint32_t>(static_cast<unsigned char>(bytes[i])); };
    d.schema_id = static_cast<std::int32_t>(u(1) << 24 | u(2) << 16 | u(3) << 8 | u(4));
    std::string_view payload = bytes.substr(5);
    const CachedSchema& s = impl_->lookup(d.schema_id);
    std::string id = std::to_string(d.schema_id);
    if (!s.known) {
        d.status = DecodeStatus::unknown_schema_id;
        d.error = impl_->by_id ? "schema id " + id + " is not in the schema registry"
                               : "schema id " + id + " cannot be resolved: no schema registry is configured";
        return d;
    }
    if (s.type == "JSON") {
        if (impl_->is_json(payload)) {
            d.status = DecodeStatus::framed_json;
            d.json = payload;
        } else {
            d.status = DecodeStatus::decode_error;
            d.error = "payload of JSON schema id " + id + " is not JSON";
        }
        return d;
    }
    if (s.type == "PROTOBUF") {
        d.status = DecodeStatus::decode_error;
        d.error = "Protobuf payloads are not decoded (schema id " + id + ")";
        return d;
    }
    if (!s.avro) {
        d.status = DecodeStatus::decode_error;
        d.error = !s.invalid.empty() ? s.invalid : "schema id " + id + " has unsupported type " + s.type;
        return d;
    }
    std::string error;
    if (!s.avro->decode(payload, impl_->buffer, error)) {
        d.status = DecodeStatus::decode_error;
        d.error = "schema id " + id + ": " + error;
        return d;
    }
    d.status = DecodeStatus::framed_avro;
    d.json = impl_->buffer;
    return d;
}

}  // namespace meshctl::schema
