#define DOCTEST_CONFIG_IMPLEMENT_WITH_MAIN
// The schema commands against a real Confluent-compatible registry (Apicurio, tests/fixtures/
// registry) and real Kafka: subjects, versions, show, compatibility checks, and Avro records
// in Confluent framing decoded back to JSON.
//
// Not covered here: HTTP basic/bearer authentication. Apicurio authenticates only through
// Keycloak (OIDC), which the fixtures do not run; the 401/403 handling is tested against a
// scripted transport in tests/unit/schema_registry_test.cpp.
#include <doctest/doctest.h>

#include "core/error.hpp"
#include "core/kafka/admin.hpp"
#include "core/kafka/consumer.hpp"
#include "core/kafka/producer.hpp"
#include "core/schema/decoder.hpp"
#include "core/schema/registry.hpp"
#include "tests/support/run.hpp"

#include <avro.h>
#include <nlohmann/json.hpp>

#include <cstring>
#include <sstream>
#include <fstream>

using namespace meshctl;
using test::run_meshctl;

namespace {

const std::string order_v1 = R"({"type":"record","name":"Order","namespace":"it.acme","fields":[
  {"name":"id","type":"string"},{"name":"amount","type":"double"},
  {"name":"note","type":["null","string"],"default":null}]})";
// v2 adds a field with a default: BACKWARD compatible.
const std::string order_v2 = R"({"type":"record","name":"Order","namespace":"it.acme","fields":[
  {"name":"id","type":"string"},{"name":"amount","type":"double"},
  {"name":"note","type":["null","string"],"default":null},
  {"name":"currency","type":"string","default":"EUR"}]})";
// A new field without a default cannot read old records: not BACKWARD compatible.
const std::string order_breaking = R"({"type":"record","name":"Order","namespace":"it.acme","fields":[
  {"name":"id","type":"string"},{"name":"amount","type":"double"},
  {"name":"note","type":["null","string"],"default":null},
  {"name":"currency","type":"string","default":"EUR"},{"name":"channel","type":"string"}]})";
// Apicurio needs "$schema" or "properties" to recognise a JSON schema.
const std::string payment_json = R"({"$schema":"https://json-schema.org/draft/2020-12/schema","type":"object",
  "properties":{"id":{"type":"string"},"ok":{"type":"boolean"}},"required":["id"]})";

struct Env {
    test::TempDir dir;
    std::string registry = test::fixture_address("registry");
    std::string suffix = test::random_suffix();
    std::string orders = "it-orders-" + suffix;
    std::string payments = "it-payments-" + suffix;
    std::string catalog = "_meshctl.catalog.it-" + suffix;
    std::map<std::string, std::string> env;
    kafka::ClientSettings kafka;
    config::Settings settings;

    Env() {
        kafka.bootstrap = test::fixture_address("kafka");
        kafka.timeout = std::chrono::seconds(20);
        auto cfg = dir.write("config.yaml", "current-context: it\ncontexts:\n  it:\n    bootstrap: " + kafka.bootstrap +
                                                "\n    registry: " + registry + "\n    catalog-topic: " + catalog + "\n");
        env = {{"MESHCTL_CONFIG", cfg.string()}, {"NO_COLOR", "1"}, {"COLUMNS", "200"}};
        settings.registry = config::Sourced{registry, "test"};
        settings.timeout = std::chrono::seconds(20);
    }
    ~Env() {
        try {
            kafka::Admin(kafka).delete_topics({orders, catalog});
        } catch (...) {
        }
    }
};

/// Registers the test subjects once per run of this file.
Env& env() {
    static Env e;
    static bool registered = false;
    if (!registered) {
        auto reg = schema::open_registry(e.settings);
        reg.register_schema(e.orders + "-value", order_v1, "AVRO");
        reg.set_compatibility_level(e.orders + "-value", "BACKWARD");
        reg.register_schema(e.orders + "-value", order_v2, "AVRO");
        reg.register_schema(e.payments + "-value", payment_json, "JSON");
        registered = true;
    }
    return e;
}

nlohmann::json json_of(const test::RunResult& r) {
    INFO("stdout: " << r.out << "\nstderr: " << r.err);
    REQUIRE(r.exit_code == 0);
    return nlohmann::json::parse(r.out);
}

