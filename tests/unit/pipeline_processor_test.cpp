#define DOCTEST_CONFIG_IMPLEMENT_WITH_MAIN
#include <doctest/doctest.h>

#include "core/pipeline/loader.hpp"
#include "core/pipeline/processor.hpp"
#include "core/pipeline/table.hpp"

#include "core/error.hpp"
#include "tests/support/run.hpp"

#include <nlohmann/json.hpp>

#include <filesystem>
#include <sstream>
#include <stdlib.h>

using namespace meshctl;
using namespace meshctl::pipeline;

namespace {

PipelineSpec spec(const std::string& steps, const std::string& sinks = "  - {type: stdout}\n") {
    return parse_pipeline("name: t\nsources:\n  orders: {topic: orders}\n  customers: {topic: customers, as: table}\nsteps:\n" +
                              steps + "sinks:\n" + sinks,
                          "t.yaml");
}

struct Feed {
    std::string value, key;
    std::int32_t partition = 0;
    std::int64_t offset = 0;
    expr::Event event() const {
        expr::Event e;
        e.value = value;
        e.key = key;
        e.topic = "orders";
        e.partition = partition;
        e.offset = offset;
        return e;
    }
};

const std::string join_seed = "  - join: {table: customers, on: value.customer_id, as: customer}\n"
                              "  - filter: customer.tier == \"PLATINUM\"\n"
                              "  - map: {order_id: value.order_id, amount: value.amount, customer: customer.name}\n";

// Stores one table record as the table feed does: keyed and kept by the processor.
void store(Processor& p, TableStore& t, const std::string& key_text, const std::string& value) {
    expr::Event e;
    e.key = key_text;
    e.value = value;
    std::string key, stored;
    REQUIRE(p.table_key(0, e, key));
    REQUIRE(p.table_value(0, value, stored));
    t.upsert(0, 0, key, stored);
}

void load_customers(Processor& p, TableStore& t) {
    store(p, t, "c-1", R"({"id":"c-1","name":"Ada","tier":"PLATINUM"})");
    store(p, t, "c-2", R"({"id":"c-2","name":"Alan","tier":"GOLD"})");
}

}  // namespace

TEST_CASE("inner join, filter and map on in-memory data") {
    Processor p(spec(join_seed, "  - {type: sqlite, path: x.db, table: t, key: value.order_id}\n  - {type: stdout}\n"));
    TableStore t(1);
    load_customers(p, t);
    Feed platinum{R"({"order_id":"o-1","customer_id":"c-1","amount":12.5,"items":[1,2]})", "c-1", 2, 7};
    REQUIRE(p.process(platinum.event(), t) == Verdict::written);
    REQUIRE(p.outputs().size() == 2);
    CHECK(nlohmann::json::parse(*p.outputs()[0].value) == nlohmann::json{{"order_id", "o-1"}, {"amount", 12.5}, {"customer", "Ada"}});
    CHECK(p.outputs()[0].id == "o-1");           // keyed sinks are idempotent by their key
    CHECK(p.outputs()[0].key == std::optional<std::string>("o-1"));
    CHECK(p.outputs()[1].id == "orders-2-7");    // the default id: topic-partition-offset
    CHECK(p.outputs()[1].key == std::optional<std::string>("c-1"));

    Feed gold{R"({"order_id":"o-2","customer_id":"c-2","amount":1})", "c-2"};
    CHECK(p.process(gold.event(), t) == Verdict::filtered);
    Feed nobody{R"({"order_id":"o-3","customer_id":"c-9","amount":1})", "c-9"};
    CHECK(p.process(nobody.event(), t) == Verdict::unmatched);
    CHECK(p.counts().joined == 2);
    CHECK(p.counts().unmatched == 1);
    CHECK(p.counts().filtered == 1);
    CHECK(p.counts().written == 1);
}

