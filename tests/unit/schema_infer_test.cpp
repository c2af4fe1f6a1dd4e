#define DOCTEST_CONFIG_IMPLEMENT_WITH_MAIN
#include <doctest/doctest.h>

#include "core/schema/infer.hpp"

#include <nlohmann/json.hpp>

#include <sstream>

using namespace meshctl;
using schema::Inferrer;
using schema::InferredField;
using schema::InferredSchema;
using schema::Location;

namespace {

InferredSchema infer(const std::vector<std::string>& events) {
    Inferrer inf;
    std::int64_t offset = 0;
    for (const auto& e : events) inf.add_json({0, offset++}, e);
    return inf.result();
}

const InferredField& field(const InferredSchema& s, const std::string& path) {
    for (const auto& f : s.fields)
        if (f.path == path) return f;
    FAIL("no field " << path);
    throw std::logic_error("unreachable");
}

bool has_field(const InferredSchema& s, const std::string& path) {
    for (const auto& f : s.fields)
        if (f.path == path) return true;
    return false;
}

std::string framed(std::int32_t id, std::string_view payload) {
    std::string out(1, '\0');
    for (int shift = 24; shift >= 0; shift -= 8) out += static_cast<char>((id >> shift) & 0xff);
    return out + std::string(payload);
}

}  // namespace

TEST_CASE("required fields are those present in every event; others get their presence") {
    auto s = infer({R"({"id":"a","note":"x"})", R"({"id":"b"})", R"({"id":"c"})", R"({"id":"d","note":"y"})"});
    CHECK(s.decoded == 4);
    CHECK(field(s, "id").required);
    CHECK(field(s, "id").presence == doctest::Approx(100.0));
    CHECK_FALSE(field(s, "note").required);
    CHECK(field(s, "note").present == 2);
    CHECK(field(s, "note").of == 4);
    CHECK(field(s, "note").presence == doctest::Approx(50.0));
    CHECK(s.schema["$schema"] == "https://json-schema.org/draft/2020-12/schema");
    CHECK(s.schema["type"] == "object");
    CHECK(s.schema["required"] == nlohmann::json::array({"id"}));
    CHECK(s.schema["properties"].contains("note"));
}

TEST_CASE("a field with several types becomes a union; nulls make it nullable") {
    auto s = infer({R"({"v":1,"n":null})", R"({"v":"one","n":"x"})", R"({"v":2,"n":"y"})"});
    CHECK(field(s, "v").types == std::vector<std::string>{"string", "integer"});
    CHECK(s.schema["properties"]["v"]["type"] == nlohmann::json::array({"string", "integer"}));
    const auto& n = field(s, "n");
    CHECK(n.types == std::vector<std::string>{"string", "null"});
    CHECK(n.nulls == 1);
    CHECK(n.required);  // present (as null) in every event
    CHECK(s.to_json()["fields"][1]["nullable"] == true);
}

TEST_CASE("integers and other numbers: integer only when every value is one, with the range") {
    auto s = infer({R"({"q":3,"p":9.5})", R"({"q":-2,"p":1})", R"({"q":40,"p":100})"});
    CHECK(field(s, "q").types == std::vector<std::string>{"integer"});
    CHECK(field(s, "q").minimum == -2);
    CHECK(field(s, "q").maximum == 40);
    CHECK(field(s, "p").types == std::vector<std::string>{"number"});
    CHECK(field(s, "p").minimum.get<double>() == doctest::Approx(1.0));
    CHECK(field(s, "p").maximum.get<double>() == doctest::Approx(100.0));
    CHECK(s.schema["properties"]["q"]["minimum"] == -2);
}

TEST_CASE("low-cardinality strings become enums with counts; ids and rare values do not") {
    std::vector<std::string> events;
    for (int i = 0; i < 30; ++i)
        events.push_back(R"({"currency":")" + std::string(i % 3 == 0 ? "USD" : "EUR") + R"(","order_id":"o-)" + std::to_string(i) + "\"}");
    auto s = infer(events);
    const auto& c = field(s, "currency");
    REQUIRE(c.enum_values.size() == 2);
    CHECK(c.enum_values[0] == std::pair<std::string, std::int64_t>{"EUR", 20});
    CHECK(c.enum_values[1] == std::pair<std::string, std::int64_t>{"USD", 10});
    CHECK(s.schema["properties"]["currency"]["enum"] == nlohmann::json::array({"EUR", "USD"}));
    CHECK(field(s, "order_id").enum_values.empty());
    CHECK_FALSE(s.schema["properties"]["order_id"].contains("enum"));
    // Two distinct values in three events are not enough evidence.
    CHECK(field(infer({R"({"s":"a"})", R"({"s":"b"})", R"({"s":"a"})"}), "s").enum_values.empty());
}

