// The entry functions of the fuzz targets, shared by the libFuzzer binaries (fuzz/*_fuzzer.cpp)
// and by the regression test that replays every saved input (tests/unit/fuzz_regressions_test.cpp).
//
// Each function feeds one input through an input surface the way meshctl reads untrusted
// bytes. Errors the surface documents (meshctl::Error, or the std::invalid_argument of a
// catalog record) are expected and swallowed; anything else escapes, so an undocumented
// exception is a finding just like a sanitizer report. Broken invariants abort through
// `require` so libFuzzer keeps the input.
#pragma once

#include "core/catalog/descriptor.hpp"
#include "core/catalog/loader.hpp"
#include "core/error.hpp"
#include "core/expr/expr.hpp"
#include "core/expr/json_bridge.hpp"
#include "core/expr/json_scan.hpp"
#include "core/pipeline/loader.hpp"
#include "core/schema/decoder.hpp"
#include "core/sinks/elasticsearch_sink.hpp"

#include <array>
#include <cstdio>
#include <cstdlib>
#include <optional>
#include <stdexcept>
#include <string>
#include <string_view>

namespace meshctl::fuzz {

/// Aborts with `what` when `ok` is false: a broken invariant is a crash for the fuzzer.
inline void require(bool ok, const char* what) {
    if (ok) return;
    std::fprintf(stderr, "fuzz invariant broken: %s\n", what);
    std::abort();
}

/// Expression language. The input's first line is the expression; the rest is the event's
/// value (JSON expected, anything accepted). Compiles statically, then evaluates as a filter
/// and as a value, and decodes the payload on its own.
inline void run_expr(std::string_view input) {
    auto nl = input.find('\n');
    std::string_view source = input.substr(0, nl);
    std::string_view payload = nl == std::string_view::npos ? std::string_view{} : input.substr(nl + 1);

    expr::Evaluator evaluator;
    if (auto decoded = evaluator.parse_json(payload)) (void)decoded->detach().debug_string();

    expr::CompileOptions options;
    options.variables = {"customer"};
    std::optional<expr::Program> program;
    try {
        program = expr::Program::compile(source, options);
    } catch (const Error&) {
        return;
    }
    const std::array<expr::Header, 2> headers{{{"trace-id", "abc"}, {"empty", std::nullopt}}};
    expr::Event event;
    event.value = payload;
    event.key = std::string_view(R"({"id":"c-1"})");
    event.headers = headers;
    event.topic = "orders";
    event.partition = 3;
    event.offset = 42;
    event.timestamp_ms = 1'700'000'000'123;
    expr::Bindings bindings;
    bindings.set("customer", expr::Value::map({{expr::Value::string("tier"), expr::Value::string("GOLD")}}));

    (void)evaluator.test(*program, event, &bindings);
    (void)evaluator.eval(*program, event, &bindings).debug_string();
    // A null payload takes the other branch of every `value` access.
    event.value.reset();
    (void)evaluator.test(*program, event, &bindings);
}

/// Pipeline YAML loader (`pipeline validate|run|preview FILE`).
inline void run_pipeline(std::string_view input) {
    try {
        auto spec = pipeline::parse_pipeline(input, "fuzz.yaml");
        for (std::size_t i = 0; i <= spec.steps.size(); ++i) (void)pipeline::bound_names(spec, i);
        for (const auto& sink : spec.sinks) (void)sink.describe();
    } catch (const Error&) {
    }
}

/// Descriptor loader (`catalog publish FILE`) and the catalog record reader (records read
/// back from the catalog topic, written by anyone with access to it). A descriptor that
/// loads must survive the record round trip.
inline void run_descriptor(std::string_view input) {
    try {
        for (const auto& d : catalog::parse_descriptors(input, "fuzz.yaml")) {
            (void)catalog::schema_fields(d);
            (void)catalog::schema_summary(d);
            auto back = catalog::decode_record(catalog::encode_record(d, 1'700'000'000'000));
            require(back.descriptor.name == d.name, "descriptor name survives the catalog record round trip");
            require(catalog::to_json(back.descriptor) == catalog::to_json(d), "descriptor survives the round trip");
        }
    } catch (const Error&) {
    }
    try {
        auto record = catalog::decode_record(input);
        (void)catalog::to_json(record.descriptor).dump();
    } catch (const std::invalid_argument&) {
    } catch (const Error&) {
    }
}

/// Elasticsearch/OpenSearch bulk-response parser (bodies from the server).
inline void run_bulk_response(std::string_view input) {
    std::string body(input);
    sinks::es::BulkResponse response;
    if (!sinks::es::parse_bulk_response(body, response)) return;
    require(body == input, "parsing leaves the body unchanged");
    for (const auto& f : response.failed) require(f.index < response.items, "failed items lie within the response");
}

/// The schemas the registry "holds" for the decoder target, by id: a record using every Avro
/// type, a JSON Schema, a recursive record, a Protobuf schema and a bare string; others are unknown.
inline std::optional<schema::RegisteredSchema> fuzz_schema_by_id(std::int32_t id) {
    switch (id) {
        case 1:
            return schema::RegisteredSchema{1, "AVRO", R"({"type":"record","name":"Order","namespace":"shop","fields":[
                {"name":"id","type":"string"},
                {"name":"amount","type":"double"},
                {"name":"qty","type":"int"},
                {"name":"seq","type":"long"},
                {"name":"ratio","type":"float"},
                {"name":"paid","type":"boolean"},
                {"name":"note","type":["null","string"],"default":null},
                {"name":"status","type":{"type":"enum","name":"Status","symbols":["PLACED","CANCELLED"]}},
                {"name":"tags","type":{"type":"array","items":"string"}},
                {"name":"attrs","type":{"type":"map","values":["null","long","double"]}},
                {"name":"raw","type":"bytes"},
                {"name":"hash","type":{"type":"fixed","name":"Hash","size":4}},
                {"name":"price","type":{"type":"bytes","logicalType":"decimal","precision":9,"scale":2}},
                {"name":"at","type":{"type":"long","logicalType":"timestamp-millis"}},
                {"name":"nothing","type":"null"}]})"};
        case 2: return schema::RegisteredSchema{2, "JSON", R"({"type":"object"})"};
        case 3:
            return schema::RegisteredSchema{3, "AVRO", R"({"type":"record","name":"Node","fields":[
                {"name":"v","type":"int"},{"name":"next","type":["null","Node"]}]})"};
        case 4: return schema::RegisteredSchema{4, "PROTOBUF", "syntax = \"proto3\"; message M { int32 a = 1; }"};
        case 5: return schema::RegisteredSchema{5, "", R"("string")"};
        default: return std::nullopt;
    }
}

