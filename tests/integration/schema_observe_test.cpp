#define DOCTEST_CONFIG_IMPLEMENT_WITH_MAIN
// schema infer and schema diff on a real broker: a data product declared in the catalog with
// an inline JSON Schema, clean and drifting events, a payload that is not JSON, and the CI
// gate script of examples/.
#include <doctest/doctest.h>

#include "core/error.hpp"
#include "core/kafka/admin.hpp"
#include "core/kafka/producer.hpp"
#include "tests/support/run.hpp"

#include <nlohmann/json.hpp>

#include <thread>

using namespace meshctl;
using test::run_meshctl;

namespace {

const std::string schema_yaml = R"(schema:
  inline:
    type: object
    required: [order_id, amount, currency]
    properties:
      order_id: {type: string}
      amount: {type: number}
      currency: {type: string, enum: [EUR, USD, GBP]}
      note: {type: [string, "null"]}
      items:
        type: array
        items:
          type: object
          properties:
            sku: {type: string}
            qty: {type: integer}
)";

std::string clean_event(int i) {
    return R"({"order_id":"o-)" + std::to_string(i) + R"(","amount":)" + std::to_string(10 + i) + R"(.5,"currency":")" +
           (i % 4 == 0 ? "USD" : "EUR") + R"(","note":)" + (i % 2 ? R"("gift")" : "null") + R"(,"items":[{"sku":"s-)" +
           std::to_string(i % 3) + R"(","qty":)" + std::to_string(1 + i % 2) + "}]}";
}

// A product (named apart from its topic, so names resolve through the catalog) on a topic
// of three partitions, all deleted at the end.
struct Stream {
    std::string prefix = "its" + test::random_suffix();
    std::string catalog = "_meshctl.catalog." + prefix;
    std::string topic = prefix + "-orders-v1";
    std::string product = prefix + "-orders";
    kafka::ClientSettings settings;
    test::TempDir dir;
    std::map<std::string, std::string> env;

    Stream() {
        settings.bootstrap = test::fixture_address("kafka");
        settings.timeout = std::chrono::seconds(20);
        auto cfg = dir.write("config.yaml", "current-context: it\ncontexts:\n  it:\n    bootstrap: " + settings.bootstrap +
                                                "\n    catalog-topic: " + catalog + "\n");
        env = {{"MESHCTL_CONFIG", cfg.string()}, {"NO_COLOR", "1"}, {"COLUMNS", "200"}};
        kafka::Admin(settings).create_topic(topic, 3, 1, {});
    }
    ~Stream() {
        try {
            kafka::Admin(settings).delete_topics({topic, catalog});
        } catch (...) {
        }
    }
    void publish() {
        auto f = dir.write("product.yaml", "name: " + product + "\ndomain: sales\nowner: {team: checkout}\n"
                                           "description: Orders for the schema tests.\nkind: events\ntopic: " + topic + "\n" + schema_yaml);
        auto r = run_meshctl({"product", "publish", f.string()}, env);
        REQUIRE_MESSAGE(r.exit_code == 0, r.err);
    }
    // Values in order, spread round-robin over the partitions; returns each one's partition:offset.
    std::vector<std::string> produce(const std::vector<std::optional<std::string>>& values) {
        std::vector<std::string> where;
        std::array<std::int64_t, 3> next{};
        // A topic just created may not be known to every part of the broker yet: retry.
        for (int attempt = 0;; ++attempt) {
            try {
                auto marks = kafka::Admin(settings).watermarks({{topic, 0}, {topic, 1}, {topic, 2}});
                for (const auto& [tp, wm] : marks) next[static_cast<std::size_t>(tp.partition)] = wm.high;
                break;
            } catch (const Error&) {
                if (attempt == 40) throw;
                std::this_thread::sleep_for(std::chrono::milliseconds(250));
            }
        }
        kafka::Producer p(settings);
        for (std::size_t i = 0; i < values.size(); ++i) {
            auto part = static_cast<std::int32_t>(i % 3);
            p.produce(topic, std::nullopt, values[i] ? std::optional<std::string_view>(*values[i]) : std::nullopt, part);
            where.push_back(std::to_string(part) + ":" + std::to_string(next[static_cast<std::size_t>(part)]++));
        }
        p.flush(20000);
        return where;
    }
    nlohmann::json json(std::vector<std::string> args, int expected_exit) {
        args.push_back("-o");
        args.push_back("json");
        auto r = run_meshctl(args, env);
        REQUIRE_MESSAGE(r.exit_code == expected_exit, r.err << r.out);
        return nlohmann::json::parse(r.out);
    }
};

