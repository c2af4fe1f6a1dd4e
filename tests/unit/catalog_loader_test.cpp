#define DOCTEST_CONFIG_IMPLEMENT_WITH_MAIN
// Descriptor loading: valid files, and every kind of bad input reported with file:line:column.
#include "core/catalog/demo_products.hpp"
#include "core/catalog/descriptor.hpp"
#include "core/catalog/loader.hpp"
#include "core/error.hpp"
#include "tests/support/run.hpp"

#include <doctest/doctest.h>

#include <filesystem>
#include <string>

using namespace meshctl;
using namespace meshctl::catalog;

namespace {

const char* const valid = R"(name: orders
domain: sales
owner:
  team: checkout
  contact: checkout@example.com
description: Orders placed.
key: customer_id
kind: events
schema:
  inline:
    type: object
    properties:
      order_id: {type: string}
      amount: {type: [number, "null"]}
      items:
        type: array
        items:
          type: object
          properties:
            sku: {type: string}
tags: [orders, revenue]
classification: {level: internal, pii: [customer_id]}
history: window
history_window: 7d
freshness_sla: 5m
examples:
  - {description: big ones, query: "meshctl sample orders --where 'amount > 100'"}
)";

std::string error_of(const std::string& text) {
    try {
        parse_descriptors(text, "p.yaml");
    } catch (const Error& e) {
        CHECK(e.kind() == ErrorKind::config);
        return e.what();
    }
    FAIL("no error for:\n" << text);
    return {};
}

}  // namespace

TEST_CASE("a complete descriptor loads with defaults filled in") {
    auto ds = parse_descriptors(valid, "p.yaml");
    REQUIRE(ds.size() == 1);
    const auto& d = ds[0];
    CHECK(d.name == "orders");
    CHECK(d.topic == "orders");  // defaults to the name
    CHECK(d.owner.team == "checkout");
    CHECK(d.kind == Kind::events);
    CHECK(d.history == HistoryMode::window);
    CHECK(d.history_window == "7d");
    CHECK(d.tags == std::vector<std::string>{"orders", "revenue"});
    CHECK(d.classification.pii == std::vector<std::string>{"customer_id"});
    CHECK(d.schema.source == SchemaRef::Source::inline_schema);
    CHECK(d.schema.inline_schema["properties"]["amount"]["type"][1] == "null");
    CHECK(schema_fields(d) == std::vector<std::string>{"order_id", "amount", "items", "items.sku"});
    auto summary = schema_summary(d);
    REQUIRE(summary.size() == 3);
    CHECK(summary[1] == std::pair<std::string, std::string>{"amount", "number|null"});
    CHECK(d.origin == "p.yaml:1:1");
}

TEST_CASE("unknown keys are errors with line, column and a suggestion") {
    std::string e = error_of("name: x\ndomain: d\nowner: {team: t}\ndescription: x\nkind: events\ntagz: [a]\n");
    CHECK(e.find("p.yaml:6:1:") == 0);
    CHECK(e.find("unknown key \"tagz\"") != std::string::npos);
    CHECK(e.find("did you mean \"tags\"") != std::string::npos);

    e = error_of("name: x\ndomain: d\nowner:\n  team: t\n  emial: a@b\ndescription: x\nkind: events\n");
    CHECK(e.find("p.yaml:5:3:") == 0);
    CHECK(e.find("in owner") != std::string::npos);
}

TEST_CASE("wrong types and bad values point at the value") {
    std::string base = "name: x\ndomain: d\nowner: {team: t}\ndescription: x\n";
    std::string e = error_of(base + "kind: stream\n");
    CHECK(e.find("p.yaml:5:7:") == 0);
    CHECK(e.find("events, table or both") != std::string::npos);

    e = error_of(base + "kind: events\ntags: orders\n");
    CHECK(e.find("p.yaml:6:7:") == 0);
    CHECK(e.find("must be a list") != std::string::npos);

    e = error_of("name: [a, b]\n");
    CHECK(e.find("p.yaml:1:7:") == 0);
    CHECK(e.find("\"name\" must be a string") != std::string::npos);

    e = error_of(base + "kind: events\nfreshness_sla: soon\n");
    CHECK(e.find("p.yaml:6:16:") == 0);
    CHECK(e.find("not a duration") != std::string::npos);

    e = error_of(base + "kind: events\nschema: {inline: {type: object}, subject: s}\n");
    CHECK(e.find("either \"inline\" or \"subject\"") != std::string::npos);

    e = error_of(base + "kind: events\nhistory: window\n");
    CHECK(e.find("history_window") != std::string::npos);
}