/// Record payloads as sinks and expressions see them: Confluent framing (magic byte, schema
/// id), then Avro binary or JSON, or plain JSON. Decodes twice with one decoder, as a consumer
/// does (the second time from its schema cache). Whatever decodes must be JSON.
inline void run_schema_decoder(std::string_view input) {
    schema::Decoder decoder(fuzz_schema_by_id);
    for (int round = 0; round < 2; ++round) {
        schema::Decoded d = decoder.decode(input);
        (void)schema::Decoder::status_name(d.status);
        if (d.status == schema::DecodeStatus::framed_avro)
            require(nlohmann::json::accept(d.json), "an Avro payload decodes to valid JSON");
        if (!d.ok()) require(!d.error.empty(), "a failed decode says why");
    }
}

/// The JSON scans of pipelines' hot path (core/expr/json_scan). An event value is scanned for
/// a few paths; whatever the scan answers for a document the DOM accepts must be the DOM's
/// answer, exactly. A document the DOM accepts, read as a table row (text_value), must render,
/// size and look up exactly as the DOM's Value does.
inline void run_json_scan(std::string_view input) {
    using namespace expr;
    using namespace expr::detail;
    auto json = [](const Value& v) {
        std::string out;
        append_json(v, out);
        return std::string(kind_name(v.kind())) + (v.from_json() ? "#" : "") + out;
    };
    JsonDecoder decoder;
    simdjson::dom::element root;
    bool parsed = decoder.decode(input, root);
    std::optional<Value> dom;
    if (parsed) dom = from_element(root);
    (void)plain_text(input);
    StringSlots slots;
    static const std::vector<std::vector<std::string>> paths = {{"a"}, {"b"}, {"a", "b"}, {"id"}};
    for (const auto& fields : paths) {
        slots.reset();
        auto got = scan_path(input, fields, slots);
        if (!got || !dom) continue;
        std::optional<Value> want = dom;
        for (const auto& f : fields) want = want ? want->find(f) : std::nullopt;
        require(want.has_value(), "a path the scan answers exists in the DOM");
        require(json(*got) == json(*want), "the scan decodes a scalar as the DOM does");
    }
    if (!dom) return;
    Value text = text_value(input);
    require(json(text) == json(*dom), "a parsed document reads from its text as from the DOM");
    require(text.size() == dom->size(), "text and DOM containers have the same size");
    if (dom->kind() == Kind::map) {
        for (const auto& [k, v] : dom->entries()) {
            auto found = text.find(k.as_string());
            auto expected = dom->find(k.as_string());
            require(found && expected && json(*found) == json(*expected), "text and DOM objects find the same values");
        }
    }
    if (dom->kind() == Kind::list && dom->size() > 0)
        require(json(text.at(dom->size() - 1)) == json(dom->at(dom->size() - 1)), "text and DOM arrays index alike");
}

/// One fuzz target: its name (the folder under fuzz/corpus and fuzz/regressions) and entry.
struct Target {
    const char* name;
    void (*run)(std::string_view);
};

/// Every target, in the order scripts/fuzz.sh runs them.
inline constexpr std::array targets{
    Target{"expr", run_expr},
    Target{"pipeline", run_pipeline},
    Target{"descriptor", run_descriptor},
    Target{"bulk_response", run_bulk_response},
    Target{"schema_decoder", run_schema_decoder},
    Target{"json_scan", run_json_scan},
};

}  // namespace meshctl::fuzz
