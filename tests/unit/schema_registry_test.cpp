#define DOCTEST_CONFIG_IMPLEMENT_WITH_MAIN
// The registry client against a scripted transport: the requests it builds, how it reads
// answers, and what it tells the user when the registry refuses or is unreachable.
#include <doctest/doctest.h>

#include "core/error.hpp"
#include "core/schema/json_schema.hpp"
#include "core/schema/registry.hpp"
#include "core/schema/registry_ops.hpp"

#include <deque>
#include <functional>

using namespace meshctl;
using schema::Registry;

namespace {

/// Answers each request with a function of it and records what was asked.
class FakeTransport : public http::Transport {
public:
    using Handler = std::function<http::Response(const http::Request&)>;
    explicit FakeTransport(Handler h, std::vector<http::Request>* log) : handler_(std::move(h)), log_(log) {}
    std::uint64_t submit(http::Request request) override {
        log_->push_back(request);
        done_.push_back({++next_, handler_(request)});
        return next_;
    }
    std::vector<http::Completion> poll(std::chrono::milliseconds) override {
        std::vector<http::Completion> out(done_.begin(), done_.end());
        done_.clear();
        return out;
    }
    std::size_t in_flight() const override { return done_.size(); }

private:
    Handler handler_;
    std::vector<http::Request>* log_;
    std::deque<http::Completion> done_;
    std::uint64_t next_ = 0;
};

http::Response reply(long status, std::string body) {
    http::Response r;
    r.status = status;
    r.body = std::move(body);
    return r;
}

/// A registry at http://reg:8081/api with `handler` behind it; requests land in `log`.
Registry fake_registry(FakeTransport::Handler handler, std::vector<http::Request>& log) {
    return Registry("http://user:s3cret@reg:8081/api/", std::make_unique<FakeTransport>(std::move(handler), &log));
}

std::string path_of(const http::Request& r) { return r.url.substr(std::string("http://user:s3cret@reg:8081/api").size()); }

}  // namespace

TEST_CASE("subject naming strategies") {
    using schema::SubjectStrategy;
    CHECK(schema::parse_subject_strategy("") == SubjectStrategy::topic);
    CHECK(schema::parse_subject_strategy("topic") == SubjectStrategy::topic);
    CHECK(schema::parse_subject_strategy("Record") == SubjectStrategy::record);
    CHECK(schema::parse_subject_strategy("topic-record") == SubjectStrategy::topic_record);
    CHECK(schema::parse_subject_strategy("io.confluent.kafka.serializers.subject.TopicRecordNameStrategy") ==
          SubjectStrategy::topic_record);
    try {
        schema::parse_subject_strategy("topik");
        FAIL("expected a usage error");
    } catch (const Error& e) {
        CHECK(e.kind() == ErrorKind::usage);
        CHECK(std::string(e.what()).find("did you mean \"topic\"") != std::string::npos);
    }
    CHECK(schema::value_subject(SubjectStrategy::topic, "orders") == "orders-value");
    CHECK(schema::value_subject(SubjectStrategy::record, "orders", "com.acme.Order") == "com.acme.Order");
    CHECK(schema::value_subject(SubjectStrategy::topic_record, "orders", "com.acme.Order") == "orders-com.acme.Order");
    CHECK(schema::value_subject(SubjectStrategy::topic_record, "orders").empty());
}

TEST_CASE("requests name the API path and encode subjects") {
    std::vector<http::Request> log;
    auto reg = fake_registry(
        [](const http::Request& r) {
            if (path_of(r) == "/subjects") return reply(200, R"(["b-value","a-value"])");
            if (path_of(r) == "/subjects/a%2Fb%20c/versions") return reply(200, "[2,1]");
            return reply(500, "{}");
        },
        log);
    CHECK(reg.url() == "http://reg:8081/api");
    CHECK(reg.subjects() == std::vector<std::string>{"a-value", "b-value"});
    CHECK(reg.versions("a/b c") == std::vector<int>{1, 2});
    REQUIRE(log.size() == 2);
    CHECK(log[0].method == "GET");
    CHECK(log[1].url == "http://user:s3cret@reg:8081/api/subjects/a%2Fb%20c/versions");
}