TEST_CASE("tables keep only the row fields the expressions read, unless a row is used whole") {
    const std::string row = R"({"id":"c-1","name":"Ada \"A\"","tier":"PLATINUM","n":1.50,"big":18446744073709551615,"tier":"x","a":[1,{"b":null}]})";
    auto stored_of = [&](const std::string& steps, const std::string& sinks = "  - {type: stdout}\n") {
        Processor p(spec(steps, sinks));
        std::string stored;
        REQUIRE(p.table_value(0, row, stored));
        REQUIRE_FALSE(stored.empty());
        return stored.substr(1);  // after the row filter's verdict
    };
    // Fields in the row's order, duplicates kept (a lookup still finds the first), values as
    // they decode: the same strings and numbers.
    CHECK(stored_of(join_seed) == R"({"name":"Ada \"A\"","tier":"PLATINUM","tier":"x"})");
    CHECK(stored_of("  - join: {table: customers, on: value.customer_id, as: c}\n  - map: {x: c.n, y: c.big, z: c.a}\n") ==
          R"({"n":1.5,"big":18446744073709551615,"a":[1,{"b":null}]})");
    // A sink's id counts; a join that reads nothing of the row keeps empty objects.
    CHECK(stored_of("  - join: {table: customers, on: value.customer_id, as: c}\n", "  - {type: stdout, id: c.id}\n") ==
          R"({"id":"c-1"})");
    CHECK(stored_of("  - join: {table: customers, on: value.customer_id, as: c}\n") == "{}");
    // Whole uses keep the row as it came.
    CHECK(stored_of("  - join: {table: customers, on: value.customer_id, as: c}\n  - map: {\"...\": c}\n") == row);
    CHECK(stored_of("  - join: {table: customers, on: value.customer_id, as: c}\n  - filter: size(c) > 2\n") == row);
    CHECK(stored_of("  - join: {table: customers, on: value.customer_id, type: left, as: c}\n  - filter: c != null\n") == row);
    // Rows that are not objects are kept as they are.
    Processor p(spec(join_seed));
    std::string stored;
    REQUIRE(p.table_value(0, R"(["PLATINUM"])", stored));
    CHECK(stored == R"(?["PLATINUM"])");  // the row filter's verdict: not a bool (an error)
    REQUIRE(p.table_value(0, "42", stored));
    CHECK(stored == "?42");
    CHECK(p.table_fields(0) == std::optional<std::set<std::string, std::less<>>>({"name", "tier"}));
}

TEST_CASE("a projected table gives the same verdicts and records as the whole rows") {
    // The seed steps read name and tier; the second pipeline reads the row whole as well
    // (`c != null`), so its table keeps whole rows: both must agree on every event.
    const std::string steps = "  - join: {table: customers, on: value.customer_id, type: left, as: customer}\n"
                              "  - filter: customer.tier == \"PLATINUM\" || customer.name == \"Alan\"\n"
                              "  - map: {order_id: value.order_id, customer: customer.name, tier: customer.tier}\n";
    Processor projected(spec(steps));
    Processor whole(spec(steps + "  - filter: customer != null\n"));
    REQUIRE(projected.table_fields(0).has_value());
    REQUIRE_FALSE(whole.table_fields(0).has_value());
    TableStore tp(1), tw(1);
    load_customers(projected, tp);
    load_customers(whole, tw);
    for (const char* id : {"c-1", "c-2", "c-9"}) {
        Feed order{std::string(R"({"order_id":"o","customer_id":")") + id + "\"}", id};
        Verdict a = projected.process(order.event(), tp);
        Verdict b = whole.process(order.event(), tw);
        CHECK(a == b);
        if (a == Verdict::written && b == Verdict::written) CHECK(*projected.outputs()[0].value == *whole.outputs()[0].value);
    }
    CHECK(projected.counts().written == 2);
}

TEST_CASE("a filter of the joined row alone is evaluated when the row is stored, with the same verdicts") {
    // The seed's filter reads only the row: its verdict is kept with the row. The second
    // pipeline's filter also reads the event (`offset`), so it runs per event: both must
    // agree on every event, errors and their reasons included.
    const std::string join = "  - join: {table: customers, on: value.customer_id, type: left, as: customer}\n";
    const std::string map = "  - map: {order_id: value.order_id, tier: customer.tier}\n";
    Processor stored(spec(join + "  - filter: customer.tier == \"PLATINUM\"\n" + map));
    Processor per_event(spec(join + "  - filter: customer.tier == \"PLATINUM\" && offset >= 0\n" + map));
    const char* rows[][2] = {{"c-1", R"({"id":"c-1","tier":"PLATINUM"})"},
                             {"c-2", R"({"id":"c-2","tier":"GOLD"})"},
                             {"c-3", R"({"id":"c-3"})"},               // no tier: an error, per event
                             {"c-4", R"({"id":"c-4","tier":7})"},      // false (no error in ==)
                             {"c-5", R"("not an object")"}};
    auto verdict_of = [&](Processor& p, const char* value) {
        std::string bytes;
        REQUIRE(p.table_value(0, value, bytes));
        return bytes[0];
    };
    CHECK(verdict_of(stored, rows[0][1]) == 'T');
    CHECK(verdict_of(stored, rows[1][1]) == 'F');
    CHECK(verdict_of(stored, rows[2][1]) == '?');
    CHECK(verdict_of(stored, rows[3][1]) == 'F');
    CHECK(verdict_of(stored, rows[4][1]) == '?');
    CHECK(verdict_of(per_event, rows[0][1]) == '?');

    TableStore ts(1), te(1);
    for (auto& r : rows) store(stored, ts, r[0], r[1]), store(per_event, te, r[0], r[1]);
    auto agree = [&](const char* id) {
        Feed order{std::string(R"({"order_id":"o","customer_id":")") + id + "\"}", id};
        Verdict a = stored.process(order.event(), ts);
        Verdict b = per_event.process(order.event(), te);
        CHECK(a == b);
        if (a == Verdict::written && b == Verdict::written) CHECK(*stored.outputs()[0].value == *per_event.outputs()[0].value);
        if (a == Verdict::dead_letter && b == Verdict::dead_letter) CHECK(stored.reason() == per_event.reason());
        return a;
    };
    CHECK(agree("c-1") == Verdict::written);
    CHECK(agree("c-2") == Verdict::filtered);
    CHECK(agree("c-3") == Verdict::dead_letter);
    CHECK(agree("c-4") == Verdict::filtered);
    CHECK(agree("c-5") == Verdict::dead_letter);
    CHECK(agree("c-9") == Verdict::dead_letter);  // no row: `customer` is null, evaluated per event
    // A row that changes changes its verdict.
    store(stored, ts, "c-2", R"({"id":"c-2","tier":"PLATINUM"})");
    store(per_event, te, "c-2", R"({"id":"c-2","tier":"PLATINUM"})");
    CHECK(agree("c-2") == Verdict::written);
    CHECK(stored.counts().filtered == per_event.counts().filtered);
    CHECK(stored.counts().joined == per_event.counts().joined);
    CHECK(stored.counts().written == per_event.counts().written);

    // Not moved to the stored row: a filter after another step, or of a table joined twice.
    Processor later(spec(join + map + "  - filter: value.tier == \"PLATINUM\"\n"));
    CHECK(verdict_of(later, rows[0][1]) == '?');
    Processor twice(spec(join + "  - filter: customer.tier == \"PLATINUM\"\n" +
                         "  - join: {table: customers, on: value.customer_id, as: again}\n"));
    CHECK(verdict_of(twice, rows[0][1]) == '?');
}