TEST_CASE("a nullable enum admits null in the schema") {
    auto s = infer({R"({"s":"A"})", R"({"s":"A"})", R"({"s":null})", R"({"s":"B"})", R"({"s":"B"})"});
    CHECK(s.schema["properties"]["s"]["enum"] == nlohmann::json::array({"A", "B", nullptr}));
}

TEST_CASE("string formats are detected only when every value has them") {
    auto s = infer({R"({"t":"2024-05-01T10:00:00Z","u":"3f2504e0-4f89-11d3-9a0c-0305e82c3301","e":"ana@example.com","w":"https://example.com/a","d":"2024-05-01","m":"2024-05-01T10:00:00Z"})",
                    R"({"t":"2024-05-02T11:30:15.250+02:00","u":"6BA7B810-9DAD-11D1-80B4-00C04FD430C8","e":"bo@mail.example.org","w":"urn:isbn:0451450523","d":"2025-12-31","m":"yesterday"})"});
    CHECK(field(s, "t").format == "date-time");
    CHECK(field(s, "u").format == "uuid");
    CHECK(field(s, "e").format == "email");
    CHECK(field(s, "w").format == "uri");
    CHECK(field(s, "d").format == "date");
    CHECK(field(s, "m").format.empty());
    CHECK(s.schema["properties"]["u"]["format"] == "uuid");
    CHECK(schema::matches_format("date-time", "2024-05-01T10:00:00Z"));
    CHECK_FALSE(schema::matches_format("date-time", "2024-13-01T10:00:00Z"));
    CHECK_FALSE(schema::matches_format("date-time", "2024-05-01 10:00:00"));
    CHECK_FALSE(schema::matches_format("uuid", "3f2504e0-4f89-11d3-9a0c-0305e82c330"));
    CHECK_FALSE(schema::matches_format("email", "not an@address.com"));
    CHECK_FALSE(schema::matches_format("email", "a@b"));
    CHECK_FALSE(schema::matches_format("uri", "c-000123:x"));
    CHECK_FALSE(schema::matches_format("uri", "12:30"));
}

TEST_CASE("nested objects and arrays: paths, presence within the parent, item counts") {
    auto s = infer({R"({"customer":{"id":"c1","address":{"city":"Lyon"}},"items":[{"sku":"a","qty":1},{"sku":"b"}],"tags":["x","y","z"]})",
                    R"({"customer":{"id":"c2"},"items":[{"sku":"c","qty":2}],"tags":[]})"});
    CHECK(field(s, "customer").types == std::vector<std::string>{"object"});
    CHECK(field(s, "customer.id").required);
    CHECK(field(s, "customer.address").presence == doctest::Approx(50.0));
    CHECK(field(s, "customer.address.city").depth == 2);
    const auto& items = field(s, "items");
    CHECK(items.min_items == 1);
    CHECK(items.max_items == 2);
    CHECK(field(s, "items[].sku").of == 3);  // three item objects
    CHECK(field(s, "items[].sku").required);
    CHECK(field(s, "items[].qty").present == 2);
    CHECK_FALSE(has_field(s, "items[]"));  // object items show their fields directly
    CHECK(field(s, "tags[]").types == std::vector<std::string>{"string"});
    CHECK(field(s, "tags").min_items == 0);
    const auto& sch = s.schema["properties"];
    CHECK(sch["items"]["type"] == "array");
    CHECK(sch["items"]["items"]["properties"]["sku"]["type"] == "string");
    CHECK(sch["items"]["items"]["required"] == nlohmann::json::array({"sku"}));
    CHECK(sch["customer"]["properties"]["address"]["properties"]["city"]["type"] == "string");
}

TEST_CASE("every scalar field has an example value") {
    auto s = infer({R"({"a":"first","b":7,"c":true,"d":null})", R"({"a":"second","b":8,"c":false,"d":1.5})"});
    CHECK(field(s, "a").example == "first");
    CHECK(field(s, "b").example == 7);
    CHECK(field(s, "c").example == true);
    CHECK(field(s, "d").example == 1.5);
    CHECK(s.schema["properties"]["a"]["examples"] == nlohmann::json::array({"first"}));
}