TEST_CASE("a version is read with its type, id and references") {
    std::vector<http::Request> log;
    auto reg = fake_registry(
        [](const http::Request& r) {
            if (path_of(r) == "/subjects/orders-value/versions/latest")
                return reply(200, R"({"subject":"orders-value","version":3,"id":12,"schema":"{\"type\":\"string\"}",)"
                                  R"("references":[{"name":"m","subject":"money","version":1}]})");
            if (path_of(r) == "/subjects/pay-value/versions/2")
                return reply(200, R"({"subject":"pay-value","version":2,"id":7,"schemaType":"JSON","schema":"{}"})");
            return reply(500, "{}");
        },
        log);
    auto v = reg.version("orders-value");
    CHECK(v.version == 3);
    CHECK(v.id == 12);
    CHECK(v.type == "AVRO");  // absent schemaType means Avro
    CHECK(v.text == R"({"type":"string"})");
    CHECK(v.references == std::vector<std::string>{"m -> money@1"});
    CHECK(reg.version("pay-value", "2").type == "JSON");
    CHECK_THROWS_AS(reg.version("pay-value", "two"), Error);
}

TEST_CASE("unknown subjects and versions are not_found with suggestions") {
    std::vector<http::Request> log;
    auto reg = fake_registry(
        [](const http::Request& r) {
            auto p = path_of(r);
            if (p == "/subjects") return reply(200, R"(["orders-value","customers-value"])");
            if (p == "/subjects/orders-value/versions") return reply(200, "[1,2]");
            if (p == "/subjects/orders-value/versions/9")
                return reply(404, R"({"error_code":40402,"message":"Version 9 not found."})");
            return reply(404, R"({"error_code":40401,"message":"Subject not found."})");
        },
        log);
    try {
        reg.versions("ordres-value");
        FAIL("expected not_found");
    } catch (const Error& e) {
        CHECK(e.kind() == ErrorKind::not_found);
        CHECK(std::string(e.what()).find("did you mean \"orders-value\"") != std::string::npos);
        CHECK(std::string(e.what()).find("s3cret") == std::string::npos);
    }
    try {
        reg.version("orders-value", "9");
        FAIL("expected not_found");
    } catch (const Error& e) {
        CHECK(e.kind() == ErrorKind::not_found);
        CHECK(std::string(e.what()).find("version 9") != std::string::npos);
        CHECK(e.hint().find("1, 2") != std::string::npos);
    }
    // Apicurio answers an unknown subject's `latest` with 40402 too.
    CHECK_THROWS_AS(reg.version("nope-value"), Error);
    CHECK_FALSE(reg.schema_by_id(99).has_value());
}

TEST_CASE("rejected credentials say so without printing them") {
    for (long status : {401L, 403L}) {
        std::vector<http::Request> log;
        auto reg = fake_registry([status](const http::Request&) { return reply(status, R"({"message":"Unauthorized"})"); }, log);
        try {
            reg.subjects();
            FAIL("expected a remote error");
        } catch (const Error& e) {
            std::string m = e.what();
            CHECK(e.kind() == ErrorKind::remote);
            CHECK(m.find("rejected the credentials") != std::string::npos);
            CHECK(m.find("HTTP " + std::to_string(status)) != std::string::npos);
            CHECK(m.find("http://reg:8081/api") != std::string::npos);
            CHECK(m.find("s3cret") == std::string::npos);
            CHECK(e.hint().find("registry-auth") != std::string::npos);
        }
    }
}

TEST_CASE("an unreachable registry is a remote error naming the URL and the cause") {
    std::vector<http::Request> log;
    auto reg = fake_registry(
        [](const http::Request&) {
            http::Response r;
            r.error = "Couldn't connect to server";
            return r;
        },
        log);
    try {
        reg.schema_by_id(1);
        FAIL("expected a remote error");
    } catch (const Error& e) {
        std::string m = e.what();
        CHECK(e.kind() == ErrorKind::remote);
        CHECK(m.find("http://reg:8081/api") != std::string::npos);
        CHECK(m.find("Couldn't connect to server") != std::string::npos);
        CHECK(m.find("s3cret") == std::string::npos);
    }
}