TEST_CASE("tombstones delete table rows and updates replace them") {
    Processor p(spec(join_seed));
    TableStore t(1);
    load_customers(p, t);
    Feed order{R"({"order_id":"o-1","customer_id":"c-2","amount":3})", "c-2"};
    CHECK(p.process(order.event(), t) == Verdict::filtered);
    store(p, t, "c-2", R"({"id":"c-2","name":"Alan","tier":"PLATINUM"})");
    CHECK(p.process(order.event(), t) == Verdict::written);
    t.erase(0, 0, "c-2");
    CHECK(p.process(order.event(), t) == Verdict::unmatched);
    CHECK(t.rows() == 1);
}

TEST_CASE("undecodable events and evaluation errors are dead letters with a reason, not crashes") {
    Processor p(spec(join_seed));
    TableStore t(1);
    load_customers(p, t);
    Feed bad{"not json", "c-1"};
    CHECK(p.process(bad.event(), t) == Verdict::dead_letter);
    CHECK(p.reason().find("not JSON") != std::string::npos);
    Feed missing{R"({"order_id":"o-1"})", "c-1"};
    CHECK(p.process(missing.event(), t) == Verdict::dead_letter);
    CHECK(p.reason().find("steps[0].join.on") == 0);
    CHECK(p.counts().dead_lettered == 2);

    // No expression reads the value: it is still checked before it reaches a sink.
    Processor pass(spec(""));
    CHECK(pass.process(bad.event(), t) == Verdict::dead_letter);
    Feed good{R"({"a":1})", "k"};
    CHECK(pass.process(good.event(), t) == Verdict::written);
    CHECK(*pass.outputs()[0].value == R"({"a":1})");  // unchanged bytes when nothing maps
}

TEST_CASE("left joins bind null; spreads keep fields, drops remove them; ids come from expressions") {
    Processor p(spec("  - join: {table: customers, on: value.customer_id, type: left, as: c}\n"
                     "  - map: {\"...\": value, name: 'c == null ? \"?\" : c.name'}\n"
                     "  - drop: [secret]\n",
                     "  - {type: stdout, id: '\"order-\" + value.order_id'}\n"));
    TableStore t(1);
    load_customers(p, t);
    Feed known{R"({"order_id":"1","customer_id":"c-1","secret":"x","n":2})", "c-1"};
    REQUIRE(p.process(known.event(), t) == Verdict::written);
    CHECK(nlohmann::json::parse(*p.outputs()[0].value) ==
          nlohmann::json{{"order_id", "1"}, {"customer_id", "c-1"}, {"n", 2}, {"name", "Ada"}});
    CHECK(p.outputs()[0].id == "order-1");
    Feed unknown{R"({"order_id":"2","customer_id":"c-7","secret":"x"})", "c-7"};
    REQUIRE(p.process(unknown.event(), t) == Verdict::written);
    CHECK(nlohmann::json::parse(*p.outputs()[0].value)["name"] == "?");
    CHECK(p.counts().left_unmatched == 1);
}