TEST_CASE("events that are not JSON are counted and listed by location, and leave no trace") {
    Inferrer inf;
    inf.add_json({0, 1}, R"({"a":1})");
    inf.add_json({0, 2}, "hello world");
    inf.add_json({1, 7}, R"({"a":2,"b":tru})");  // breaks after "a" was read
    inf.add_json({1, 8}, R"({"a":3} {"a":4})");
    inf.add_json({1, 9}, "");
    auto s = inf.result();
    CHECK(s.decoded == 1);
    CHECK(s.bad.total() == 4);
    CHECK(s.bad.counts().at("not_json") == 4);
    REQUIRE(s.bad.listed().size() == 4);
    CHECK(s.bad.listed()[1].at.str() == "1:7");
    CHECK(field(s, "a").present == 1);
    CHECK(field(s, "a").maximum == 1);
    CHECK_FALSE(has_field(s, "b"));
    auto j = s.to_json();
    CHECK(j["bad_events"]["total"] == 4);
    CHECK(j["bad_events"]["listed"][0]["offset"] == 2);
}

TEST_CASE("the list of bad events is capped; the counts are not") {
    Inferrer inf({}, {.listed_bad = 20});
    for (int i = 0; i < 25; ++i) inf.add_json({2, i}, "nope");
    auto s = inf.result();
    CHECK(s.bad.total() == 25);
    CHECK(s.bad.listed().size() == 20);
    std::ostringstream text;
    s.to_text(text, {});
    CHECK(text.str().find("and 5 more") != std::string::npos);
}

TEST_CASE("framed payloads go through the decoder: bad frames and unknown ids are counted, tombstones skipped") {
    schema::SchemaById by_id = [](std::int32_t id) -> std::optional<schema::RegisteredSchema> {
        if (id == 1) return schema::RegisteredSchema{1, "JSON", R"({"type":"object"})"};
        return std::nullopt;
    };
    Inferrer inf(by_id);
    std::string ok = framed(1, R"({"x":5})"), unknown = framed(99, R"({"x":6})"), short_frame("\0\0\1", 3);
    inf.add({{0, 0}, ok});
    inf.add({{0, 1}, unknown});
    inf.add({{0, 2}, short_frame});
    inf.add({{0, 3}, std::nullopt});
    inf.add({{0, 4}, std::string_view(R"({"x":7})")});
    auto s = inf.result();
    CHECK(s.observed == 5);
    CHECK(s.decoded == 2);
    CHECK(s.tombstones == 1);
    CHECK(s.bad.counts().at("unknown_schema_id") == 1);
    CHECK(s.bad.counts().at("bad_frame") == 1);
    CHECK(field(s, "x").minimum == 5);
    CHECK(field(s, "x").maximum == 7);
}

TEST_CASE("duplicate keys count once per object") {
    auto s = infer({R"({"a":1,"a":2})", R"({"b":1})"});
    CHECK(field(s, "a").present == 1);
    CHECK(field(s, "a").presence == doctest::Approx(50.0));
}

TEST_CASE("scalar and array events are described too") {
    auto s = infer({"42", "\"x\"", "[1,2]"});
    CHECK(s.decoded == 3);
    CHECK(field(s, "").types == std::vector<std::string>{"array", "string", "integer"});
    CHECK(field(s, "[]").types == std::vector<std::string>{"integer"});
}

TEST_CASE("the text view is a tree with types, presence and details") {
    auto s = infer({R"({"customer_id":"3f2504e0-4f89-11d3-9a0c-0305e82c3301","items":[{"sku":"a"}],"note":null})",
                    R"({"customer_id":"6ba7b810-9dad-11d1-80b4-00c04fd430c8","items":[{"sku":"b"}]})"});
    s.stream = "orders";
    s.partitions = 3;
    std::ostringstream out;
    s.to_text(out, {.width = 160, .color = false});
    std::string text = out.str();
    CHECK(text.find("orders: 2 events from 3 partitions") != std::string::npos);
    CHECK(text.find("customer_id") != std::string::npos);
    CHECK(text.find("uuid") != std::string::npos);
    CHECK(text.find("e.g. \"3f2504e0") != std::string::npos);
    CHECK(text.find("array<object>") != std::string::npos);
    CHECK(text.find("\n  sku") != std::string::npos);  // nested one level under items
    CHECK(text.find("50%") != std::string::npos);       // note
}
