#define DOCTEST_CONFIG_IMPLEMENT_WITH_MAIN
#include <doctest/doctest.h>

#include "core/schema/diff.hpp"

#include <nlohmann/json.hpp>

#include <sstream>

using namespace meshctl;
using schema::Differ;
using schema::DriftReport;
using schema::Finding;

namespace {

const nlohmann::json orders = nlohmann::json::parse(R"({
  "type": "object",
  "required": ["order_id", "amount", "currency"],
  "properties": {
    "order_id": {"type": "string"},
    "amount": {"type": "number"},
    "qty": {"type": "integer"},
    "currency": {"type": "string", "enum": ["EUR", "USD", "GBP"]},
    "note": {"type": ["string", "null"]},
    "items": {"type": "array", "items": {"type": "object", "properties": {"sku": {"type": "string"}, "qty": {"type": "integer"}}}}
  }
})");

DriftReport diff(const nlohmann::json& declared, const std::vector<std::string>& events, schema::DiffOptions options = {}) {
    Differ d(declared, {}, options);
    std::int64_t offset = 0;
    for (const auto& e : events) d.add_json({0, offset++}, e);
    return d.result();
}

const Finding* find(const DriftReport& r, const std::string& kind, const std::string& path) {
    for (const auto& f : r.findings)
        if (f.kind == kind && f.path == path) return &f;
    return nullptr;
}

}  // namespace

TEST_CASE("events that match the declared schema show no drift") {
    auto r = diff(orders, {R"({"order_id":"o-1","amount":12.5,"currency":"EUR","qty":2,"note":null,"items":[{"sku":"a","qty":1}]})",
                           R"({"order_id":"o-2","amount":3,"currency":"GBP","note":"gift"})"});
    CHECK(r.decoded == 2);
    CHECK_FALSE(r.drift());
    CHECK(r.findings.empty());
    CHECK(r.to_json()["drift"] == false);
}

TEST_CASE("a declared required field that is absent is missing_field, with counts and examples") {
    auto r = diff(orders, {R"({"order_id":"o-1","amount":1,"currency":"EUR"})", R"({"order_id":"o-2","currency":"EUR"})",
                           R"({"order_id":"o-3","currency":"USD"})"});
    const Finding* f = find(r, "missing_field", "amount");
    REQUIRE(f);
    CHECK(f->count == 2);
    CHECK(f->expected == "required");
    REQUIRE(f->examples.size() == 2);
    CHECK(f->examples[0].str() == "0:1");
    CHECK(r.drift());
}

TEST_CASE("fields that are not declared are reported, unless extra properties are allowed") {
    auto r = diff(orders, {R"({"order_id":"o-1","amount":1,"currency":"EUR","coupon":"X1","items":[{"sku":"a","colour":"red"}]})"});
    const Finding* f = find(r, "undeclared_field", "coupon");
    REQUIRE(f);
    CHECK(f->observed == std::vector<std::pair<std::string, std::int64_t>>{{"string", 1}});
    CHECK(find(r, "undeclared_field", "items[].colour"));
    auto open = nlohmann::json::parse(R"({"type":"object","properties":{"a":{"type":"string"}},"additionalProperties":true})");
    CHECK_FALSE(diff(open, {R"({"a":"x","b":1})"}).drift());
    auto map = nlohmann::json::parse(R"({"type":"object","additionalProperties":{"type":"integer"}})");
    auto m = diff(map, {R"({"a":1,"b":"two"})"});
    CHECK(find(m, "type_mismatch", "*"));
    CHECK_FALSE(find(m, "undeclared_field", "a"));
}

TEST_CASE("values of another type are type_mismatch; integers are numbers, 2.0 is an integer") {
    auto r = diff(orders, {R"({"order_id":"o-1","amount":"12.50","currency":"EUR","qty":2.0})",
                           R"({"order_id":7,"amount":3,"currency":"EUR","qty":2.5})", R"({"order_id":"o-3","amount":4,"currency":"EUR"})"});
    const Finding* amount = find(r, "type_mismatch", "amount");
    REQUIRE(amount);
    CHECK(amount->count == 1);
    CHECK(amount->expected == "number");
    CHECK(amount->observed.front().first == "string");
    CHECK(find(r, "type_mismatch", "order_id"));
    const Finding* qty = find(r, "type_mismatch", "qty");
    REQUIRE(qty);
    CHECK(qty->count == 1);
    CHECK(qty->examples[0].offset == 1);
}

