#define DOCTEST_CONFIG_IMPLEMENT_WITH_MAIN
#include <doctest/doctest.h>

#include "core/error.hpp"
#include "core/sinks/elasticsearch_sink.hpp"

using namespace meshctl;
using namespace meshctl::sinks::es;

TEST_CASE("bulk items append the original value bytes after an action line") {
    std::string out;
    auto at = append_bulk_item(Action::index, "orders", "orders-0-7", std::string_view("{\"a\": 1}"), out);
    CHECK(out == "{\"index\":{\"_index\":\"orders\",\"_id\":\"orders-0-7\"}}\n{\"a\": 1}\n");
    CHECK(out.substr(at, 8) == "{\"a\": 1}");
}

TEST_CASE("create, update with upsert and delete items") {
    std::string out;
    append_bulk_item(Action::create, "i", "1", std::string_view("{}"), out);
    CHECK(out == "{\"create\":{\"_index\":\"i\",\"_id\":\"1\"}}\n{}\n");
    out.clear();
    auto at = append_bulk_item(Action::update, "i", "1", std::string_view("{\"x\":2}"), out);
    CHECK(out == "{\"update\":{\"_index\":\"i\",\"_id\":\"1\",\"retry_on_conflict\":3}}\n{\"doc\":{\"x\":2},\"doc_as_upsert\":true}\n");
    CHECK(out.substr(at, 7) == "{\"x\":2}");
    out.clear();
    CHECK(append_bulk_item(Action::delete_, "i", "1", std::nullopt, out) == std::string::npos);
    CHECK(out == "{\"delete\":{\"_index\":\"i\",\"_id\":\"1\"}}\n");
}

TEST_CASE("ids and index names are JSON-escaped, and raw newlines in values cannot break the framing") {
    std::string out;
    append_bulk_item(Action::index, "i", "a\"b\\c\n\x01", std::string_view("{\n  \"a\": \"x\\ny\"\r\n}"), out);
    CHECK(out == "{\"index\":{\"_index\":\"i\",\"_id\":\"a\\\"b\\\\c\\n\\u0001\"}}\n{   \"a\": \"x\\ny\"  }\n");
    CHECK(std::count(out.begin(), out.end(), '\n') == 2);
}

TEST_CASE("a clean bulk response is accepted without walking the items") {
    std::string body = R"({"took":3,"errors":false,"items":[{"index":{"_id":"1","status":201}}]})";
    BulkResponse r;
    REQUIRE(parse_bulk_response(body, r));
    CHECK_FALSE(r.errors);
    CHECK(r.failed.empty());
}

TEST_CASE("bulk response items: failures keep their position, status and reason") {
    std::string body = R"({"took":3,"errors":true,"items":[
      {"index":{"_index":"o","_id":"1","status":201,"result":"created"}},
      {"index":{"_index":"o","_id":"2","status":400,"error":{"type":"mapper_parsing_exception","reason":"failed to parse field [n] of type [integer]","caused_by":{"type":"number_format_exception","reason":"For input string: \"abc\""}}}},
      {"create":{"_index":"o","_id":"3","status":409,"error":{"type":"version_conflict_engine_exception","reason":"document already exists"}}},
      {"index":{"_index":"o","_id":"4","status":429,"error":{"type":"es_rejected_execution_exception","reason":"rejected execution"}}}]})";
    BulkResponse r;
    REQUIRE(parse_bulk_response(body, r));
    CHECK(r.errors);
    CHECK(r.items == 4);
    REQUIRE(r.failed.size() == 3);
    CHECK(r.failed[0].index == 1);
    CHECK(r.failed[0].status == 400);
    CHECK(r.failed[0].reason ==
          "mapper_parsing_exception: failed to parse field [n] of type [integer] (caused by number_format_exception: For input string: \"abc\")");
    CHECK(r.failed[1].index == 2);
    CHECK(r.failed[1].status == 409);
    CHECK(r.failed[2].index == 3);
    CHECK(r.failed[2].status == 429);
}

TEST_CASE("what is not a bulk response is refused") {
    BulkResponse r;
    std::string a = "<html>bad gateway</html>";
    CHECK_FALSE(parse_bulk_response(a, r));
    std::string b = R"({"error":{"type":"x"},"status":400})";
    CHECK_FALSE(parse_bulk_response(b, r));
    std::string c = R"({"errors":true,"items":[{"index":{"status":201}})";
    CHECK_FALSE(parse_bulk_response(c, r));
}

TEST_CASE("item verdicts: success, idempotent conflicts, retryable and permanent failures") {
    CHECK(classify(Action::index, 200) == Verdict::ack);
    CHECK(classify(Action::index, 201) == Verdict::ack);
    CHECK(classify(Action::create, 409) == Verdict::ack);
    CHECK(classify(Action::index, 409) == Verdict::reject);
    CHECK(classify(Action::update, 409) == Verdict::retry);
    CHECK(classify(Action::delete_, 404) == Verdict::ack);
    CHECK(classify(Action::index, 404) == Verdict::reject);
    CHECK(classify(Action::index, 429) == Verdict::retry);
    CHECK(classify(Action::index, 503) == Verdict::retry);
    CHECK(classify(Action::index, 400) == Verdict::reject);
}

TEST_CASE("backoff grows exponentially with jitter and stays under the cap") {
    RetryPolicy p;
    p.initial = std::chrono::milliseconds(100);
    p.max = std::chrono::milliseconds(1000);
    CHECK(p.delay(0, 0).count() == 50);
    CHECK(p.delay(0, 50).count() == 100);
    CHECK(p.delay(1, 0).count() == 100);
    CHECK(p.delay(2, 0).count() == 200);
    for (std::uint64_t r : {0ull, 7ull, 123456789ull, ~0ull}) {
        CHECK(p.delay(10, r).count() >= 500);
        CHECK(p.delay(10, r).count() <= 1000);
        CHECK(p.delay(60, r).count() <= 1000);
    }
}

TEST_CASE("index templates: fixed names, dates from the event time, field expressions") {
    expr::Evaluator ev;
    std::string value = R"({"region":"eu","n":3})";
    expr::Event e{value, std::nullopt, {}, "orders", 0, 5, 1717243200123};  // 2024-06-01T12:00:00.123Z
    std::string out, err;
    auto fixed = IndexTemplate::compile("orders");
    CHECK(fixed.fixed());
    REQUIRE(fixed.render(e, ev, out, err));
    CHECK(out == "orders");
    out.clear();
    auto daily = IndexTemplate::compile("orders-{yyyy.MM.dd}");
    CHECK_FALSE(daily.fixed());
    CHECK(daily.prefix() == "orders-");
    REQUIRE(daily.render(e, ev, out, err));
    CHECK(out == "orders-2024.06.01");
    out.clear();
    REQUIRE(IndexTemplate::compile("o-{value.region}-{yyyy-MM}-{HH}").render(e, ev, out, err));
    CHECK(out == "o-eu-2024-06-12");
    out.clear();
    CHECK_FALSE(IndexTemplate::compile("o-{value.missing}").render(e, ev, out, err));
    CHECK(err.find("value.missing") != std::string::npos);
    CHECK_THROWS_AS(IndexTemplate::compile("o-{yyyy"), Error);
    CHECK_THROWS_AS(IndexTemplate::compile("o-}"), Error);
    CHECK_THROWS_AS(IndexTemplate::compile(""), Error);
}
