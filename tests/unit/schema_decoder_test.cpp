#define DOCTEST_CONFIG_IMPLEMENT_WITH_MAIN
// Wire formats: plain JSON, Confluent framing, JSON Schema payloads, and Avro datums written
// with avro-c and read back as JSON; bad frames, unknown ids and non-JSON never throw.
#include <doctest/doctest.h>

#include "core/error.hpp"
#include "core/schema/avro_json.hpp"
#include "core/schema/decoder.hpp"

#include <avro.h>
#include <nlohmann/json.hpp>

#include <map>

using namespace meshctl;
using schema::DecodeStatus;
using schema::Decoder;

namespace {

const char* order_schema = R"({
  "type": "record", "name": "Order", "namespace": "com.acme",
  "fields": [
    {"name": "id", "type": "string"},
    {"name": "qty", "type": "int"},
    {"name": "total", "type": "long"},
    {"name": "price", "type": "double"},
    {"name": "rate", "type": "float"},
    {"name": "paid", "type": "boolean"},
    {"name": "note", "type": ["null", "string"], "default": null},
    {"name": "status", "type": {"type": "enum", "name": "Status", "symbols": ["NEW", "PAID"]}},
    {"name": "tags", "type": {"type": "array", "items": "string"}},
    {"name": "attrs", "type": {"type": "map", "values": "long"}},
    {"name": "amount", "type": {"type": "bytes", "logicalType": "decimal", "precision": 9, "scale": 2}},
    {"name": "raw", "type": "bytes"},
    {"name": "code", "type": {"type": "fixed", "name": "Code", "size": 2}}
  ]})";

/// Frames `payload` with magic byte 0 and the big-endian `id`.
std::string frame(std::int32_t id, std::string_view payload) {
    std::string out(5, '\0');
    auto u = static_cast<std::uint32_t>(id);
    out[1] = static_cast<char>(u >> 24);
    out[2] = static_cast<char>(u >> 16);
    out[3] = static_cast<char>(u >> 8);
    out[4] = static_cast<char>(u);
    out.append(payload);
    return out;
}

/// Writes one Order with avro-c's generic values, as a producer would.
std::string encode_order(const char* note, const std::string& amount_bytes) {
    avro_schema_t schema = nullptr;
    REQUIRE(avro_schema_from_json_length(order_schema, std::strlen(order_schema), &schema) == 0);
    avro_value_iface_t* iface = avro_generic_class_from_schema(schema);
    avro_value_t rec;
    REQUIRE(avro_generic_value_new(iface, &rec) == 0);
    avro_value_t f, branch, elem;
    avro_value_get_by_name(&rec, "id", &f, nullptr);
    avro_value_set_string(&f, "o-1 \"quoted\"\n");
    avro_value_get_by_name(&rec, "qty", &f, nullptr);
    avro_value_set_int(&f, -3);
    avro_value_get_by_name(&rec, "total", &f, nullptr);
    avro_value_set_long(&f, 9007199254740993LL);
    avro_value_get_by_name(&rec, "price", &f, nullptr);
    avro_value_set_double(&f, 12.5);
    avro_value_get_by_name(&rec, "rate", &f, nullptr);
    avro_value_set_float(&f, 0.25f);
    avro_value_get_by_name(&rec, "paid", &f, nullptr);
    avro_value_set_boolean(&f, 1);
    avro_value_get_by_name(&rec, "note", &f, nullptr);
    if (note) {
        avro_value_set_branch(&f, 1, &branch);
        avro_value_set_string(&branch, note);
    } else {
        avro_value_set_branch(&f, 0, &branch);
        avro_value_set_null(&branch);
    }
    avro_value_get_by_name(&rec, "status", &f, nullptr);
    avro_value_set_enum(&f, 1);
    avro_value_get_by_name(&rec, "tags", &f, nullptr);
    avro_value_append(&f, &elem, nullptr);
    avro_value_set_string(&elem, "a");
    avro_value_append(&f, &elem, nullptr);
    avro_value_set_string(&elem, "b");
    avro_value_get_by_name(&rec, "attrs", &f, nullptr);
    avro_value_add(&f, "k", &elem, nullptr, nullptr);
    avro_value_set_long(&elem, 7);
    avro_value_get_by_name(&rec, "amount", &f, nullptr);
    avro_value_set_bytes(&f, const_cast<char*>(amount_bytes.data()), amount_bytes.size());
    avro_value_get_by_name(&rec, "raw", &f, nullptr);
    char raw[] = {'\x01', 'A', '\xff'};
    avro_value_set_bytes(&f, raw, sizeof raw);
    avro_value_get_by_name(&rec, "code", &f, nullptr);
    char code[] = {'Z', 'z'};
    avro_value_set_fixed(&f, code, sizeof code);

    char buf[4096];
    avro_writer_t w = avro_writer_memory(buf, sizeof buf);
    REQUIRE(avro_value_write(w, &rec) == 0);
    std::string out(buf, static_cast<std::size_t>(avro_writer_tell(w)));
    avro_writer_free(w);
    avro_value_decref(&rec);
    avro_value_iface_decref(iface);
    avro_schema_decref(schema);
    return out;
}