TEST_CASE("nulls where the declaration is not nullable are unexpected_null; nullable spellings are understood") {
    auto r = diff(orders, {R"({"order_id":null,"amount":1,"currency":"EUR","note":null})"});
    CHECK(find(r, "unexpected_null", "order_id"));
    CHECK_FALSE(find(r, "unexpected_null", "note"));
    auto any_of = nlohmann::json::parse(R"({"type":"object","properties":{"a":{"anyOf":[{"type":"string"},{"type":"null"}]},
        "b":{"type":"string","nullable":true},"c":{"enum":["x",null]}}})");
    CHECK_FALSE(diff(any_of, {R"({"a":null,"b":null,"c":null})", R"({"a":"s","b":"t","c":"x"})"}).drift());
}

TEST_CASE("strings outside the declared enum are enum_violation, with the values seen") {
    auto r = diff(orders, {R"({"order_id":"o-1","amount":1,"currency":"EURO"})", R"({"order_id":"o-2","amount":1,"currency":"EURO"})",
                           R"({"order_id":"o-3","amount":1,"currency":"JPY"})", R"({"order_id":"o-4","amount":1,"currency":"USD"})"});
    const Finding* f = find(r, "enum_violation", "currency");
    REQUIRE(f);
    CHECK(f->count == 3);
    CHECK(f->expected == "one of EUR, GBP, USD");
    CHECK(f->observed == std::vector<std::pair<std::string, std::int64_t>>{{"EURO", 2}, {"JPY", 1}});
}

TEST_CASE("nested array items are checked with their own paths") {
    auto r = diff(orders, {R"({"order_id":"o-1","amount":1,"currency":"EUR","items":[{"sku":"a","qty":"two"},{"sku":"b","qty":1}]})"});
    CHECK(find(r, "type_mismatch", "items[].qty"));
    CHECK(r.findings.size() == 1);
}

TEST_CASE("local $ref and $defs are followed; recursive ones are unrolled a few levels") {
    auto s = nlohmann::json::parse(R"({"$defs":{"money":{"type":"object","required":["value"],"properties":{"value":{"type":"number"}}},
        "node":{"type":"object","properties":{"child":{"$ref":"#/$defs/node"},"v":{"type":"integer"}}}},
        "type":"object","properties":{"price":{"$ref":"#/$defs/money"},"tree":{"$ref":"#/$defs/node"}}})");
    auto r = diff(s, {R"({"price":{"value":"1"},"tree":{"v":1,"child":{"v":"x","child":{"v":2}}}})", R"({"price":{}})"});
    CHECK(find(r, "type_mismatch", "price.value"));
    CHECK(find(r, "missing_field", "price.value"));
    CHECK(find(r, "type_mismatch", "tree.child.v"));
}

TEST_CASE("events that are not JSON are an undecodable finding and count as drift") {
    auto r = diff(orders, {R"({"order_id":"o-1","amount":1,"currency":"EUR"})", "plain text", R"({"order_id":"o-2",)"});
    REQUIRE(!r.findings.empty());
    CHECK(r.findings[0].kind == "undecodable");
    CHECK(r.findings[0].count == 2);
    CHECK(r.findings[0].examples[0].str() == "0:1");
    CHECK(r.bad.total() == 2);
    CHECK(r.decoded == 1);
    CHECK(r.drift());
}

TEST_CASE("--max-violations caps the examples listed, not the counts") {
    std::vector<std::string> events(12, R"({"order_id":"o","amount":1,"currency":"XXX"})");
    auto r = diff(orders, events, {.max_violations = 3});
    const Finding* f = find(r, "enum_violation", "currency");
    REQUIRE(f);
    CHECK(f->count == 12);
    CHECK(f->examples.size() == 3);
    auto j = r.to_json();
    CHECK(j["findings"][0]["examples"].size() == 3);
    CHECK(j["findings"][0]["count"] == 12);
}

TEST_CASE("the text report names each finding, the field and examples") {
    auto r = diff(orders, {R"({"order_id":"o-1","currency":"EUR"})"});
    r.stream = "orders";
    r.declared.source = "catalog";
    r.declared.subject = "orders";
    std::ostringstream out;
    r.to_text(out, {.width = 200, .color = false});
    CHECK(out.str().find("drift, 1 finding") != std::string::npos);
    CHECK(out.str().find("missing_field") != std::string::npos);
    CHECK(out.str().find("0:0") != std::string::npos);
    auto clean = diff(orders, {R"({"order_id":"o-1","amount":1,"currency":"EUR"})"});
    std::ostringstream ok;
    clean.to_text(ok, {});
    CHECK(ok.str().find("no drift") != std::string::npos);
}