/// One it.acme.Order v2 record, binary-encoded by avro-c.
std::string encode(const std::string& id, double amount, const char* note) {
    avro_schema_t schema = nullptr;
    REQUIRE(avro_schema_from_json_length(order_v2.data(), order_v2.size(), &schema) == 0);
    avro_value_iface_t* iface = avro_generic_class_from_schema(schema);
    avro_value_t rec, f, branch;
    REQUIRE(avro_generic_value_new(iface, &rec) == 0);
    avro_value_get_by_name(&rec, "id", &f, nullptr);
    avro_value_set_string(&f, id.c_str());
    avro_value_get_by_name(&rec, "amount", &f, nullptr);
    avro_value_set_double(&f, amount);
    avro_value_get_by_name(&rec, "note", &f, nullptr);
    avro_value_set_branch(&f, note ? 1 : 0, &branch);
    if (note) avro_value_set_string(&branch, note);
    else avro_value_set_null(&branch);
    avro_value_get_by_name(&rec, "currency", &f, nullptr);
    avro_value_set_string(&f, "USD");
    char buf[1024];
    avro_writer_t w = avro_writer_memory(buf, sizeof buf);
    REQUIRE(avro_value_write(w, &rec) == 0);
    std::string out(buf, static_cast<std::size_t>(avro_writer_tell(w)));
    avro_writer_free(w);
    avro_value_decref(&rec);
    avro_value_iface_decref(iface);
    avro_schema_decref(schema);
    return out;
}

std::string frame(std::int32_t id, const std::string& payload) {
    std::string out(5, '\0');
    auto u = static_cast<std::uint32_t>(id);
    for (int i = 0; i < 4; ++i) out[static_cast<std::size_t>(1 + i)] = static_cast<char>(u >> (24 - 8 * i));
    return out + payload;
}

}  // namespace

TEST_CASE("list and versions show the registered subjects") {
    auto& e = env();
    auto list = json_of(run_meshctl({"schema", "list", "-o", "json"}, e.env));
    auto subjects = list["subjects"].get<std::vector<std::string>>();
    CHECK(std::find(subjects.begin(), subjects.end(), e.orders + "-value") != subjects.end());
    CHECK(std::find(subjects.begin(), subjects.end(), e.payments + "-value") != subjects.end());

    auto versions = json_of(run_meshctl({"schema", "versions", e.orders + "-value", "-o", "json"}, e.env));
    REQUIRE(versions["versions"].size() == 2);
    CHECK(versions["versions"][0]["version"] == 1);
    CHECK(versions["versions"][1]["version"] == 2);
    CHECK(versions["versions"][1]["type"] == "AVRO");
    CHECK(versions["versions"][0]["id"] != versions["versions"][1]["id"]);

    auto text = run_meshctl({"schema", "versions", e.orders + "-value"}, e.env);
    CHECK(text.exit_code == 0);
    CHECK(text.out.find("VERSION") != std::string::npos);

    auto missing = run_meshctl({"schema", "versions", e.orders + "-valeu"}, e.env);
    CHECK(missing.exit_code == 3);
    CHECK(missing.err.find("did you mean \"" + e.orders + "-value\"") != std::string::npos);
}

TEST_CASE("show takes the registry subject of the topic and says so") {
    auto& e = env();
    auto r = run_meshctl({"schema", "show", e.orders, "-o", "json"}, e.env);
    auto j = json_of(r);
    CHECK(j["source"] == "registry");
    CHECK(j["subject"] == e.orders + "-value");
    CHECK(j["version"] == 2);
    CHECK(j["type"] == "AVRO");
    CHECK(j["schema"]["name"] == "Order");
    CHECK(j["json_schema"]["properties"]["note"]["type"] == nlohmann::json::array({"string", "null"}));
    CHECK(j["json_schema"]["required"] == nlohmann::json::array({"id", "amount"}));
    CHECK(r.err.find("registry subject " + e.orders + "-value version 2") != std::string::npos);

    auto v1 = json_of(run_meshctl({"schema", "show", e.orders, "--version", "1", "-o", "json"}, e.env));
    CHECK(v1["version"] == 1);
    CHECK(v1["schema"]["fields"].size() == 3);

    auto text = run_meshctl({"schema", "show", e.orders, "--json-schema"}, e.env);
    CHECK(text.exit_code == 0);
    CHECK(nlohmann::json::parse(text.out)["$schema"] == "https://json-schema.org/draft/2020-12/schema");

    auto js = json_of(run_meshctl({"schema", "show", e.payments, "-o", "json"}, e.env));
    CHECK(js["type"] == "JSON");
    CHECK(js["json_schema"]["properties"]["ok"]["type"] == "boolean");

    auto nope = run_meshctl({"schema", "show", e.orders, "--version", "9"}, e.env);
    CHECK(nope.exit_code == 3);
    CHECK(nope.err.find("version 9") != std::string::npos);
}

