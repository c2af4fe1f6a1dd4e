#define DOCTEST_CONFIG_IMPLEMENT_WITH_MAIN
#include <doctest/doctest.h>

#include "core/error.hpp"
#include "core/pipeline/loader.hpp"

#include <string>

using namespace meshctl;
using pipeline::parse_pipeline;

namespace {

const char* const seed = R"(name: platinum-orders
sources:
  orders: {topic: orders, as: stream, from: beginning}
  customers: {topic: customers, as: table, key: key}
steps:
  - join: {table: customers, on: value.customer_id, type: inner, as: customer}
  - filter: customer.tier == "PLATINUM"
  - map: {order_id: value.order_id, amount: value.amount, customer: customer.name}
sinks:
  - {type: sqlite, path: platinum.db, table: platinum_orders, key: value.order_id}
  - {type: file, path: platinum.jsonl}
)";

std::string error_of(const std::string& yaml) {
    try {
        parse_pipeline(yaml, "p.yaml");
    } catch (const Error& e) {
        CHECK(e.kind() == ErrorKind::config);
        return e.what();
    }
    FAIL("no error for:\n" << yaml);
    return {};
}

std::string replace(std::string s, const std::string& from, const std::string& to) {
    auto pos = s.find(from);
    REQUIRE(pos != std::string::npos);
    return s.replace(pos, from.size(), to);
}

}  // namespace

TEST_CASE("the seed pipeline loads with its sources, steps and generic sink options") {
    auto p = parse_pipeline(seed, "p.yaml");
    CHECK(p.name == "platinum-orders");
    REQUIRE(p.sources.size() == 2);
    CHECK(p.stream().topic == "orders");
    CHECK(p.source("customers")->kind == pipeline::SourceKind::table);
    REQUIRE(p.steps.size() == 3);
    CHECK(p.steps[0].kind == pipeline::StepKind::join);
    CHECK(p.steps[0].as == "customer");
    CHECK(p.steps[0].at.line == 6);
    CHECK(p.steps[2].fields.size() == 3);
    REQUIRE(p.sinks.size() == 2);
    CHECK(p.sinks[0].type == "sqlite");
    CHECK(p.sinks[0].key == std::optional<std::string>("value.order_id"));
    CHECK(p.sinks[0].options == nlohmann::json{{"path", "platinum.db"}, {"table", "platinum_orders"}});  // id/key stripped
    CHECK(p.default_group() == "meshctl-pipeline-platinum-orders");
}

TEST_CASE("unknown keys are errors with file:line:column and a suggestion") {
    auto e = error_of(replace(seed, "type: inner", "tpye: inner"));
    CHECK(e.find("p.yaml:6:") == 0);
    CHECK(e.find("unknown key \"tpye\"") != std::string::npos);
    CHECK(e.find("did you mean \"type\"") != std::string::npos);

    auto top = error_of(std::string(seed) + "sinkz: []\n");
    CHECK(top.find("p.yaml:12:1: unknown key \"sinkz\"") == 0);

    auto src = error_of(replace(seed, "as: table, key: key", "as: table, keyy: key"));
    CHECK(src.find("p.yaml:4:") == 0);
}

TEST_CASE("bad expressions point at the column inside the file") {
    auto e = error_of(replace(seed, "customer.tier == \"PLATINUM\"", "customer.tier = \"PLATINUM\""));
    // `  - filter: ` is 12 columns; the bad `=` is the 15th character of the expression.
    CHECK(e.find("p.yaml:7:") == 0);
    CHECK(e.find("steps[1].filter") != std::string::npos);
    auto col = std::stoi(e.substr(e.find(':', 7) + 1));
    CHECK(col == 12 + 15);
}

TEST_CASE("names are checked: a filter before the join cannot use its row, joins name table sources") {
    std::string early = replace(seed, "  - join: {table: customers, on: value.customer_id, type: inner, as: customer}\n  - filter: customer.tier == \"PLATINUM\"",
                                "  - filter: customer.tier == \"PLATINUM\"\n  - join: {table: customers, on: value.customer_id, type: inner, as: customer}");
    CHECK(error_of(early).find("p.yaml:6:") == 0);
    auto e = error_of(replace(seed, "table: customers, on:", "table: custmers, on:"));
    CHECK(e.find("no source called \"custmers\"") != std::string::npos);
    CHECK(e.find("did you mean \"customers\"") != std::string::npos);
    auto stream = error_of(replace(seed, "as: table, key: key", "as: stream"));
    CHECK(stream.find("source \"customers\" is a stream") != std::string::npos);
}

TEST_CASE("sinks: a type is required and checked, id/key expressions compile, positions and YAML errors") {
    CHECK(error_of(replace(seed, "type: file,", "type: fiel,")).find("did you mean \"file\"") != std::string::npos);
    CHECK(error_of(replace(seed, "key: value.order_id}", "key: value.order_id +}")).find("p.yaml:10:") == 0);
    CHECK(error_of(replace(seed, "from: beginning", "from: yesterday")).find("p.yaml:3:") == 0);
    CHECK(error_of("name: x\nsources: {orders: {topic: [}\n").find("p.yaml:2:") == 0);
    CHECK(error_of(replace(seed, "customers: {topic: customers, as: table, key: key}",
                           "customers: {topic: customers, as: table, from: end}"))
              .find("whole history") != std::string::npos);
}

TEST_CASE("map spreads, drop steps and left joins parse; a window on a table join is refused clearly") {
    auto p = parse_pipeline(replace(seed, "  - map: {order_id: value.order_id, amount: value.amount, customer: customer.name}",
                                    "  - map: {\"...\": value, name: customer.name}\n  - drop: [items, status]"),
                            "p.yaml");
    REQUIRE(p.steps.size() == 4);
    CHECK(p.steps[2].fields[0].spread);
    CHECK(p.steps[3].drop == std::vector<std::string>{"items", "status"});
    CHECK(error_of(replace(seed, "type: inner,", "type: inner, window: 10m,")).find("\"window\" is for stream-stream joins") != std::string::npos);
}
