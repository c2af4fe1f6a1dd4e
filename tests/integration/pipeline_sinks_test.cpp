#define DOCTEST_CONFIG_IMPLEMENT_WITH_MAIN
// Kafka sinks of pipelines on real brokers: exact records, keys and ids in a topic of the
// run's own cluster, and in a topic of ANOTHER context's cluster (a second broker), fed
// across clusters.
#include <doctest/doctest.h>

#include "core/kafka/admin.hpp"
#include "core/kafka/consumer.hpp"
#include "core/kafka/producer.hpp"
#include "tests/support/run.hpp"

#include <nlohmann/json.hpp>

#include <chrono>
#include <fstream>
#include <map>
#include <set>
#include <tuple>

using namespace meshctl;

namespace {

constexpr std::int64_t t0 = 1'700'000'000'000;

kafka::ClientSettings settings_for(const std::string& bootstrap) {
    kafka::ClientSettings s;
    s.bootstrap = bootstrap;
    s.timeout = std::chrono::seconds(20);
    return s;
}

// key, value (JSON text, normalised), meshctl.id header, timestamp
using Out = std::tuple<std::string, std::string, std::string, std::int64_t>;

// Every record of `topic` (all partitions, from the beginning up to the end offsets now).
std::vector<Out> read_topic(const kafka::ClientSettings& s, const std::string& topic) {
    kafka::Admin admin(s);
    std::vector<kafka::TopicPartition> tps;
    for (const auto& p : admin.topic(topic).partitions) tps.push_back({topic, p.id});
    std::map<std::int32_t, std::int64_t> stop;
    std::vector<kafka::PartitionOffset> assign;
    for (const auto& [tp, wm] : admin.watermarks(tps))
        if (wm.high > 0) {
            stop[tp.partition] = wm.high;
            assign.push_back({tp, 0});
        }
    std::vector<Out> out;
    if (assign.empty()) return out;
    kafka::Consumer c(s, std::nullopt, {{"enable.partition.eof", "true"}});
    c.assign(assign);
    auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(60);
    while (!stop.empty() && std::chrono::steady_clock::now() < deadline) {
        auto m = c.poll(200);
        if (!m || m->is_error()) continue;
        if (m->offset() + 1 >= stop[m->partition()]) stop.erase(m->partition());
        std::string id;
        for (const auto& [name, value] : m->headers())
            if (name == "meshctl.id" && value) id = std::string(*value);
        out.emplace_back(m->key() ? std::string(*m->key()) : "<null>", nlohmann::json::parse(*m->value()).dump(), id, m->timestamp());
    }
    REQUIRE_MESSAGE(stop.empty(), "could not read all of " << topic);
    std::sort(out.begin(), out.end());
    return out;
}

// Orders in the run's cluster; each run's expectations are computed from them.
struct Orders {
    kafka::ClientSettings settings = settings_for(test::fixture_address("kafka"));
    std::string suffix = test::random_suffix();
    std::string topic = "it-sink-orders-" + suffix;
    std::vector<std::tuple<std::string, std::string, std::int64_t>> records;  // key, value, timestamp
    std::vector<std::string> cleanup{topic};