TEST_CASE("partitioned tables answer only for their partition and forget revoked ones") {
    TableStore t(1);
    t.set_partitioned(0, true);
    t.upsert(0, 1, "k", "{}");
    CHECK(t.find(0, 1, "k").has_value());
    CHECK_FALSE(t.find(0, 0, "k").has_value());
    t.drop_partition(0, 1);
    CHECK_FALSE(t.find(0, 1, "k").has_value());
    CHECK(t.bytes() == 0);
}

TEST_CASE("the sqlite sink (URL form) upserts by id and deletes on tombstones") {
    char tmpl[] = "/tmp/meshctl-sqlite-XXXXXX";
    REQUIRE(::mkdtemp(tmpl));
    std::string db = std::string(tmpl) + "/view.db";
    std::ostringstream out;
    auto sink = sinks::open_sink("sqlite:" + db + "?table=v", sinks::SinkContext{}, out);
    CHECK(sink->describe() == "sqlite:" + db + "?table=v");
    sinks::Record r;
    r.id = "a";
    r.value = "{\"n\":1}";
    sink->write(r);
    r.value = "{\"n\":2}";
    sink->write(r);  // same id: replaces
    r.id = "b";
    sink->write(r);
    CHECK(sink->flush(std::chrono::seconds(5)).written == 3);
    r.value.reset();
    sink->write(r);  // tombstone for b
    sink->flush(std::chrono::seconds(5));
    sink.reset();
    auto rows = test::run_program({"sqlite3", db, "SELECT id || '=' || value FROM v ORDER BY id"});
    if (rows.exit_code == 0) CHECK(rows.out == "a={\"n\":2}\n");
    CHECK_THROWS_AS(sinks::open_sink("sqlite:" + db + "?tabel=v", sinks::SinkContext{}, out), Error);
    std::filesystem::remove_all(tmpl);
}

TEST_CASE("a pipeline needs record headers only when an expression reads them") {
    CHECK_FALSE(Processor(spec(join_seed)).uses_headers());
    CHECK(Processor(spec("  - filter: headers[\"src\"] == \"web\"\n")).uses_headers());
    CHECK(Processor(spec("  - map: {src: headers.src, n: value.n}\n")).uses_headers());
    CHECK(Processor(spec("  - filter: value.n > 1\n", "  - {type: stdout, key: headers.src}\n")).uses_headers());
}

TEST_CASE("keys evaluated ahead give the same verdicts, records and reasons as keys evaluated in place") {
    const std::string left_join = "  - join: {table: customers, on: value.customer_id, type: left, as: customer}\n"
                                  "  - map:\n      order_id: value.order_id\n      who: 'customer == null ? \"?\" : customer.name'\n";
    for (const std::string& steps : {join_seed, left_join}) {
        CAPTURE(steps);
        Processor plain(spec(steps)), ahead(spec(steps));
        CHECK(ahead.can_look_ahead());
        TableStore t(1);
        load_customers(plain, t);
        std::vector<Feed> feed;
        const char* values[] = {R"({"order_id":"o-1","customer_id":"c-1"})", R"({"order_id":"o-2","customer_id":"c-2"})",
                                R"({"order_id":"o-3","customer_id":"c-9"})", R"({"order_id":"o-4"})",
                                R"({"order_id":"o-5","customer_id":null})", "not json",
                                R"({"order_id":"o-7","customer_id":["c-1"]})", R"({"order_id":"o-8","customer_id":"c-1"})"};
        for (int round = 0; round < 3; ++round)
            for (int i = 0; i < 8; ++i) feed.push_back({values[i], "k", i % 2, round * 8 + i});
        // Ahead: every event is looked at 8 and 4 events before it is processed, as the engine does.
        std::vector<expr::Event> events;
        for (const auto& f : feed) events.push_back(f.event());
        for (std::size_t i = 0; i < events.size(); ++i) {
            if (i + 8 < events.size()) ahead.look_ahead(events[i + 8], t, false);
            if (i + 4 < events.size()) ahead.look_ahead(events[i + 4], t, true);
            if (i == 0)
                for (std::size_t j = 0; j < 8 && j < events.size(); ++j) ahead.look_ahead(events[j], t, j < 4);
            Verdict a = ahead.process(events[i], t);
            std::string a_out = a == Verdict::written ? *ahead.outputs()[0].value : ahead.reason();
            Verdict b = plain.process(events[i], t);
            std::string b_out = b == Verdict::written ? *plain.outputs()[0].value : plain.reason();
            CAPTURE(i);
            CHECK(a == b);
            CHECK(a_out == b_out);
        }
    }
    CHECK_FALSE(Processor(spec("  - filter: value.n > 1\n" + join_seed)).can_look_ahead());
}