TEST_CASE("show falls back to the catalog's inline schema") {
    auto& e = env();
    std::string product = "it-prod-" + e.suffix;
    auto file = e.dir.write("p.yaml", "name: " + product + "\ndomain: it\nowner: {team: it}\ndescription: test product\n"
                                      "topic: " + product + "\nkind: events\nschema:\n  inline:\n    type: object\n"
                                      "    properties:\n      sku: {type: string}\n");
    auto pub = run_meshctl({"product", "publish", file.string()}, e.env);
    REQUIRE_MESSAGE(pub.exit_code == 0, pub.err);
    auto r = run_meshctl({"schema", "show", product, "-o", "json"}, e.env);
    auto j = json_of(r);
    CHECK(j["source"] == "catalog");
    CHECK(j["json_schema"]["properties"]["sku"]["type"] == "string");
    CHECK(r.err.find("catalog product") != std::string::npos);
    CHECK(run_meshctl({"schema", "show", product, "--source", "registry"}, e.env).exit_code == 3);
}

TEST_CASE("check passes a compatible schema and fails an incompatible one with exit 4") {
    auto& e = env();
    auto ok_file = e.dir.write("ok.avsc", order_v2);
    auto bad_file = e.dir.write("bad.avsc", order_breaking);
    auto ok = json_of(run_meshctl({"schema", "check", e.orders, "--file", ok_file.string(), "-o", "json"}, e.env));
    CHECK(ok["compatible"] == true);
    CHECK(ok["subject"] == e.orders + "-value");
    CHECK(ok["compatibility_level"] == "BACKWARD");

    auto bad = run_meshctl({"schema", "check", e.orders, "--file", bad_file.string()}, e.env);
    CHECK(bad.exit_code == 4);
    CHECK(bad.out.find("NOT compatible") != std::string::npos);
    CHECK(bad.out.find("channel") != std::string::npos);  // the registry's reason names the field
    CHECK(bad.err.find("not compatible") != std::string::npos);

    auto unknown = run_meshctl({"schema", "check", "no-such-topic-" + e.suffix, "--file", ok_file.string()}, e.env);
    CHECK(unknown.exit_code == 3);
}