/// A lookup over a fixed table that counts how often it is asked.
struct FakeRegistry {
    std::map<std::int32_t, schema::RegisteredSchema> schemas;
    int calls = 0;
    schema::SchemaById lookup() {
        return [this](std::int32_t id) -> std::optional<schema::RegisteredSchema> {
            ++calls;
            if (auto it = schemas.find(id); it != schemas.end()) return it->second;
            return std::nullopt;
        };
    }
};

}  // namespace

TEST_CASE("plain JSON passes through and anything else is not_json") {
    Decoder d;
    auto r = d.decode(R"({"a":1})");
    CHECK(r.status == DecodeStatus::json);
    CHECK(r.ok());
    CHECK(r.json == R"({"a":1})");
    CHECK(d.decode("not json").status == DecodeStatus::not_json);
    CHECK(d.decode("").status == DecodeStatus::not_json);
    CHECK(d.decode(R"({"a":)").status == DecodeStatus::not_json);
    CHECK_FALSE(d.decode("xyz").ok());
    CHECK(std::string(Decoder::status_name(DecodeStatus::unknown_schema_id)) == "unknown_schema_id");
}

TEST_CASE("framing: magic byte, id, and frames too short") {
    CHECK(schema::is_confluent_framed(frame(1, "")));
    CHECK_FALSE(schema::is_confluent_framed(std::string("\0\0\0", 3)));
    CHECK_FALSE(schema::is_confluent_framed("{\"a\":1}"));
    Decoder d;
    auto r = d.decode(std::string("\0\0\1", 3));
    CHECK(r.status == DecodeStatus::bad_frame);
    CHECK(r.error.find("fewer than") != std::string::npos);
    auto big = d.decode(frame(0x01020304, "{}"));
    CHECK(big.status == DecodeStatus::unknown_schema_id);  // no registry configured
    CHECK(big.schema_id == 0x01020304);
    CHECK(big.error.find("no schema registry") != std::string::npos);
}

TEST_CASE("framed JSON Schema payloads decode to the bytes after the frame") {
    FakeRegistry reg;
    reg.schemas[5] = {5, "JSON", R"({"type":"object","properties":{"a":{"type":"integer"}}})"};
    Decoder d(reg.lookup());
    std::string framed = frame(5, R"({"a":2})");  // `json` views the input: it must outlive the result
    auto r = d.decode(framed);
    CHECK(r.status == DecodeStatus::framed_json);
    CHECK(r.schema_id == 5);
    CHECK(r.json == R"({"a":2})");
    auto bad = d.decode(frame(5, "\x01\x02"));
    CHECK(bad.status == DecodeStatus::decode_error);
    CHECK(bad.error.find("not JSON") != std::string::npos);
}

