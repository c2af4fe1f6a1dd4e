#define DOCTEST_CONFIG_IMPLEMENT_WITH_MAIN
// The catalog topic on a real broker: publish, list, retire, updates, invalid records.
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

struct Cluster {
    test::TempDir dir;
    std::string catalog = "_meshctl.catalog.it-" + test::random_suffix();
    std::map<std::string, std::string> env;
    kafka::ClientSettings settings;
    Cluster() {
        settings.bootstrap = test::fixture_address("kafka");
        settings.timeout = std::chrono::seconds(20);
        auto cfg = dir.write("config.yaml", "current-context: it\ncontexts:\n  it:\n    bootstrap: " + settings.bootstrap +
                                                "\n    catalog-topic: " + catalog + "\n");
        env = {{"MESHCTL_CONFIG", cfg.string()}, {"NO_COLOR", "1"}, {"COLUMNS", "200"}};
    }
    ~Cluster() {
        try {
            kafka::Admin(settings).delete_topics({catalog});
        } catch (...) {
        }
    }
    std::vector<std::string> names() const {
        auto r = run_meshctl({"product", "list", "-o", "json"}, env);
        REQUIRE(r.exit_code == 0);
        std::vector<std::string> out;
        for (const auto& e : nlohmann::json::parse(r.out)) out.push_back(e["name"]);
        return out;
    }
    std::int64_t catalog_end() {
        kafka::Admin admin(settings);
        std::int64_t n = 0;
        auto md = admin.metadata();
        const kafka::TopicInfo* t = md.find(catalog);
        if (!t) return 0;
        std::vector<kafka::TopicPartition> tps;
        for (const auto& p : t->partitions) tps.push_back({catalog, p.id});
        // A topic created a moment ago may not have its leaders in this client's metadata yet.
        for (int attempt = 0;; ++attempt) {
            try {
                for (const auto& [tp, m] : admin.watermarks(tps)) n += m.high;
                return n;
            } catch (const Error&) {
                if (attempt == 20) throw;
                std::this_thread::sleep_for(std::chrono::milliseconds(250));
            }
        }
    }
};

const std::string examples = std::string(MESHCTL_SOURCE_DIR) + "/examples/products/";

}  // namespace

TEST_CASE("publish creates a compacted catalog topic; list and retire round-trip") {
    Cluster c;
    auto r = run_meshctl({"product", "publish", examples + "orders.yaml", examples + "customers.yaml", examples + "payments.yaml",
                          examples + "shipments.yaml"},
                         c.env);
    REQUIRE(r.exit_code == 0);
    CHECK(r.err.find("catalog topic \"" + c.catalog + "\" does not exist") != std::string::npos);
    CHECK(r.err.find("cleanup.policy=compact") != std::string::npos);
    auto config = kafka::Admin(c.settings).topic_config(c.catalog);
    CHECK(config.at("cleanup.policy").value == "compact");
    CHECK(c.names() == std::vector<std::string>{"customers", "orders", "payments", "shipments"});

    auto retired = run_meshctl({"product", "retire", "shipments"}, c.env);
    CHECK(retired.exit_code == 0);
    CHECK(c.names() == std::vector<std::string>{"customers", "orders", "payments"});

    // An update replaces the entry: last value per key wins.
    test::TempDir d;
    auto v2 = d.write("orders.yaml", "name: orders\ndomain: sales\nowner: {team: new-owners}\ndescription: v2\nkind: events\n");
    CHECK(run_meshctl({"product", "publish", v2.string()}, c.env).exit_code == 0);
    auto list = nlohmann::json::parse(run_meshctl({"product", "list", "-o", "json"}, c.env).out);
    REQUIRE(list.size() == 3);
    CHECK(list[1]["owner"]["team"] == "new-owners");
    CHECK(list[1]["published_at"].get<std::string>().size() == 24);

    auto again = run_meshctl({"product", "publish", examples + "orders.yaml"}, c.env);
    CHECK(again.err.find("does not exist") == std::string::npos);  // no warning once the topic is there
    auto unknown = run_meshctl({"product", "retire", "shipmnts"}, c.env);
    CHECK(unknown.exit_code == 3);
    CHECK(unknown.err.find("not in the catalog") != std::string::npos);
}

TEST_CASE("an invalid descriptor exits 2 with file:line:column and writes nothing") {
    Cluster c;
    REQUIRE(run_meshctl({"product", "publish", examples + "orders.yaml"}, c.env).exit_code == 0);
    std::int64_t before = c.catalog_end();
    test::TempDir d;
    auto bad = d.write("bad.yaml", "name: x\ndomain: d\nowner: {team: t}\ndescription: d\nkind: events\nhistory: forever\n");
    auto r = run_meshctl({"product", "publish", examples + "customers.yaml", bad.string()}, c.env);
    CHECK(r.exit_code == 2);
    CHECK(r.err.find(bad.string() + ":6:10: \"history\" must be full, compacted or window") != std::string::npos);
    CHECK(c.catalog_end() == before);
    CHECK(c.names() == std::vector<std::string>{"orders"});
}

TEST_CASE("invalid catalog records are skipped with a warning naming partition and offset") {
    Cluster c;
    REQUIRE(run_meshctl({"product", "publish", examples + "orders.yaml", examples + "customers.yaml"}, c.env).exit_code == 0);
    {
        kafka::Producer p(c.settings);
        p.produce(c.catalog, std::string_view("junk"), std::string_view("not json at all"), 0);
        p.produce(c.catalog, std::string_view("future"), std::string_view(R"({"format_version":99,"descriptor":{}})"), 0);
        p.flush(20000);
    }
    auto r = run_meshctl({"product", "list"}, c.env);
    CHECK(r.exit_code == 0);
    CHECK(r.out.find("orders") != std::string::npos);
    CHECK(r.out.find("customers") != std::string::npos);
    CHECK(r.err.find("skipping catalog record " + c.catalog + "[0]@2: value is not JSON") != std::string::npos);
    CHECK(r.err.find("[0]@3: unknown format_version 99") != std::string::npos);

    auto d = run_meshctl({"discover", "customers"}, c.env);
    CHECK(d.exit_code == 0);
    CHECK(d.out.find("crm") != std::string::npos);
}