TEST_CASE("Confluent-framed Avro records on a real topic decode to the expected JSON") {
    auto& e = env();
    auto reg = schema::open_registry(e.settings);
    auto latest = reg.version(e.orders + "-value");
    {
        kafka::Admin(e.kafka).create_topic(e.orders, 1, 1, {});
        kafka::Producer p(e.kafka);
        p.produce(e.orders, std::string("k1"), frame(latest.id, encode("o-1", 12.5, "rush")), 0);
        p.produce(e.orders, std::string("k2"), frame(latest.id, encode("o-2", 3.0, nullptr)), 0);
        p.produce(e.orders, std::string("k3"), frame(999999, "\x02"), 0);  // an id the registry lacks
        p.produce(e.orders, std::string("k4"), std::string("{\"plain\":true}"), 0);
        p.flush(20000);
    }
    kafka::Consumer c(e.kafka, std::nullopt);
    c.assign({{{e.orders, 0}, RD_KAFKA_OFFSET_BEGINNING}});
    schema::Decoder decoder(schema::registry_lookup(e.settings));
    std::vector<std::string> values;
    for (int i = 0; i < 100 && values.size() < 4; ++i) {
        auto m = c.poll(500);
        if (!m || m->is_error()) continue;
        auto d = decoder.decode(*m->value());
        values.push_back(d.ok() ? std::string(d.json) : std::string(schema::Decoder::status_name(d.status)));
    }
    REQUIRE(values.size() == 4);
    CHECK(nlohmann::json::parse(values[0]) ==
          nlohmann::json::parse(R"({"id":"o-1","amount":12.5,"note":"rush","currency":"USD"})"));
    CHECK(nlohmann::json::parse(values[1]) ==
          nlohmann::json::parse(R"({"id":"o-2","amount":3.0,"note":null,"currency":"USD"})"));
    CHECK(values[2] == "unknown_schema_id");
    CHECK(values[3] == "{\"plain\":true}");

    // sample shows framed records decoded, filters on their fields, and names what it could not decode.
    auto r = run_meshctl({"sample", e.orders, "-n", "0", "-o", "jsonl"}, e.env);
    INFO(r.err);
    REQUIRE(r.exit_code == 0);
    std::istringstream lines(r.out);
    std::vector<nlohmann::json> got;
    for (std::string l; std::getline(lines, l);) got.push_back(nlohmann::json::parse(l));
    REQUIRE(got.size() == 4);
    CHECK(got[0]["value"]["id"] == "o-1");
    CHECK(got[1]["value"]["note"].is_null());
    CHECK(got[2]["value"].is_string());  // undecodable: shown as it is
    CHECK(got[3]["value"]["plain"] == true);
    CHECK(r.err.find("1 framed events could not be decoded") != std::string::npos);
    CHECK(r.err.find("@2") != std::string::npos);
    auto filtered = run_meshctl({"sample", e.orders, "-n", "0", "-f", "%k %s\n", "--where", "value.amount > 10.0"}, e.env);
    REQUIRE(filtered.exit_code == 0);
    CHECK(filtered.out.find("k1 {") == 0);
    CHECK(filtered.out.find("k2") == std::string::npos);

    // A pipeline decodes framed stream records too; the undecodable one is dead-lettered.
    auto out = e.dir.path() / "decoded.jsonl";
    auto dead = e.dir.path() / "dead.jsonl";
    auto yaml = e.dir.write("avro.yaml", "name: avro-" + e.suffix + "\nsources:\n  orders: {topic: " + e.orders +
                                               ", as: stream, from: beginning}\nsteps:\n  - filter: has(value.id)\n"
                                               "  - map: {id: value.id, amount: value.amount}\nsinks:\n  - {type: file, path: " +
                                               out.string() + "}\ndead_letter: {type: file, path: " + dead.string() + "}\n");
    auto p = run_meshctl({"pipeline", "run", yaml.string(), "--until", "caught-up"}, e.env);
    INFO(p.err);
    CHECK(p.exit_code == 5);  // one record went to the dead-letter file
    std::ifstream in(out);
    std::vector<std::string> ids;
    for (std::string l; std::getline(in, l);) ids.push_back(nlohmann::json::parse(l)["value"]["id"]);
    CHECK(ids == std::vector<std::string>{"o-1", "o-2"});
    std::ifstream din(dead);
    std::string dl;
    REQUIRE(std::getline(din, dl));
    CHECK(dl.find("unknown_schema_id") != std::string::npos);
}

TEST_CASE("an unreachable registry exits 1 naming the URL and the cause") {
    auto& e = env();
    auto r = run_meshctl({"--registry", "http://127.0.0.1:1/apis/ccompat/v7", "schema", "list"}, e.env);
    CHECK(r.exit_code == 1);
    CHECK(r.err.find("http://127.0.0.1:1/apis/ccompat/v7") != std::string::npos);
    CHECK(r.err.find("cannot reach the schema registry") != std::string::npos);
    CHECK(r.err.find("onnect") != std::string::npos);  // curl's "Couldn't connect to server"
}

TEST_CASE("discover --field finds an unmanaged topic through its registered schema and names the subject") {
    auto& e = env();
    std::string topic = "it-clicks-" + e.suffix;
    kafka::Admin(e.kafka).create_topic(topic, 1, 1, {});
    auto reg = schema::open_registry(e.settings);
    reg.register_schema(topic + "-value", R"({"type":"record","name":"Click","namespace":"it.acme","fields":[
      {"name":"session_id","type":"string"},{"name":"page","type":{"type":"record","name":"Page","fields":[
      {"name":"url","type":"string"}]}}]})",
                        "AVRO");
    auto r = run_meshctl({"discover", "--field", "session_id", "-o", "json"}, e.env);
    INFO(r.err);
    REQUIRE(r.exit_code == 0);
    auto hits = nlohmann::json::parse(r.out);
    bool found = false;
    for (const auto& h : hits) {
        if (h["name"] != topic) continue;
        found = true;
        CHECK(h["schema_source"] == "registry:" + topic + "-value");
    }
    CHECK(found);
    auto nested = run_meshctl({"discover", "--field", "page.url", "-o", "json"}, e.env);
    REQUIRE(nested.exit_code == 0);
    CHECK(nested.out.find(topic) != std::string::npos);
    auto none = run_meshctl({"discover", "--field", "no_such_field_" + e.suffix}, e.env);
    CHECK(none.exit_code == 3);
    kafka::Admin(e.kafka).delete_topics({topic});
}