TEST_CASE("compatibility checks send the schema and read Confluent's and Apicurio's answers") {
    std::vector<http::Request> log;
    std::string answer = R"({"is_compatible":false,"messages":["field b has no default"]})";
    auto reg = fake_registry(
        [&answer](const http::Request& r) {
            if (path_of(r).rfind("/compatibility/subjects/orders-value/versions/latest", 0) == 0) return reply(200, answer);
            if (path_of(r) == "/config/orders-value") return reply(404, R"({"error_code":40408})");
            if (path_of(r) == "/config") return reply(200, R"({"compatibilityLevel":"BACKWARD"})");
            return reply(500, "{}");
        },
        log);
    auto c = reg.check_compatibility("orders-value", R"({"type":"string"})", "AVRO");
    CHECK_FALSE(c.compatible);
    CHECK(c.messages == std::vector<std::string>{"field b has no default"});
    REQUIRE(!log.empty());
    CHECK(log.back().method == "POST");
    CHECK(log.back().content_type == "application/vnd.schemaregistry.v1+json");
    auto body = nlohmann::json::parse(log.back().body);
    CHECK(body["schema"] == R"({"type":"string"})");
    CHECK_FALSE(body.contains("schemaType"));  // Avro is the default; old registries reject the field

    answer = R"({"is_compatible":false,"reason":"Incompatible artifact: b at /fields/1"})";
    c = reg.check_compatibility("orders-value", R"({"type":"object","properties":{}})", "JSON");
    CHECK(c.messages == std::vector<std::string>{"Incompatible artifact: b at /fields/1"});
    CHECK(nlohmann::json::parse(log.back().body)["schemaType"] == "JSON");

    answer = R"({"is_compatible":true,"reason":null})";
    CHECK(reg.check_compatibility("orders-value", "\"string\"", "AVRO").compatible);
    CHECK(reg.compatibility_level("orders-value") == "BACKWARD");  // falls back to the global level
}

TEST_CASE("an invalid proposed schema is a usage error carrying the registry's message") {
    std::vector<http::Request> log;
    auto reg = fake_registry(
        [](const http::Request&) { return reply(422, R"({"error_code":42201,"message":"Invalid Avro schema"})"); }, log);
    try {
        reg.check_compatibility("orders-value", "{", "AVRO");
        FAIL("expected a usage error");
    } catch (const Error& e) {
        CHECK(e.kind() == ErrorKind::usage);
        CHECK(std::string(e.what()).find("Invalid Avro schema") != std::string::npos);
    }
}

TEST_CASE("find_subject follows the naming strategy, then the subject name") {
    std::vector<http::Request> log;
    auto reg = fake_registry(
        [](const http::Request&) {
            return reply(200, R"(["orders-value","orders-com.acme.Order","pay-a.A","pay-b.B","com.acme.Order"])");
        },
        log);
    using schema::SubjectStrategy;
    std::string via;
    CHECK(schema::find_subject(reg, SubjectStrategy::topic, "orders", &via) == "orders-value");
    CHECK(via.find("strategy topic") != std::string::npos);
    CHECK(schema::find_subject(reg, SubjectStrategy::topic, "orders-value", &via) == "orders-value");
    CHECK(via == "subject name");
    CHECK(schema::find_subject(reg, SubjectStrategy::topic_record, "orders") == "orders-com.acme.Order");
    CHECK(schema::find_subject(reg, SubjectStrategy::record, "com.acme.Order") == "com.acme.Order");
    CHECK_FALSE(schema::find_subject(reg, SubjectStrategy::topic, "missing").has_value());
    CHECK_THROWS_AS(schema::find_subject(reg, SubjectStrategy::topic_record, "pay"), Error);
}

TEST_CASE("registry options: bearer over basic, CA file, verification, no registry") {
    config::Settings s;
    CHECK_FALSE(schema::registry_configured(s));
    CHECK_FALSE(static_cast<bool>(schema::registry_lookup(s)));
    CHECK_THROWS_AS(schema::open_registry(s), Error);
    s.registry = config::Sourced{"https://reg:8081", "flag"};
    s.registry_username = "u";
    s.registry_password = "p";
    s.registry_ca_file = "/etc/ssl/reg.pem";
    auto o = schema::registry_http_options(s);
    CHECK(o.auth.kind == http::Auth::Kind::basic);
    CHECK(o.auth.username == "u");
    CHECK(o.ca_file == "/etc/ssl/reg.pem");
    CHECK(o.verify);
    s.registry_token = "tok";
    s.tls_insecure = true;
    o = schema::registry_http_options(s);
    CHECK(o.auth.kind == http::Auth::Kind::bearer);
    CHECK_FALSE(o.verify);
}

