#define DOCTEST_CONFIG_IMPLEMENT_WITH_MAIN
#include <doctest/doctest.h>

#include "tests/support/run.hpp"

#include <nlohmann/json.hpp>

using meshctl::test::run_meshctl;
using meshctl::test::TempDir;

namespace {
std::map<std::string, std::string> isolated(const TempDir& dir) {
    return {{"MESHCTL_CONFIG", (dir.path() / "config.yaml").string()},
            {"MESHCTL_STATE_DIR", (dir.path() / "state").string()},
            {"NO_COLOR", "1"}};
}
}  // namespace

TEST_CASE("version prints meshctl's and librdkafka's versions, as text and json") {
    auto r = run_meshctl({"version"});
    CHECK(r.exit_code == 0);
    CHECK(r.out.find("meshctl ") == 0);
    CHECK(r.out.find("librdkafka 2.") != std::string::npos);
    auto j = run_meshctl({"version", "-o", "json"});
    CHECK(j.exit_code == 0);
    auto parsed = nlohmann::json::parse(j.out);
    CHECK(parsed.contains("meshctl"));
    CHECK(parsed["librdkafka"].get<std::string>().rfind("2.", 0) == 0);
}

TEST_CASE("--help lists the command groups and exits 0") {
    auto r = run_meshctl({"--help"});
    CHECK(r.exit_code == 0);
    CHECK(r.out.find("dev") != std::string::npos);
    CHECK(r.out.find("config") != std::string::npos);
    CHECK(run_meshctl({"dev", "--help"}).exit_code == 0);
}

TEST_CASE("an unknown flag exits 2 with a usage hint") {
    auto r = run_meshctl({"version", "--frobnicate"});
    CHECK(r.exit_code == 2);
    CHECK(r.err.find("--frobnicate") != std::string::npos);
    CHECK(r.err.find("--help") != std::string::npos);
    CHECK(r.out.empty());
}

TEST_CASE("a mistyped command exits 2 and suggests the nearest one") {
    auto r = run_meshctl({"confg", "view"});
    CHECK(r.exit_code == 2);
    CHECK(r.err.find("unknown command \"confg\"") != std::string::npos);
    CHECK(r.err.find("did you mean \"config\"") != std::string::npos);
    auto none = run_meshctl({});
    CHECK(none.exit_code == 2);
    CHECK(none.err.find("needs a command") != std::string::npos);
}

TEST_CASE("a malformed config file exits 2 naming file:line:column") {
    TempDir dir;
    auto path = dir.write("config.yaml", "current-context: a\ncontexts:\n  a: {bootstrap: [x\n");
    auto r = run_meshctl({"config", "get-contexts"}, {{"MESHCTL_CONFIG", path.string()}});
    CHECK(r.exit_code == 2);
    CHECK(r.err.find(path.string() + ":") != std::string::npos);
    CHECK(r.err.find("malformed YAML") != std::string::npos);
}

TEST_CASE("contexts: set, list, use, view") {
    TempDir dir;
    auto env = isolated(dir);
    env["KAFKA_PW"] = "s3cr3t-password-value";
    auto set = run_meshctl({"config", "set-context", "prod", "--bootstrap", "k1:9092", "--property",
                            "sasl.password=${env:KAFKA_PW}"},
                           env);
    CHECK(set.exit_code == 0);
    CHECK(run_meshctl({"config", "set-context", "stage", "--bootstrap", "k2:9092"}, env).exit_code == 0);
    auto list = run_meshctl({"config", "get-contexts"}, env);
    CHECK(list.out.find("prod") != std::string::npos);
    CHECK(list.out.find("stage") != std::string::npos);
    CHECK(run_meshctl({"config", "use-context", "stage"}, env).exit_code == 0);
    auto j = nlohmann::json::parse(run_meshctl({"config", "get-contexts", "-o", "json"}, env).out);
    for (const auto& c : j) CHECK(c["current"].get<bool>() == (c["name"] == "stage"));
    auto missing = run_meshctl({"config", "use-context", "prdo"}, env);
    CHECK(missing.exit_code == 3);
    CHECK(missing.err.find("did you mean \"prod\"") != std::string::npos);
    auto literal = run_meshctl({"config", "set-context", "prod", "--property", "sasl.password=plain-text-pw"}, env);
    CHECK(literal.exit_code == 2);
    CHECK(literal.err.find("plain-text-pw") == std::string::npos);
    auto view = run_meshctl({"config", "view", "-vvv"}, env);
    CHECK(view.exit_code == 0);
    CHECK(view.out.find("***") != std::string::npos);
}

