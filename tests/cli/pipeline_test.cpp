#define DOCTEST_CONFIG_IMPLEMENT_WITH_MAIN
// pipeline validate/explain/preview/run of the seed example on the embedded dev broker.
#include <doctest/doctest.h>

#include "tests/support/run.hpp"

#include <nlohmann/json.hpp>

#include <fstream>

using meshctl::test::run_meshctl;
using meshctl::test::TempDir;

namespace {

const std::string seed = std::string(MESHCTL_SOURCE_DIR) + "/examples/pipelines/platinum-orders.yaml";

struct Playground {
    TempDir dir;
    std::map<std::string, std::string> env;
    bool up = false;
    Playground() {
        env = {{"MESHCTL_CONFIG", (dir.path() / "config.yaml").string()},
               {"MESHCTL_STATE_DIR", (dir.path() / "state").string()},
               {"NO_COLOR", "1"}};
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

// The seed pipeline with its relative sink paths moved into a temp folder.
std::string seed_in(const TempDir& dir) {
    std::ifstream in(seed);
    std::string text((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
    for (const char* f : {"platinum.db", "platinum.jsonl"}) {
        auto pos = text.find(std::string("path: ") + f);
        REQUIRE(pos != std::string::npos);
        text.replace(pos + 6, std::string(f).size(), (dir.path() / f).string());
    }
    return dir.write("platinum-orders.yaml", text).string();
}

}  // namespace

TEST_CASE("validate accepts the examples without any network and rejects bad files with line:column") {
    std::map<std::string, std::string> env = {{"MESHCTL_BOOTSTRAP", "127.0.0.1:1"}, {"NO_COLOR", "1"}};
    auto ok = run_meshctl({"pipeline", "validate", seed}, env);
    CHECK(ok.exit_code == 0);
    CHECK(ok.out.find("is valid") != std::string::npos);
    auto other = run_meshctl({"pipeline", "validate", std::string(MESHCTL_SOURCE_DIR) + "/examples/pipelines/large-eur-orders.yaml"}, env);
    CHECK_MESSAGE(other.exit_code == 0, other.err);
    TempDir dir;
    auto bad = dir.write("bad.yaml", "name: x\nsources:\n  orders: {topic: orders}\nsteps:\n  - filter: value.amount >\nsinks:\n  - {type: stdout}\n");
    auto r = run_meshctl({"pipeline", "validate", bad.string()}, env);
    CHECK(r.exit_code == 2);
    CHECK(r.err.find("bad.yaml:5:") != std::string::npos);
    CHECK(r.out.empty());
}

TEST_CASE("explain, preview and run --until caught-up on the dev broker") {
    auto& p = playground();
    TempDir work;
    auto file = seed_in(work);
    auto explain = run_meshctl({"pipeline", "explain", file}, p.env);
    REQUIRE_MESSAGE(explain.exit_code == 0, explain.err);
    for (const char* s : {"customers: table", "whole", "value.customer_id", "at least once", "parallelism", "backlog",
                          "keeps only the fields name, tier of its rows", "evaluated once per table row, when it is stored"})
        CHECK_MESSAGE(explain.out.find(s) != std::string::npos, s);
    auto ej = run_meshctl({"pipeline", "explain", file, "-o", "json"}, p.env);
    REQUIRE(ej.exit_code == 0);
    CHECK(nlohmann::json::parse(ej.out)["tables"][0]["partitioned"] == false);
    CHECK(nlohmann::json::parse(ej.out)["tables"][0]["row_fields"] == nlohmann::json{"name", "tier"});

    auto preview = run_meshctl({"pipeline", "preview", file, "-n", "200", "-o", "json"}, p.env);
    REQUIRE_MESSAGE(preview.exit_code == 0, preview.err);
    auto pj = nlohmann::json::parse(preview.out);
    CHECK(pj["events"]["processed"] == 200);
    REQUIRE(pj["records"].size() > 0);
    for (const auto& r : pj["records"]) CHECK(r["value"]["tier"] == "PLATINUM");
    CHECK(!std::filesystem::exists(work.path() / "platinum.jsonl"));  // preview writes nothing

    auto run = run_meshctl({"pipeline", "run", file, "--until", "caught-up", "-o", "json"}, p.env);
    REQUIRE_MESSAGE(run.exit_code == 0, run.err);
    auto rj = nlohmann::json::parse(run.out);
    CHECK(rj["stopped"] == "caught_up");
    CHECK(rj["read"]["customers"] == 226);
    std::uint64_t written = rj["written"][1]["written"];
    CHECK(written > 0);
    std::ifstream lines(work.path() / "platinum.jsonl");
    std::uint64_t n = 0;
    for (std::string l; std::getline(lines, l);) ++n;
    CHECK(n == written);
}
