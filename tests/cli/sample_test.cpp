#define DOCTEST_CONFIG_IMPLEMENT_WITH_MAIN
#include <doctest/doctest.h>

#include "tests/support/run.hpp"

using meshctl::test::run_meshctl;

TEST_CASE("sample resolves a data product name to its topic through the catalog") {
    meshctl::test::TempDir dir;
    std::map<std::string, std::string> env = {{"MESHCTL_CONFIG", (dir.path() / "config.yaml").string()},
                                              {"MESHCTL_STATE_DIR", (dir.path() / "state").string()}};
    REQUIRE(run_meshctl({"dev", "up", "--detach"}, env).exit_code == 0);
    auto file = dir.write("alias.yaml", "name: big-orders\ndomain: sales\nowner: {team: checkout, contact: \"#checkout\"}\n"
                                        "description: Orders under another name\ntopic: orders\nkind: events\n"
                                        "key: customer_id\nhistory: full\n");
    auto pub = run_meshctl({"product", "publish", file.string()}, env);
    CHECK_MESSAGE(pub.exit_code == 0, pub.err);
    auto r = run_meshctl({"sample", "big-orders", "-n", "2", "-f", "%t %p %o"}, env);
    CHECK_MESSAGE(r.exit_code == 0, r.err);
    CHECK(r.out == "orders 0 0\norders 0 1\n");
    auto missing = run_meshctl({"sample", "no-such-product", "-n", "1"}, env);
    CHECK(missing.exit_code == 3);
    run_meshctl({"dev", "down"}, env);
}