TEST_CASE("schema type detection for check --file") {
    CHECK(schema::detect_schema_type("x.avsc", "{}") == "AVRO");
    CHECK(schema::detect_schema_type("x.proto", "") == "PROTOBUF");
    CHECK(schema::detect_schema_type("x.json", R"({"type":"record","name":"R","fields":[]})") == "AVRO");
    CHECK(schema::detect_schema_type("x.json", R"({"$schema":"https://json-schema.org/draft/2020-12/schema"})") == "JSON");
    CHECK(schema::detect_schema_type("x.json", R"({"type":"object","properties":{"a":{"type":"string"}}})") == "JSON");
    CHECK(schema::detect_schema_type("x.json", R"(["null","string"])") == "AVRO");
    CHECK(schema::detect_schema_type("x.json", R"({"type":"string"})") == "");
    CHECK(schema::detect_schema_type("x.txt", "syntax = \"proto3\"; message M {}") == "PROTOBUF");
}

TEST_CASE("Avro schemas convert to JSON Schema") {
    auto avro = nlohmann::json::parse(R"({
      "type": "record", "name": "Order", "namespace": "com.acme", "doc": "An order",
      "fields": [
        {"name": "id", "type": "string"},
        {"name": "amount", "type": {"type": "bytes", "logicalType": "decimal", "precision": 9, "scale": 2}},
        {"name": "ts", "type": {"type": "long", "logicalType": "timestamp-millis"}},
        {"name": "note", "type": ["null", "string"], "default": null},
        {"name": "status", "type": {"type": "enum", "name": "Status", "symbols": ["NEW", "PAID"]}},
        {"name": "prev", "type": ["null", "Status"], "default": null},
        {"name": "items", "type": {"type": "array", "items": {"type": "record", "name": "Item",
            "fields": [{"name": "sku", "type": "string"}, {"name": "qty", "type": "int"}]}}},
        {"name": "attrs", "type": {"type": "map", "values": "long"}},
        {"name": "ref", "type": {"type": "string", "logicalType": "uuid"}},
        {"name": "either", "type": ["int", "string"]},
        {"name": "next", "type": ["null", "Order"], "default": null}
      ]})");
    auto js = schema::avro_to_json_schema(avro);
    CHECK(js["$schema"] == "https://json-schema.org/draft/2020-12/schema");
    CHECK(js["type"] == "object");
    CHECK(js["title"] == "com.acme.Order");
    CHECK(js["description"] == "An order");
    auto& p = js["properties"];
    CHECK(p["id"]["type"] == "string");
    CHECK(p["amount"]["type"] == "number");
    CHECK(p["ts"]["type"] == "integer");
    CHECK(p["ts"]["$comment"].get<std::string>().find("milliseconds") != std::string::npos);
    CHECK(p["note"]["type"] == nlohmann::json::array({"string", "null"}));
    CHECK(p["status"]["enum"] == nlohmann::json::array({"NEW", "PAID"}));
    CHECK(p["prev"]["enum"] == nlohmann::json::array({"NEW", "PAID", nullptr}));
    CHECK(p["prev"]["type"] == nlohmann::json::array({"string", "null"}));
    CHECK(p["items"]["items"]["properties"]["qty"]["type"] == "integer");
    CHECK(p["items"]["items"]["required"] == nlohmann::json::array({"sku", "qty"}));
    CHECK(p["attrs"]["additionalProperties"]["type"] == "integer");
    CHECK(p["ref"]["format"] == "uuid");
    CHECK(p["either"]["type"] == nlohmann::json::array({"integer", "string"}));
    CHECK(p["next"].contains("$comment"));  // recursion is not unrolled
    CHECK(js["required"] == nlohmann::json::array({"id", "amount", "ts", "status", "items", "attrs", "ref", "either"}));
    CHECK_THROWS_AS(schema::avro_to_json_schema(nlohmann::json::parse(R"({"type":"record","name":"R","fields":[{"name":"a","type":"Nope"}]})")),
                    std::invalid_argument);
    CHECK(schema::to_json_schema("JSON", R"({"type":"object"})") == nlohmann::json::parse(R"({"type":"object"})"));
    CHECK(schema::to_json_schema("PROTOBUF", "syntax = \"proto3\";").contains("$comment"));
    CHECK(schema::avro_record_name(avro.dump()) == "com.acme.Order");
}