    Orders() {
        kafka::Admin(settings).create_topic(topic, 3, 1, {});
        kafka::Producer p(settings);
        for (int i = 0; i < 120; ++i) {
            std::string key = "c-" + std::to_string(i % 7);
            nlohmann::json v = {{"order_id", "o-" + std::to_string(i)}, {"customer_id", key}, {"amount", i * 2.5},
                                {"currency", i % 3 == 0 ? "EUR" : "USD"}};
            records.emplace_back(key, v.dump(), t0 + i * 1000);
            p.produce(topic, key, v.dump(), -1, {}, t0 + i * 1000);
        }
        p.flush(30'000);
    }
    ~Orders() {
        try {
            kafka::Admin(settings).delete_topics(cleanup);
        } catch (...) {
        }
    }
    // The EUR orders as the pipeline maps them.
    std::vector<std::pair<std::string, nlohmann::json>> expected(std::vector<std::int64_t>* timestamps = nullptr) const {
        std::vector<std::pair<std::string, nlohmann::json>> out;
        for (const auto& [key, value, ts] : records) {
            auto v = nlohmann::json::parse(value);
            if (v["currency"] != "EUR") continue;
            out.emplace_back(key, nlohmann::json{{"order_id", v["order_id"]}, {"cents", static_cast<std::int64_t>(v["amount"].get<double>() * 100)}});
            if (timestamps) timestamps->push_back(ts);
        }
        return out;
    }
    std::string pipeline(const test::TempDir& dir, const std::string& name, const std::string& sinks) const {
        return dir
            .write(name + ".yaml", "name: " + name + "\nsources:\n  orders: {topic: " + topic +
                                       "}\nsteps:\n  - filter: value.currency == \"EUR\"\n"
                                       "  - map: {order_id: value.order_id, cents: int(value.amount * 100.0)}\nsinks:\n" + sinks)
            .string();
    }
};

}  // namespace

TEST_CASE("a pipeline writes exact records to Kafka topics: keyed by an expression, or by the event's key") {
    Orders o;
    test::TempDir dir;
    std::string by_order = "it-sink-by-order-" + o.suffix, by_customer = "it-sink-by-customer-" + o.suffix;
    o.cleanup.push_back(by_order);
    o.cleanup.push_back(by_customer);
    kafka::Admin(o.settings).create_topic(by_order, 2, 1, {});
    kafka::Admin(o.settings).create_topic(by_customer, 1, 1, {});
    auto file = o.pipeline(dir, "sinks-" + o.suffix,
                           "  - {type: kafka, topic: " + by_order + ", key: value.order_id}\n"
                           "  - {type: kafka, topic: " + by_customer + "}\n");
    std::map<std::string, std::string> env{{"MESHCTL_CONFIG", (dir.path() / "none.yaml").string()}, {"NO_COLOR", "1"}};
    auto r = test::run_meshctl({"pipeline", "run", file, "-b", o.settings.bootstrap, "--until", "caught-up", "-o", "json"}, env);
    REQUIRE_MESSAGE(r.exit_code == 0, r.err);
    std::vector<std::int64_t> timestamps;
    auto expected = o.expected(&timestamps);
    REQUIRE(expected.size() == 40);

    // Keyed by the order id: the key is the id (idempotent by key), one record per order.
    std::vector<Out> want;
    for (std::size_t i = 0; i < expected.size(); ++i) {
        std::string id = expected[i].second["order_id"];
        want.emplace_back(id, expected[i].second.dump(), id, timestamps[i]);
    }
    std::sort(want.begin(), want.end());
    CHECK(read_topic(o.settings, by_order) == want);

    // The default key is the event's key; the default id names the event's origin.
    auto got = read_topic(o.settings, by_customer);
    REQUIRE(got.size() == expected.size());
    std::multiset<std::pair<std::string, std::string>> want_kv, got_kv;
    std::set<std::string> ids;
    for (const auto& [key, value] : expected) want_kv.insert({key, value.dump()});
    for (const auto& [key, value, id, ts] : got) {
        got_kv.insert({key, value});
        ids.insert(id);
        CHECK(id.rfind(o.topic + "-", 0) == 0);
    }
    CHECK(got_kv == want_kv);
    CHECK(ids.size() == expected.size());

    auto summary = nlohmann::json::parse(r.out);
    REQUIRE(summary["written"].size() == 2);
    CHECK(summary["written"][0]["written"] == expected.size());
    CHECK(summary["written"][1]["written"] == expected.size());
}

TEST_CASE("a Kafka sink in another context's cluster: exact records land there and only there") {
    Orders o;
    auto up = test::run_program({std::string(MESHCTL_FIXTURES_DIR) + "/kafka", "--name", "second", "up"}, {}, {}, 300);
    REQUIRE_MESSAGE(up.exit_code == 0, up.err);
    struct Down {
        ~Down() { test::run_program({std::string(MESHCTL_FIXTURES_DIR) + "/kafka", "--name", "second", "down"}, {}, {}, 120); }
    } down;
    auto second = settings_for(test::fixture_address("kafka", "second"));
    REQUIRE(second.bootstrap != o.settings.bootstrap);

    test::TempDir dir;
    auto config = dir.write("config.yaml", "current-context: here\ncontexts:\n  here:\n    bootstrap: " + o.settings.bootstrap +
                                               "\n  there:\n    bootstrap: " + second.bootstrap + "\n");
    std::string target = "it-sink-port-" + o.suffix;
    kafka::Admin(second).create_topic(target, 2, 1, {});
    auto file = o.pipeline(dir, "port-" + o.suffix, "  - {type: kafka, topic: " + target + ", context: there, key: value.order_id}\n");

    // MESHCTL_BOOTSTRAP names the run's own cluster; the sink still goes to context "there".
    std::map<std::string, std::string> env{{"MESHCTL_CONFIG", config.string()}, {"NO_COLOR", "1"},
                                           {"MESHCTL_BOOTSTRAP", o.settings.bootstrap}};
    auto r = test::run_meshctl({"pipeline", "run", file, "--until", "caught-up", "-o", "json"}, env);
    REQUIRE_MESSAGE(r.exit_code == 0, r.err);

    std::vector<std::int64_t> timestamps;
    auto expected = o.expected(&timestamps);
    std::vector<Out> want;
    for (std::size_t i = 0; i < expected.size(); ++i) {
        std::string id = expected[i].second["order_id"];
        want.emplace_back(id, expected[i].second.dump(), id, timestamps[i]);
    }
    std::sort(want.begin(), want.end());
    CHECK(read_topic(second, target) == want);
    // Nothing went to a topic of that name in the run's own cluster.
    CHECK(kafka::Admin(o.settings).metadata().find(target) == nullptr);

    // An unknown context is a config error naming it, before anything is read.
    auto bad = o.pipeline(dir, "bad-" + o.suffix, "  - {type: kafka, topic: " + target + ", context: thre}\n");
    auto unknown = test::run_meshctl({"pipeline", "run", bad, "--until", "caught-up"}, {{"MESHCTL_CONFIG", config.string()}});
    CHECK(unknown.exit_code == 3);
    CHECK(unknown.err.find("context \"thre\" not found") != std::string::npos);
    CHECK(unknown.err.find("did you mean \"there\"") != std::string::npos);
    CHECK(read_topic(second, target).size() == want.size());
}

TEST_CASE("a pipeline that reads headers sees every record's headers") {
    // Pipelines list headers only when an expression reads them; this one does.
    auto settings = settings_for(test::fixture_address("kafka"));
    std::string topic = "it-sink-headers-" + test::random_suffix();
    kafka::Admin(settings).create_topic(topic, 2, 1, {});
    std::set<std::string> want;
    {
        kafka::Producer p(settings);
        for (int i = 0; i < 3000; ++i) {
            std::string src = i % 4 == 0 ? "web" : "app";
            if (src == "web") want.insert("o-" + std::to_string(i));
            p.produce(topic, std::nullopt, "{\"order_id\":\"o-" + std::to_string(i) + "\"}", i % 2, {{"src", src}}, 0);
        }
        p.flush(30'000);
    }
    test::TempDir dir;
    auto out = dir.path() / "web.jsonl";
    auto file = dir.write("headers.yaml", "name: headers\nsources:\n  orders: {topic: " + topic +
                                              "}\nsteps:\n  - filter: headers[\"src\"] == \"web\"\n"
                                              "  - map: {order_id: value.order_id, src: headers.src}\n"
                                              "sinks:\n  - {type: file, path: " + out.string() + "}\n");
    std::map<std::string, std::string> env{{"MESHCTL_CONFIG", (dir.path() / "none.yaml").string()}, {"NO_COLOR", "1"}};
    auto r = test::run_meshctl({"pipeline", "run", file.string(), "-b", settings.bootstrap, "--until", "caught-up"}, env);
    REQUIRE_MESSAGE(r.exit_code == 0, r.err);
    std::ifstream in(out);
    std::set<std::string> got;
    for (std::string line; std::getline(in, line);) {
        auto j = nlohmann::json::parse(line);
        CHECK(j["value"]["src"] == "web");
        got.insert(j["value"]["order_id"].get<std::string>());
    }
    CHECK(got == want);
    kafka::Admin(settings).delete_topics({topic});
}