TEST_CASE("missing required keys and malformed YAML are reported") {
    std::string e = error_of("name: x\ndomain: d\ndescription: x\nkind: events\n");
    CHECK(e.find("p.yaml:1:1: missing required key \"owner\"") == 0);

    e = error_of("name: x\n  bad: indentation\n");
    CHECK(e.find("p.yaml:2:") == 0);
    CHECK(e.find("malformed YAML") != std::string::npos);

    e = error_of("# only a comment\n");
    CHECK(e.find("no descriptor") != std::string::npos);
}

TEST_CASE("several documents in one file and duplicate names across files") {
    std::string one = "name: a\ndomain: d\nowner: {team: t}\ndescription: x\nkind: table\n";
    auto ds = parse_descriptors(one + "---\n" + "name: b\ndomain: d\nowner: {team: t}\ndescription: y\nkind: both\n", "m.yaml");
    REQUIRE(ds.size() == 2);
    CHECK(ds[1].name == "b");
    CHECK(ds[1].kind == Kind::both);

    test::TempDir dir;
    auto f1 = dir.write("one.yaml", one);
    auto f2 = dir.write("two.yaml", one);
    auto f3 = dir.write("bad.yaml", "name: z\n");
    try {
        load_descriptor_files({f1, f2, f3});
        FAIL("expected an error");
    } catch (const Error& e) {
        std::string m = e.what();
        CHECK(m.find("2 problems") != std::string::npos);
        CHECK(m.find("also defined at " + f1.string() + ":1:1") != std::string::npos);
        CHECK(m.find(f3.string() + ":1:1: missing required key") != std::string::npos);
    }
}

TEST_CASE("catalog records round-trip and invalid ones are refused") {
    auto d = parse_descriptors(valid, "p.yaml")[0];
    std::string rec = encode_record(d, 1714557600000);
    CHECK(rec.find("\"format_version\":1") != std::string::npos);
    auto back = decode_record(rec);
    CHECK(back.published_ms == 1714557600000);
    CHECK(to_json(back.descriptor) == to_json(d));

    CHECK_THROWS_WITH_AS(decode_record("not json"), "value is not JSON", std::invalid_argument);
    CHECK_THROWS_AS(decode_record(R"({"format_version":99,"descriptor":{}})"), std::invalid_argument);
    CHECK_THROWS_AS(decode_record(R"({"format_version":1,"descriptor":{"name":"x","kind":"nope"}})"), std::invalid_argument);
    CHECK_THROWS_AS(decode_record(R"({"descriptor":{"name":"x"}})"), std::invalid_argument);
}

TEST_CASE("the embedded demo descriptors match examples/products") {
    namespace fs = std::filesystem;
    fs::path dir = fs::path(MESHCTL_SOURCE_DIR) / "examples" / "products";
    REQUIRE(demo_product_files().size() >= 4);
    int files = 0;
    for (const auto& entry : fs::directory_iterator(dir)) {
        if (entry.path().extension() != ".yaml") continue;
        ++files;
        auto from_file = load_descriptor_file(entry.path());
        bool found = false;
        for (const auto& [name, text] : demo_product_files()) {
            if (name != entry.path().filename().string()) continue;
            found = true;
            auto embedded = parse_descriptors(text, name);
            REQUIRE(embedded.size() == from_file.size());
            for (std::size_t i = 0; i < embedded.size(); ++i) CHECK(to_json(embedded[i]) == to_json(from_file[i]));
        }
        CHECK_MESSAGE(found, entry.path().filename().string() << " is not embedded in core/catalog/demo_products.cpp");
    }
    CHECK(files == static_cast<int>(demo_product_files().size()));
}