TEST_CASE("Avro written by avro-c decodes to plain JSON") {
    FakeRegistry reg;
    reg.schemas[42] = {42, "AVRO", order_schema};
    Decoder d(reg.lookup());
    // 12345 (123.45 at scale 2) as big-endian two's complement: 0x30 0x39
    auto r = d.decode(frame(42, encode_order("rush", std::string("\x30\x39", 2))));
    REQUIRE(r.status == DecodeStatus::framed_avro);
    CHECK(r.schema_id == 42);
    auto j = nlohmann::json::parse(r.json);
    CHECK(j["id"] == "o-1 \"quoted\"\n");
    CHECK(j["qty"] == -3);
    CHECK(j["total"] == 9007199254740993LL);
    CHECK(j["price"] == 12.5);
    CHECK(j["rate"] == 0.25);
    CHECK(j["paid"] == true);
    CHECK(j["note"] == "rush");  // unions are unwrapped
    CHECK(j["status"] == "PAID");
    CHECK(j["tags"] == nlohmann::json::array({"a", "b"}));
    CHECK(j["attrs"] == nlohmann::json{{"k", 7}});
    CHECK(r.json.find("\"amount\":123.45") != std::string_view::npos);
    CHECK(j["raw"] == "\x01" "A\xc3\xbf");  // bytes as code points 0-255
    CHECK(j["code"] == "Zz");
    // Field order follows the schema.
    CHECK(r.json.substr(0, 6) == "{\"id\":");

    // -5 at scale 2 is -0.05; a null branch is null.
    auto n = d.decode(frame(42, encode_order(nullptr, std::string("\xfb", 1))));
    REQUIRE(n.status == DecodeStatus::framed_avro);
    CHECK(nlohmann::json::parse(n.json)["note"].is_null());
    CHECK(n.json.find("\"amount\":-0.05") != std::string_view::npos);
    CHECK(reg.calls == 1);  // the schema is cached by id
}

TEST_CASE("unknown ids, truncated Avro and unsupported types fail softly") {
    FakeRegistry reg;
    reg.schemas[42] = {42, "AVRO", order_schema};
    reg.schemas[7] = {7, "PROTOBUF", "syntax = \"proto3\"; message M { string a = 1; }"};
    reg.schemas[8] = {8, "AVRO", R"({"type":"recrod"})"};
    Decoder d(reg.lookup());
    auto u = d.decode(frame(99, "\x02"));
    CHECK(u.status == DecodeStatus::unknown_schema_id);
    CHECK(u.error.find("99") != std::string::npos);
    d.decode(frame(99, "\x02"));
    CHECK(reg.calls == 1);  // misses are cached too

    auto full = encode_order("x", std::string("\x01", 1));
    auto t = d.decode(frame(42, full.substr(0, full.size() / 2)));
    CHECK(t.status == DecodeStatus::decode_error);
    CHECK(t.error.find("schema id 42") != std::string::npos);

    auto p = d.decode(frame(7, "\x00\x02"));
    CHECK(p.status == DecodeStatus::decode_error);
    CHECK(p.error.find("Protobuf payloads are not decoded") != std::string::npos);

    auto inv = d.decode(frame(8, "\x00"));
    CHECK(inv.status == DecodeStatus::decode_error);
    CHECK(inv.error.find("schema id 8") != std::string::npos);
}

TEST_CASE("a registry that cannot be reached is an error, not a status") {
    Decoder d([](std::int32_t) -> std::optional<schema::RegisteredSchema> {
        throw remote_error("cannot reach the schema registry at http://reg:8081");
    });
    CHECK_THROWS_AS(d.decode(frame(1, "{}")), Error);
    CHECK(d.decode("{}").status == DecodeStatus::json);  // unframed payloads need no registry
}

TEST_CASE("Avro primitives, NaN and invalid UTF-8") {
    schema::AvroDecoder dbl(R"("double")");
    std::string out, err;
    // 0x7ff8000000000000 little-endian: NaN
    CHECK(dbl.decode(std::string("\x00\x00\x00\x00\x00\x00\xf8\x7f", 8), out, err));
    CHECK(out == "null");
    schema::AvroDecoder str(R"("string")");
    CHECK(str.decode(std::string("\x04\xc3\x28", 3), out, err) == false);  // length 2, invalid UTF-8
    CHECK(err.find("UTF-8") != std::string::npos);
    CHECK(str.decode(std::string("\x06" "abc", 4), out, err));
    CHECK(out == "\"abc\"");
    CHECK_THROWS_AS(schema::AvroDecoder("{\"type\":"), std::invalid_argument);
    std::string s;
    schema::append_json_string(s, std::string("a\x01\"", 3));
    CHECK(s == "\"a\\u0001\\\"\"");
}

TEST_CASE("lengths beyond the payload fail instead of reading past it") {
    schema::AvroDecoder str(R"("string")");
    std::string out, err;
    // zigzag varint for a length of 2^40 bytes, then 3 bytes of data
    std::string huge = std::string("\x80\x80\x80\x80\x80\x40", 6) + "abc";
    CHECK_FALSE(str.decode(huge, out, err));
    schema::AvroDecoder arr(R"({"type":"array","items":"long"})");
    CHECK_FALSE(arr.decode(std::string("\xfe\xff\xff\xff\x0f\x02", 6), out, err));  // 2^31 items, one present
}
