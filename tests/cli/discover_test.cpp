#define DOCTEST_CONFIG_IMPLEMENT_WITH_MAIN
// discover, describe and product on the embedded dev broker, whose seed publishes the
// demo descriptors to the catalog.
#include <doctest/doctest.h>

#include "tests/support/run.hpp"

#include <nlohmann/json.hpp>

using meshctl::test::run_meshctl;
using meshctl::test::TempDir;

namespace {

// One playground for the whole file; stopped when the program ends.
struct Playground {
    TempDir dir;
    std::map<std::string, std::string> env;
    bool up = false;
    Playground() {
        env = {{"MESHCTL_CONFIG", (dir.path() / "config.yaml").string()},
               {"MESHCTL_STATE_DIR", (dir.path() / "state").string()},
               {"NO_COLOR", "1"},
               {"COLUMNS", "200"}};
        auto r = run_meshctl({"dev", "up", "--detach"}, env);
        up = r.exit_code == 0;
        if (!up) MESSAGE("dev up failed: " << r.err);
    }
    ~Playground() { run_meshctl({"dev", "down"}, env); }
};

Playground& playground() {
    static Playground p;
    REQUIRE(p.up);
    return p;
}

}  // namespace

TEST_CASE("discover shows the seeded products with their owners and histories") {
    auto& p = playground();
    auto r = run_meshctl({"discover"}, p.env);
    CHECK(r.exit_code == 0);
    INFO(r.out << r.err);
    CHECK(r.out.find("NAME") == 0);
    for (const char* s : {"orders", "customers", "checkout", "crm", "compacted", "partial since", "payments", "topic missing"})
        CHECK_MESSAGE(r.out.find(s) != std::string::npos, s);
    CHECK(r.out.find("_meshctl.catalog") == std::string::npos);  // internal topics stay hidden

    auto internal = run_meshctl({"discover", "--include-internal"}, p.env);
    CHECK(internal.out.find("_meshctl.catalog") != std::string::npos);
}

TEST_CASE("discover -o json is an array with stable fields") {
    auto& p = playground();
    auto r = run_meshctl({"discover", "orders", "-o", "json"}, p.env);
    REQUIRE(r.exit_code == 0);
    auto j = nlohmann::json::parse(r.out);
    REQUIRE(j.is_array());
    REQUIRE_FALSE(j.empty());
    const auto& first = j[0];
    CHECK(first["name"] == "orders");  // the exact name ranks first
    CHECK(first["owner"]["team"] == "checkout");
    CHECK(first["kind"] == "events");
    CHECK(first["partitions"] == 3);
    CHECK(first["history"]["mode"] == "partial");
    CHECK(first["schema_source"] == "inline");
    CHECK(first["records"].get<long long>() >= 3000);
    CHECK(first["rate_per_second"].is_number());
    CHECK(first["context"] == "dev");

    auto y = run_meshctl({"discover", "--field", "customer_id", "-o", "yaml"}, p.env);
    CHECK(y.exit_code == 0);
    CHECK(y.out.find("name: \"orders\"") != std::string::npos);
    CHECK(y.out.find("name: \"shipments\"") != std::string::npos);
    CHECK(y.out.find("name: \"customers\"") == std::string::npos);  // its key is `id`
}

TEST_CASE("a search with no hit exits 3 and suggests the nearest names") {
    auto& p = playground();
    auto r = run_meshctl({"discover", "ordrs"}, p.env);
    CHECK(r.exit_code == 3);
    CHECK(r.out.empty());
    CHECK(r.err.find("no stream matches \"ordrs\"") != std::string::npos);
    CHECK(r.err.find("did you mean \"orders\"") != std::string::npos);
    auto owner = run_meshctl({"discover", "--owner", "chekout"}, p.env);
    CHECK(owner.exit_code == 3);
    CHECK(owner.err.find("\"checkout\"") != std::string::npos);
}

TEST_CASE("describe shows the descriptor, partitions and the history verdict") {
    auto& p = playground();
    auto r = run_meshctl({"describe", "customers"}, p.env);
    CHECK(r.exit_code == 0);
    INFO(r.out << r.err);
    for (const char* s : {"data product of domain crm", "compacted", "PARTITION", "LEADER", "last event", "tier string", "PII: name, email"})
        CHECK_MESSAGE(r.out.find(s) != std::string::npos, s);

    auto j = run_meshctl({"describe", "orders", "-o", "json"}, p.env);
    REQUIRE(j.exit_code == 0);
    auto d = nlohmann::json::parse(j.out);
    CHECK(d["product"]["owner"]["team"] == "checkout");
    CHECK(d["partitions"].size() == 3);
    CHECK(d["partitions"][0]["first_timestamp"].is_string());
    CHECK(d["last_event"].is_string());
    CHECK(d["records"].get<long long>() >= 3000);
    CHECK(d["schema"]["fields"].size() == 7);

    auto missing = run_meshctl({"describe", "payments"}, p.env);  // a product without its topic
    CHECK(missing.exit_code == 0);
    CHECK(missing.out.find("missing") != std::string::npos);
}

TEST_CASE("describe of an unknown stream exits 3 with did-you-mean") {
    auto& p = playground();
    auto r = run_meshctl({"describe", "custmers"}, p.env);
    CHECK(r.exit_code == 3);
    CHECK(r.err.find("did you mean \"customers\"") != std::string::npos);
}

TEST_CASE("product publish, list and retire on the dev catalog; a bad file writes nothing") {
    auto& p = playground();
    TempDir files;
    auto good = files.write("returns.yaml",
                            "name: returns\ndomain: logistics\nowner: {team: fulfilment}\n"
                            "description: Parcels sent back.\nkind: events\ntags: [returns]\n");
    auto bad = files.write("bad.yaml", "name: broken\ndomain: x\nowner: {team: t}\ndescription: d\nkind: events\nowner_email: x\n");

    auto refused = run_meshctl({"product", "publish", good.string(), bad.string()}, p.env);
    CHECK(refused.exit_code == 2);
    CHECK(refused.err.find(bad.string() + ":6:1: unknown key \"owner_email\"") != std::string::npos);
    auto list = run_meshctl({"product", "list"}, p.env);
    CHECK(list.exit_code == 0);
    CHECK(list.out.find("returns") == std::string::npos);

    auto ok = run_meshctl({"product", "publish", good.string()}, p.env);
    CHECK(ok.exit_code == 0);
    CHECK(ok.out.find("published \"returns\"") != std::string::npos);
    auto listed = run_meshctl({"product", "list", "-o", "json"}, p.env);
    auto j = nlohmann::json::parse(listed.out);
    std::vector<std::string> names;
    for (const auto& e : j) names.push_back(e["name"]);
    CHECK(names == std::vector<std::string>{"customers", "orders", "payments", "returns", "shipments"});

    CHECK(run_meshctl({"product", "retire", "returns"}, p.env).exit_code == 0);
    CHECK(run_meshctl({"product", "list"}, p.env).out.find("returns") == std::string::npos);
    auto again = run_meshctl({"product", "retire", "returns"}, p.env);
    CHECK(again.exit_code == 3);
}