const nlohmann::json* finding(const nlohmann::json& report, const std::string& kind, const std::string& path) {
    for (const auto& f : report["findings"])
        if (f["kind"] == kind && f["path"] == path) return &f;
    return nullptr;
}

bool has_example(const nlohmann::json& f, const std::string& where) {
    for (const auto& e : f["examples"])
        if (std::to_string(e["partition"].get<int>()) + ":" + std::to_string(e["offset"].get<long long>()) == where) return true;
    return false;
}

}  // namespace

TEST_CASE("clean events: infer describes them and diff finds no drift (exit 0)") {
    Stream s;
    s.publish();
    std::vector<std::optional<std::string>> values;
    for (int i = 0; i < 60; ++i) values.push_back(clean_event(i));
    values.push_back(std::nullopt);  // a tombstone is skipped, not bad
    s.produce(values);

    auto inferred = s.json({"schema", "infer", s.product, "--samples", "100"}, 0);
    CHECK(inferred["topic"] == s.topic);
    CHECK(inferred["partitions"] == 3);
    CHECK(inferred["samples"]["decoded"] == 60);
    CHECK(inferred["samples"]["tombstones"] == 1);
    CHECK(inferred["bad_events"]["total"] == 0);
    const auto& sch = inferred["schema"];
    CHECK(sch["$schema"] == "https://json-schema.org/draft/2020-12/schema");
    CHECK(sch["properties"]["currency"]["enum"] == nlohmann::json::array({"EUR", "USD"}));
    CHECK(sch["properties"]["note"]["type"] == nlohmann::json::array({"string", "null"}));
    CHECK(sch["properties"]["items"]["items"]["properties"]["qty"]["type"] == "integer");
    CHECK(sch["required"].size() == 5);

    auto text = run_meshctl({"schema", "diff", s.product}, s.env);
    CHECK_MESSAGE(text.exit_code == 0, text.err);
    CHECK(text.out.find("no drift") != std::string::npos);

    // A sample of the stream, not all of it: spread over the three partitions.
    auto few = s.json({"schema", "infer", s.topic, "--samples", "9"}, 0);
    CHECK(few["samples"]["observed"] == 9);

    auto gate = test::run_program({MESHCTL_SOURCE_DIR "/examples/ci-schema-drift-gate.sh", s.product}, [&] {
        auto env = s.env;
        env["MESHCTL"] = MESHCTL_BIN;
        return env;
    }());
    CHECK_MESSAGE(gate.exit_code == 0, gate.err);
    CHECK(gate.out.find("no drift") != std::string::npos);
}

