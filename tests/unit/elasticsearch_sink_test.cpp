#define DOCTEST_CONFIG_IMPLEMENT_WITH_MAIN
#include <doctest/doctest.h>

#include "core/error.hpp"
#include "core/sinks/elasticsearch_sink.hpp"
#include "core/util/log.hpp"
#include "core/util/redact.hpp"

#include <nlohmann/json.hpp>

#include <deque>
#include <functional>
#include <map>

using namespace meshctl;
using namespace meshctl::sinks;
using std::chrono::milliseconds;

namespace {

/// One bulk item as the fake server saw it.
struct SeenItem {
    std::string action, index, id;
    std::string source;  // the source line ("" for deletes)
};

std::vector<SeenItem> parse_body(const std::string& body) {
    std::vector<SeenItem> out;
    std::size_t i = 0;
    while (i < body.size()) {
        auto nl = body.find('\n', i);
        auto meta = nlohmann::json::parse(body.substr(i, nl - i));
        i = nl + 1;
        SeenItem s;
        s.action = meta.begin().key();
        s.index = meta.begin().value()["_index"];
        s.id = meta.begin().value()["_id"];
        if (s.action != "delete") {
            nl = body.find('\n', i);
            s.source = body.substr(i, nl - i);
            i = nl + 1;
        }
        out.push_back(s);
    }
    return out;
}

/// A transport whose server is a function; every request completes at the next poll.
class FakeTransport : public http::Transport {
public:
    std::function<http::Response(const http::Request&, const std::vector<SeenItem>&)> respond;
    std::vector<http::Request> requests;
    std::vector<std::vector<SeenItem>> bulks;  // items of each bulk request, in order

