#define DOCTEST_CONFIG_IMPLEMENT_WITH_MAIN
#include <doctest/doctest.h>

#include "tests/support/run.hpp"

#include <nlohmann/json.hpp>

#include <functional>

using meshctl::test::run_meshctl;

namespace {

struct Entry {
    std::string path;  // "dev up"
    std::string command;
    std::vector<std::string> long_flags;
};

std::vector<Entry> entries(const nlohmann::json& tree) {
    std::vector<Entry> out;
    std::function<void(const nlohmann::json&, const std::string&)> walk = [&](const nlohmann::json& n, const std::string& path) {
        Entry e{path, n["name"], {}};
        for (const auto& o : n["options"])
            for (const auto& name : o["names"])
                if (name.get<std::string>().rfind("--", 0) == 0) e.long_flags.push_back(name);
        out.push_back(e);
        for (const auto& c : n["commands"]) walk(c, path.empty() ? c["name"].get<std::string>() : path + " " + c["name"].get<std::string>());
    };
    walk(tree, "");
    return out;
}

}  // namespace

TEST_CASE("every command and flag of the CLI appears in the bash, zsh and fish completions") {
    auto tree_run = run_meshctl({"__tree"});
    REQUIRE(tree_run.exit_code == 0);
    auto all = entries(nlohmann::json::parse(tree_run.out));
    REQUIRE(all.size() > 5);
    auto bash = run_meshctl({"completion", "bash"});
    auto zsh = run_meshctl({"completion", "zsh"});
    auto fish = run_meshctl({"completion", "fish"});
    REQUIRE(bash.exit_code == 0);
    REQUIRE(zsh.exit_code == 0);
    REQUIRE(fish.exit_code == 0);
    CHECK(meshctl::test::run_program({"bash", "-n", "-c", bash.out}).exit_code == 0);
    for (const auto& e : all) {
        INFO("command: meshctl " << e.path);
        CHECK(bash.out.find("\"" + e.path + "\")") != std::string::npos);
        CHECK(zsh.out.find("\"" + e.path + "\")") != std::string::npos);
        if (!e.path.empty()) CHECK(fish.out.find("-a '" + e.command + "'") != std::string::npos);
        for (const auto& flag : e.long_flags) {
            INFO("flag: " << flag);
            CHECK(bash.out.find(flag) != std::string::npos);
            CHECK(fish.out.find("-l " + flag.substr(2)) != std::string::npos);
        }
    }
}

TEST_CASE("bash completion completes commands, and contexts from the config file") {
    meshctl::test::TempDir dir;
    std::map<std::string, std::string> env = {{"MESHCTL_CONFIG", (dir.path() / "config.yaml").string()}};
    REQUIRE(run_meshctl({"config", "set-context", "staging-eu", "--bootstrap", "h:1"}, env).exit_code == 0);
    auto script = dir.write("c.bash", run_meshctl({"completion", "bash"}).out);
    std::string bin_dir = std::filesystem::path(MESHCTL_BIN).parent_path().string();
    auto complete = [&](const std::string& line) {
        std::string cmd = "export PATH=" + bin_dir + ":$PATH; source " + script.string() +
                          "; COMP_WORDS=(" + line + "); COMP_CWORD=$((${#COMP_WORDS[@]}-1)); _meshctl; printf '%s\\n' \"${COMPREPLY[@]}\"";
        return meshctl::test::run_program({"bash", "-c", cmd}, env).out;
    };
    auto top = complete("meshctl ''");
    CHECK(top.find("dev\n") != std::string::npos);
    CHECK(top.find("sample\n") != std::string::npos);
    CHECK(complete("meshctl dev ''").find("up\n") != std::string::npos);
    CHECK(complete("meshctl --context ''").find("staging-eu") != std::string::npos);
    CHECK(complete("meshctl sample orders -o ''").find("jsonl") != std::string::npos);
}