TEST_CASE("no secret reaches the output at any verbosity, even in librdkafka's debug logs") {
    TempDir dir;
    auto env = isolated(dir);
    env["KAFKA_PW"] = "never-print-this-pw";
    CHECK(run_meshctl({"config", "set-context", "sec", "--bootstrap", "127.0.0.1:1", "--property", "security.protocol=SASL_PLAINTEXT",
                       "--property", "sasl.mechanisms=PLAIN", "--property", "sasl.username=u", "--property",
                       "sasl.password=${env:KAFKA_PW}", "--current"},
                      env)
              .exit_code == 0);
    for (const char* v : {"-v", "-vv", "-vvv"}) {
        auto r = run_meshctl({"dev", "status", v, "-X", "debug=all", "--timeout", "2s"}, env);
        CHECK(r.out.find("never-print-this-pw") == std::string::npos);
        CHECK(r.err.find("never-print-this-pw") == std::string::npos);
    }
    auto view = run_meshctl({"config", "view"}, env);
    CHECK(view.out.find("never-print-this-pw") == std::string::npos);
}

TEST_CASE("dev up --detach, status and down") {
    TempDir dir;
    auto env = isolated(dir);
    auto up = run_meshctl({"dev", "up", "--detach", "-o", "json"}, env);
    REQUIRE_MESSAGE(up.exit_code == 0, up.err);
    auto j = nlohmann::json::parse(up.out);
    std::string bootstrap = j["bootstrap"];
    CHECK(bootstrap.find("127.0.0.1:") == 0);
    CHECK(j["seeded"]["orders"].get<int>() == 3000);
    CHECK(j["seeded"]["customers"].get<int>() > 200);

    auto again = run_meshctl({"dev", "up", "--detach"}, env);
    CHECK(again.exit_code == 2);
    CHECK(again.err.find("already runs") != std::string::npos);

    auto status = run_meshctl({"dev", "status", "-o", "json"}, env);
    CHECK(status.exit_code == 0);
    auto s = nlohmann::json::parse(status.out);
    CHECK(s["running"] == true);
    bool has_orders = false;
    for (const auto& t : s["topics"]) has_orders |= t["name"] == "orders" && t["partitions"] == 3;
    CHECK(has_orders);

    auto ctx = nlohmann::json::parse(run_meshctl({"config", "get-contexts", "-o", "json"}, env).out);
    REQUIRE(ctx.size() == 1);
    CHECK(ctx[0]["name"] == "dev");
    CHECK(ctx[0]["bootstrap"] == bootstrap);
    CHECK(ctx[0]["current"] == true);

    auto down = run_meshctl({"dev", "down"}, env);
    CHECK(down.exit_code == 0);
    CHECK(down.out.find("stopped") != std::string::npos);
    CHECK(run_meshctl({"dev", "status"}, env).exit_code == 3);
    CHECK(run_meshctl({"dev", "down"}, env).exit_code == 0);
}

TEST_CASE("dev up --port listens on the chosen port") {
    TempDir dir;
    auto env = isolated(dir);
    auto up = run_meshctl({"dev", "up", "--detach", "--port", "39391", "--no-seed", "-o", "json"}, env);
    REQUIRE_MESSAGE(up.exit_code == 0, up.err);
    CHECK(nlohmann::json::parse(up.out)["bootstrap"] == "127.0.0.1:39391");
    auto r = meshctl::test::run_program({"kcat", "-b", "127.0.0.1:39391", "-L", "-m", "5"});
    CHECK(r.exit_code == 0);
    CHECK(r.out.find("orders") != std::string::npos);
    run_meshctl({"dev", "down"}, env);
}
