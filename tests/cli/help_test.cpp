// Every command's --help ends with realistic examples.
#define DOCTEST_CONFIG_IMPLEMENT_WITH_MAIN
#include <doctest/doctest.h>

#include "tests/support/run.hpp"

#include <nlohmann/json.hpp>

#include <functional>

using meshctl::test::run_meshctl;

TEST_CASE("every command's --help exits 0 and shows examples") {
    auto tree = run_meshctl({"__tree"});
    REQUIRE(tree.exit_code == 0);
    std::vector<std::vector<std::string>> leaves;
    std::function<void(const nlohmann::json&, std::vector<std::string>)> walk = [&](const nlohmann::json& n, std::vector<std::string> path) {
        if (n["commands"].empty() && !path.empty()) leaves.push_back(path);
        for (const auto& c : n["commands"]) {
            auto sub = path;
            sub.push_back(c["name"]);
            walk(c, sub);
        }
    };
    walk(nlohmann::json::parse(tree.out), {});
    REQUIRE(leaves.size() > 10);
    for (auto args : leaves) {
        std::string path;
        for (const auto& a : args) path += " " + a;
        INFO("meshctl" << path << " --help");
        args.push_back("--help");
        auto r = run_meshctl(args);
        CHECK(r.exit_code == 0);
        auto examples = r.out.find("Examples:\n");
        REQUIRE(examples != std::string::npos);
        CHECK_MESSAGE(r.out.find("meshctl" + path, examples) != std::string::npos, "no example runs meshctl" << path);
    }
}