TEST_CASE("drifting events: each kind of drift is found with its location, exit 4 after the report") {
    Stream s;
    s.publish();
    std::vector<std::optional<std::string>> values;
    for (int i = 0; i < 30; ++i) values.push_back(clean_event(i));
    values.push_back(R"({"order_id":"o-m","currency":"EUR"})");                         // amount missing
    values.push_back(R"({"order_id":"o-u","amount":1,"currency":"EUR","coupon":"X"})");  // undeclared
    values.push_back(R"({"order_id":"o-t","amount":"12.00","currency":"EUR"})");         // type mismatch
    values.push_back(R"({"order_id":null,"amount":1,"currency":"EUR"})");                // null, not nullable
    values.push_back(R"({"order_id":"o-e","amount":1,"currency":"EURO"})");              // outside the enum
    values.push_back(R"({"order_id":"o-q","amount":1,"currency":"GBP","items":[{"sku":"a","qty":1.5}]})");
    values.push_back("order o-x, 12 EUR");                                               // not JSON
    auto where = s.produce(values);

    auto report = s.json({"schema", "diff", s.product, "--samples", "1000"}, 4);
    CHECK(report["drift"] == true);
    CHECK(report["declared"]["source"] == "catalog");
    CHECK(report["declared"]["subject"] == s.product);
    struct Expect {
        const char* kind;
        const char* path;
        std::size_t index;
    };
    for (const auto& e : {Expect{"missing_field", "amount", 30}, Expect{"undeclared_field", "coupon", 31},
                          Expect{"type_mismatch", "amount", 32}, Expect{"unexpected_null", "order_id", 33},
                          Expect{"enum_violation", "currency", 34}, Expect{"type_mismatch", "items[].qty", 35},
                          Expect{"undecodable", "", 36}}) {
        CAPTURE(e.kind);
        CAPTURE(e.path);
        const auto* f = finding(report, e.kind, e.path);
        REQUIRE(f);
        CHECK((*f)["count"] == 1);
        CHECK(has_example(*f, where[e.index]));
    }
    CHECK(report["findings"].size() == 7);
    CHECK(report["bad_events"]["counts"]["not_json"] == 1);

    // The text report is written before the error, which names the drift.
    auto text = run_meshctl({"schema", "diff", s.product, "--max-violations", "1"}, s.env);
    CHECK(text.exit_code == 4);
    CHECK(text.out.find("enum_violation") != std::string::npos);
    CHECK(text.out.find("EURO 1") != std::string::npos);
    CHECK(text.err.find("schema drift in \"" + s.product + "\"") != std::string::npos);

    // infer lists the event that is not JSON by partition:offset and still describes the rest.
    auto inferred = s.json({"schema", "infer", s.topic, "--samples", "1000"}, 0);
    CHECK(inferred["bad_events"]["total"] == 1);
    const auto& bad = inferred["bad_events"]["listed"][0];
    CHECK(std::to_string(bad["partition"].get<int>()) + ":" + std::to_string(bad["offset"].get<long long>()) == where[36]);
    CHECK(inferred["samples"]["decoded"] == 36);
    bool coupon = false;
    for (const auto& f : inferred["fields"])
        if (f["path"] == "coupon") coupon = f["present"] == 1;
    CHECK(coupon);

    auto gate = test::run_program({MESHCTL_SOURCE_DIR "/examples/ci-schema-drift-gate.sh", s.product}, [&] {
        auto env = s.env;
        env["MESHCTL"] = MESHCTL_BIN;
        env["REPORT_DIR"] = (s.dir.path() / "reports").string();
        return env;
    }());
    CHECK(gate.exit_code == 4);
    CHECK(gate.err.find("DRIFT") != std::string::npos);
    auto kept = test::run_program({"cat", (s.dir.path() / "reports" / (s.product + ".drift.json")).string()});
    CHECK(nlohmann::json::parse(kept.out)["drift"] == true);
}

TEST_CASE("diff without a declared schema exits 3 with a hint; infer still works") {
    Stream s;  // no product published
    s.produce({clean_event(1)});
    auto r = run_meshctl({"schema", "diff", s.topic}, s.env);
    CHECK(r.exit_code == 3);
    CHECK(r.err.find("no declared schema") != std::string::npos);
    CHECK(r.err.find("schema infer") != std::string::npos);
    CHECK(run_meshctl({"schema", "infer", s.topic}, s.env).exit_code == 0);
    auto missing = run_meshctl({"schema", "infer", s.prefix + "-nothing"}, s.env);
    CHECK(missing.exit_code == 3);
    auto bad_from = run_meshctl({"schema", "infer", s.topic, "--from", "yesterday-ish"}, s.env);
    CHECK(bad_from.exit_code == 2);
}