    std::uint64_t submit(http::Request r) override {
        if (r.shared_body) r.body = *r.shared_body;
        r.shared_body.reset();
        std::vector<SeenItem> items;
        if (r.url.ends_with("/_bulk")) {
            items = parse_body(r.body);
            bulks.push_back(items);
        }
        requests.push_back(r);
        pending_.push_back({++ticket_, respond(r, items)});
        return ticket_;
    }
    std::vector<http::Completion> poll(milliseconds) override {
        std::vector<http::Completion> out(pending_.begin(), pending_.end());
        pending_.clear();
        return out;
    }
    std::size_t in_flight() const override { return pending_.size(); }

private:
    std::deque<http::Completion> pending_;
    std::uint64_t ticket_ = 0;
};

/// A bulk response giving each item the status `status_of(item, position)`.
http::Response bulk_answer(const std::vector<SeenItem>& items, const std::function<int(const SeenItem&, std::size_t)>& status_of) {
    nlohmann::json arr = nlohmann::json::array();
    bool errors = false;
    for (std::size_t i = 0; i < items.size(); ++i) {
        int st = status_of(items[i], i);
        nlohmann::json it = {{"_index", items[i].index}, {"_id", items[i].id}, {"status", st}};
        if (st >= 300) {
            errors = true;
            it["error"] = {{"type", st == 400 ? "mapper_parsing_exception" : st == 409 ? "version_conflict_engine_exception" : "es_rejected_execution_exception"},
                           {"reason", "reason for " + items[i].id}};
        }
        arr.push_back({{items[i].action, it}});
    }
    http::Response r;
    r.status = 200;
    r.body = nlohmann::json{{"took", 1}, {"errors", errors}, {"items", arr}}.dump();
    return r;
}

http::Response all_ok(const http::Request&, const std::vector<SeenItem>& items) {
    return bulk_answer(items, [](const SeenItem&, std::size_t) { return 201; });
}

es::Options options() {
    es::Options o;
    o.addresses = {"http://es1:9200"};
    o.index = "orders";
    o.retry.initial = milliseconds(1);
    o.retry.max = milliseconds(2);
    o.linger = milliseconds(60'000);  // tests decide when batches go
    return o;
}

Record rec(std::int64_t offset, std::optional<std::string> value = std::nullopt) {
    Record r;
    r.topic = "orders";
    r.partition = 0;
    r.offset = offset;
    r.timestamp_ms = 1717243200000;
    r.id = default_record_id(r.topic, r.partition, r.offset);
    r.value = value ? value : std::optional<std::string>("{\"n\":" + std::to_string(offset) + "}");
    return r;
}

struct Harness {
    FakeTransport* fake = nullptr;
    std::unique_ptr<Sink> sink;
    explicit Harness(es::Options o, decltype(FakeTransport::respond) respond = all_ok) {
        auto t = std::make_unique<FakeTransport>();
        t->respond = std::move(respond);
        fake = t.get();
        sink = es::make_sink(std::move(o), std::move(t));
    }
};

}  // namespace

TEST_CASE("full batches go out from write(); flush sends the rest; ids default to topic-partition-offset") {
    auto o = options();
    o.batch_docs = 3;
    Harness h(o);
    for (int i = 0; i < 7; ++i) h.sink->write(rec(i));
    CHECK(h.fake->bulks.size() == 2);
    auto r = h.sink->flush(milliseconds(5000));
    CHECK(r.written == 7);
    CHECK(r.rejected.empty());
    REQUIRE(h.fake->bulks.size() == 3);
    CHECK(h.fake->bulks[2].size() == 1);
    CHECK(h.fake->bulks[0][1].id == "orders-0-1");
    CHECK(h.fake->bulks[0][1].source == "{\"n\":1}");
    CHECK(h.fake->requests[0].url == "http://es1:9200/_bulk");
    CHECK(h.fake->requests[0].content_type == "application/x-ndjson");
    CHECK(h.sink->flush(milliseconds(100)).written == 0);
}

TEST_CASE("a batch is also cut by bytes") {
    auto o = options();
    o.batch_bytes = 1024;
    Harness h(o);
    std::string big = "{\"s\":\"" + std::string(600, 'x') + "\"}";
    h.sink->write(rec(0, big));
    CHECK(h.fake->bulks.empty());
    h.sink->write(rec(1, big));
    CHECK(h.fake->bulks.size() == 1);
    CHECK(h.sink->flush(milliseconds(1000)).written == 2);
}

TEST_CASE("429 items are retried on their own until they succeed") {
    int calls = 0;
    Harness h(options(), [&](const http::Request&, const std::vector<SeenItem>& items) {
        ++calls;
        return bulk_answer(items, [&](const SeenItem& it, std::size_t) { return it.id == "orders-0-1" && calls < 3 ? 429 : 201; });
    });
    for (int i = 0; i < 4; ++i) h.sink->write(rec(i));
    auto r = h.sink->flush(milliseconds(5000));
    CHECK(r.written == 4);
    REQUIRE(h.fake->bulks.size() == 3);
    CHECK(h.fake->bulks[0].size() == 4);
    REQUIRE(h.fake->bulks[1].size() == 1);
    CHECK(h.fake->bulks[1][0].id == "orders-0-1");
    CHECK(h.fake->bulks[1][0].source == "{\"n\":1}");
    CHECK(h.fake->bulks[2].size() == 1);
}

TEST_CASE("a version conflict on create counts as written") {
    auto o = options();
    o.action = es::Action::create;
    Harness h(o, [](const http::Request&, const std::vector<SeenItem>& items) {
        return bulk_answer(items, [](const SeenItem&, std::size_t i) { return i == 0 ? 409 : 201; });
    });
    h.sink->write(rec(0));
    h.sink->write(rec(1));
    auto r = h.sink->flush(milliseconds(1000));
    CHECK(r.written == 2);
    CHECK(r.rejected.empty());
    CHECK(h.fake->bulks[0][0].action == "create");
}

TEST_CASE("mapping errors come back as rejected records with the reason and original bytes; the rest is written") {
    Harness h(options(), [](const http::Request&, const std::vector<SeenItem>& items) {
        return bulk_answer(items, [](const SeenItem& it, std::size_t) { return it.source.find("abc") != std::string::npos ? 400 : 201; });
    });
    h.sink->write(rec(0));
    h.sink->write(rec(1, std::string("{\"n\":\"abc\"}")));
    h.sink->write(rec(2));
    auto r = h.sink->flush(milliseconds(1000));
    CHECK(r.written == 2);
    REQUIRE(r.rejected.size() == 1);
    CHECK(r.rejected[0].record.offset == 1);
    CHECK(r.rejected[0].record.id == "orders-0-1");
    CHECK(*r.rejected[0].record.value == "{\"n\":\"abc\"}");
    CHECK(r.rejected[0].reason.find("mapper_parsing_exception") != std::string::npos);
    CHECK(r.rejected[0].reason.find("HTTP 400") != std::string::npos);
}

TEST_CASE("on_error: fail turns a refused document into a failed run") {
    auto o = options();
    o.on_error = es::OnError::fail;
    Harness h(o, [](const http::Request&, const std::vector<SeenItem>& items) {
        return bulk_answer(items, [](const SeenItem&, std::size_t) { return 400; });
    });
    h.sink->write(rec(0));
    CHECK_THROWS_AS(h.sink->flush(milliseconds(1000)), Error);
}

TEST_CASE("whole requests that fail are retried, round-robin over the addresses") {
    auto o = options();
    o.addresses = {"http://es1:9200", "http://es2:9200"};
    int calls = 0;
    Harness h(o, [&](const http::Request& req, const std::vector<SeenItem>& items) {
        ++calls;
        http::Response r;
        if (calls == 1) r.error = "Connection refused";
        else if (calls == 2) { r.status = 503; r.body = "{}"; }
        else return all_ok(req, items);
        return r;
    });
    h.sink->write(rec(0));
    h.sink->write(rec(1));
    auto r = h.sink->flush(milliseconds(5000));
    CHECK(r.written == 2);
    REQUIRE(h.fake->requests.size() == 3);
    CHECK(h.fake->requests[0].url == "http://es1:9200/_bulk");
    CHECK(h.fake->requests[1].url == "http://es2:9200/_bulk");
    CHECK(h.fake->requests[2].url == "http://es1:9200/_bulk");
    CHECK(h.fake->bulks[2].size() == 2);
}

TEST_CASE("a server that stays down makes flush fail at its deadline, naming the URL and the cause") {
    Harness h(options(), [](const http::Request&, const std::vector<SeenItem>&) {
        http::Response r;
        r.error = "Failed to connect to es1 port 9200: Connection refused";
        return r;
    });
    h.sink->write(rec(0));
    try {
        h.sink->flush(milliseconds(200));
        FAIL("flush should have thrown");
    } catch (const Error& e) {
        CHECK(e.kind() == ErrorKind::remote);
        std::string m = e.what();
        CHECK(m.find("http://es1:9200") != std::string::npos);
        CHECK(m.find("Connection refused") != std::string::npos);
        CHECK(m.find("1 documents not acknowledged") != std::string::npos);
    }
}

TEST_CASE("authentication failures are not retried") {
    Harness h(options(), [](const http::Request&, const std::vector<SeenItem>&) {
        http::Response r;
        r.status = 401;
        r.body = "{\"error\":\"unauthorized\"}";
        return r;
    });
    h.sink->write(rec(0));
    CHECK_THROWS_WITH_AS(h.sink->flush(milliseconds(5000)), doctest::Contains("HTTP 401"), Error);
    CHECK(h.fake->requests.size() == 1);
}

TEST_CASE("tombstones are skipped by default, deleted when configured") {
    Record t = rec(3);
    t.value.reset();
    {
        Harness h(options());
        h.sink->write(t);
        auto r = h.sink->flush(milliseconds(1000));
        CHECK(r.written == 1);
        CHECK(h.fake->bulks.empty());
    }
    auto o = options();
    o.tombstones = es::Tombstones::delete_;
    Harness h(o, [](const http::Request&, const std::vector<SeenItem>& items) {
        return bulk_answer(items, [](const SeenItem&, std::size_t) { return 404; });  // already gone
    });
    h.sink->write(t);
    auto r = h.sink->flush(milliseconds(1000));
    CHECK(r.written == 1);
    REQUIRE(h.fake->bulks.size() == 1);
    CHECK(h.fake->bulks[0][0].action == "delete");
}

TEST_CASE("update with upsert wraps the value") {
    auto o = options();
    o.action = es::Action::update;
    Harness h(o);
    h.sink->write(rec(0));
    h.sink->flush(milliseconds(1000));
    CHECK(h.fake->bulks[0][0].action == "update");
    CHECK(h.fake->bulks[0][0].source == "{\"doc\":{\"n\":0},\"doc_as_upsert\":true}");
}

TEST_CASE("ids and indexes from expressions; a record whose id cannot be computed is rejected") {
    auto o = options();
    o.id = "value.order_id";
    o.index = "orders-{value.region}-{yyyy.MM}";
    Harness h(o);
    h.sink->write(rec(0, std::string(R"({"order_id":"A-1","region":"eu"})")));
    h.sink->write(rec(1, std::string(R"({"order_id":42,"region":"us"})")));
    h.sink->write(rec(2, std::string(R"({"region":"us"})")));
    auto r = h.sink->flush(milliseconds(1000));
    CHECK(r.written == 2);
    REQUIRE(r.rejected.size() == 1);
    CHECK(r.rejected[0].record.offset == 2);
    CHECK(r.rejected[0].reason.find("id expression") != std::string::npos);
    REQUIRE(h.fake->bulks.size() == 1);
    CHECK(h.fake->bulks[0][0].id == "A-1");
    CHECK(h.fake->bulks[0][0].index == "orders-eu-2024.06");
    CHECK(h.fake->bulks[0][1].id == "42");
    CHECK(h.fake->bulks[0][1].index == "orders-us-2024.06");
}

TEST_CASE("a mapping is PUT at start only when the index is missing") {
    auto o = options();
    o.mapping = nlohmann::json{{"properties", {{"n", {{"type", "integer"}}}}}};
    Harness h(o, [](const http::Request& req, const std::vector<SeenItem>& items) {
        http::Response r;
        if (req.method == "HEAD") r.status = 404;
        else if (req.method == "PUT") { r.status = 200; r.body = "{\"acknowledged\":true}"; }
        else return all_ok(req, items);
        return r;
    });
    h.sink->write(rec(0));
    h.sink->flush(milliseconds(1000));
    REQUIRE(h.fake->requests.size() == 3);
    CHECK(h.fake->requests[0].method == "HEAD");
    CHECK(h.fake->requests[0].url == "http://es1:9200/orders");
    CHECK(h.fake->requests[1].method == "PUT");
    CHECK(nlohmann::json::parse(h.fake->requests[1].body)["mappings"]["properties"]["n"]["type"] == "integer");
}

TEST_CASE("pipeline options: defaults, enums, unknown keys and secrets by reference") {
    auto env = [](std::string_view name) -> std::optional<std::string> {
        if (name == "ES_KEY") return std::string("kid:ksecret-value");
        return std::nullopt;
    };
    auto o = es::parse_options(nlohmann::json{{"addresses", "http://h:9200/"}, {"index", "x"}}, env);
    CHECK(o.addresses == std::vector<std::string>{"http://h:9200"});
    CHECK(o.batch_docs == 2000);
    CHECK(o.batch_bytes == 5u * 1024 * 1024);
    CHECK(o.max_in_flight == 2);
    CHECK(o.linger == milliseconds(100));
    CHECK(o.http.verify);
    CHECK_FALSE(o.id);

    auto k = es::parse_options(nlohmann::json{{"addresses", {"https://a:9200", "https://b:9200"}}, {"index", "x"},
                                              {"api_key", "${env:ES_KEY}"}, {"action", "create"}, {"linger", "250ms"},
                                              {"id", "value.order_id"}, {"on_error", "fail"}},
                               env);
    CHECK(k.http.auth.kind == http::Auth::Kind::api_key);
    CHECK(k.http.auth.token == "kid:ksecret-value");
    CHECK(util::redact("key=kid:ksecret-value").find("ksecret-value") == std::string::npos);
    CHECK(k.action == es::Action::create);
    CHECK(k.on_error == es::OnError::fail);
    CHECK(k.linger == milliseconds(250));

    CHECK_THROWS_WITH_AS(es::parse_options(nlohmann::json{{"addresses", "http://h"}, {"index", "x"}, {"batch_doc", 5}}, env),
                         doctest::Contains("did you mean \"batch_docs\""), Error);
    CHECK_THROWS_WITH_AS(es::parse_options(nlohmann::json{{"addresses", "http://h"}, {"index", "x"}, {"action", "upsert"}}, env),
                         doctest::Contains("action"), Error);
    CHECK_THROWS_AS(es::parse_options(nlohmann::json{{"addresses", "http://h"}, {"index", "x"}, {"api_key", "${env:MISSING}"}}, env),
                    Error);
    CHECK_THROWS_AS(es::parse_options(nlohmann::json{{"addresses", "http://u:p@h"}, {"index", "x"}}, env), Error);
    CHECK_THROWS_AS(es::parse_options(nlohmann::json{{"index", "x"}}, env), Error);
    CHECK_THROWS_AS(es::parse_options(nlohmann::json{{"addresses", "h:9200"}, {"index", "x"}}, env), Error);
    CHECK_THROWS_AS(es::parse_options(nlohmann::json{{"addresses", "http://h"}, {"index", "x-{yyyy}"}, {"mapping", {{"properties", nlohmann::json::object()}}}}, env),
                    Error);
}

TEST_CASE("turning TLS verification off is explicit and warned about") {
    std::vector<std::string> lines;
    log::set_sink([&](log::Level, std::string_view m) { lines.emplace_back(m); });
    auto o = es::parse_options(nlohmann::json{{"addresses", "https://h:9200"}, {"index", "x"}, {"tls_insecure", true}},
                               config::process_env());
    log::set_sink(nullptr);
    CHECK_FALSE(o.http.verify);
    REQUIRE(lines.size() == 1);
    CHECK(lines[0].find("NOT verified") != std::string::npos);
}

TEST_CASE("the URL form: several hosts, options in the query, secrets only as references") {
    auto env = [](std::string_view name) -> std::optional<std::string> {
        if (name == "ES_PW") return std::string("pw-from-env");
        return std::nullopt;
    };
    auto o = es::parse_url("elasticsearch+https://a:9200,b:9201/orders-%7Byyyy.MM.dd%7D?action=create&batch_docs=500&gzip"
                           "&username=app&password=${env:ES_PW}",
                           env);
    CHECK(o.addresses == std::vector<std::string>{"https://a:9200", "https://b:9201"});
    CHECK(o.index == "orders-{yyyy.MM.dd}");
    CHECK(o.action == es::Action::create);
    CHECK(o.batch_docs == 500);
    CHECK(o.gzip);
    CHECK(o.http.auth.kind == http::Auth::Kind::basic);
    CHECK(o.http.auth.password == "pw-from-env");
    CHECK_THROWS_WITH_AS(es::parse_url("elasticsearch+http://h:9200/x?password=hunter2", env), doctest::Contains("reference"), Error);
    CHECK_THROWS_AS(es::parse_url("elasticsearch+http://u:p@h:9200/x", env), Error);
    CHECK_THROWS_AS(es::parse_url("elasticsearch+http://h:9200/", env), Error);
    CHECK_THROWS_AS(es::parse_url("elasticsearch+ftp://h/x", env), Error);
}

TEST_CASE("open_sink knows the elasticsearch URL form and type") {
    SinkContext ctx;
    std::ostringstream out;
    auto s = open_sink("elasticsearch+http://127.0.0.1:9/idx", ctx, out);
    CHECK(s->describe() == "elasticsearch+http://127.0.0.1:9/idx");
    auto s2 = open_sink_spec("elasticsearch", nlohmann::json{{"addresses", "http://127.0.0.1:9"}, {"index", "i"}}, ctx, out);
    CHECK(s2->describe() == "elasticsearch+http://127.0.0.1:9/i");
}
