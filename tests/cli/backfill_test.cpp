// backfill's command line: bad input is refused before anything touches a broker.
#define DOCTEST_CONFIG_IMPLEMENT_WITH_MAIN
#include "tests/support/run.hpp"

#include <doctest/doctest.h>

using meshctl::test::run_meshctl;

namespace {
// Nothing listens here: any test that reached the network would fail with exit 1.
const std::map<std::string, std::string> offline = {{"MESHCTL_BOOTSTRAP", "127.0.0.1:1"}, {"MESHCTL_CONFIG", "/nonexistent/config.yaml"}};

meshctl::test::RunResult run(const std::vector<std::string>& args) {
    auto a = args;
    a.insert(a.end(), {"--timeout", "2s"});
    return run_meshctl(a, offline, {}, 60);
}
}  // namespace

TEST_CASE("backfill without a command lists its commands") {
    auto r = run({"backfill"});
    CHECK(r.exit_code == 2);
    CHECK(r.err.find("reset") != std::string::npos);
    CHECK(r.err.find("replay") != std::string::npos);
}

TEST_CASE("a malformed --to is a usage error that lists the accepted forms") {
    for (const char* to : {"yesterday", "shift:5", "offset:-3", "2024-02-30T25:61:00Z", "12"}) {
        CAPTURE(to);
        auto r = run({"backfill", "reset", "g", "--topic", "orders", "--to", to});
        CHECK(r.exit_code == 2);
        CHECK(r.err.find("is not a reset target") != std::string::npos);
        CHECK(r.err.find("ISO-8601") != std::string::npos);
        CHECK(r.out.empty());
    }
}

TEST_CASE("reset needs topics and a target") {
    CHECK(run({"backfill", "reset", "g", "--to", "earliest"}).exit_code == 2);
    CHECK(run({"backfill", "reset", "g", "--topic", "orders"}).exit_code == 2);
    auto r = run({"backfill", "reset", "g", "--topic", "orders:one", "--to", "earliest"});
    CHECK(r.exit_code == 2);
    CHECK(r.err.find("TOPIC:0,1,2") != std::string::npos);
}

TEST_CASE("undo reports unreadable and malformed files precisely") {
    meshctl::test::TempDir dir;
    auto missing = run({"backfill", "undo", (dir.path() / "nope.json").string()});
    CHECK(missing.exit_code == 1);
    CHECK(missing.err.find("nope.json") != std::string::npos);
    auto bad = dir.write("bad.csv", "orders,0,10\norders,0\n");
    auto r = run({"backfill", "undo", bad.string(), "--group", "g"});
    CHECK(r.exit_code == 2);
    CHECK(r.err.find("bad.csv:2:") != std::string::npos);
    auto nogroup = dir.write("plain.csv", "orders,0,10\n");
    r = run({"backfill", "undo", nogroup.string()});
    CHECK(r.exit_code == 2);
    CHECK(r.err.find("--group") != std::string::npos);
}

TEST_CASE("status --watch needs an interval; a bad interval is a usage error") {
    CHECK(run({"backfill", "status", "g", "--watch", "--interval", "0"}).exit_code == 2);
    auto r = run({"backfill", "status", "g", "--interval", "soon"});
    CHECK(r.exit_code == 2);
    CHECK(r.err.find("--interval") != std::string::npos);
}

TEST_CASE("replay refuses bad positions, expressions and checkpoint choices before connecting") {
    auto r = run({"backfill", "replay", "orders", "--into", "-", "--from", "last tuesday"});
    CHECK(r.exit_code == 2);
    CHECK(r.err.find("--from") != std::string::npos);
    r = run({"backfill", "replay", "orders", "--into", "-", "--until", "offset:x"});
    CHECK(r.exit_code == 2);
    r = run({"backfill", "replay", "orders", "--into", "-", "--where", "value.amount >"});
    CHECK(r.exit_code == 2);
    r = run({"backfill", "replay", "orders", "--into", "-", "--group", "g", "--checkpoint", "/tmp/x.ckpt"});
    CHECK(r.exit_code == 2);
    CHECK(run({"backfill", "replay", "orders"}).exit_code == 2);  // --into is required
}

TEST_CASE("help shows examples and exit codes") {
    auto r = run_meshctl({"backfill", "replay", "--help"});
    CHECK(r.exit_code == 0);
    CHECK(r.out.find("130/143") != std::string::npos);
    r = run_meshctl({"backfill", "reset", "--help"});
    CHECK(r.out.find("--allow-new-group") != std::string::npos);
}
