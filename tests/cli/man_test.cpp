// The man pages the build generated: one for every command group, naming every command
// and long flag of the CLI, and valid roff.
#define DOCTEST_CONFIG_IMPLEMENT_WITH_MAIN
#include <doctest/doctest.h>

#include "tests/support/run.hpp"

#include <nlohmann/json.hpp>

#include <cctype>
#include <filesystem>
#include <fstream>
#include <functional>
#include <sstream>

#ifndef MESHCTL_MAN_DIR
#define MESHCTL_MAN_DIR ""  // configured with -DMESHCTL_MAN=OFF: the tests below fail
#endif

namespace fs = std::filesystem;
using meshctl::test::run_meshctl;
using meshctl::test::run_program;

namespace {

struct Command {
    std::vector<std::string> path;  // {"backfill", "reset"}
    nlohmann::json node;
};

std::vector<Command> commands() {
    auto tree = run_meshctl({"__tree"});
    REQUIRE(tree.exit_code == 0);
    std::vector<Command> out;
    std::function<void(const nlohmann::json&, std::vector<std::string>)> walk = [&](const nlohmann::json& n, std::vector<std::string> path) {
        out.push_back({path, n});
        for (const auto& c : n["commands"]) {
            auto sub = path;
            sub.push_back(c["name"]);
            walk(c, sub);
        }
    };
    walk(nlohmann::json::parse(tree.out), {});
    return out;
}

std::string joined(const std::vector<std::string>& words) {
    std::string out;
    for (const auto& w : words) out += (out.empty() ? "" : " ") + w;
    return out;
}

fs::path page_of(const Command& c) {
    return fs::path(MESHCTL_MAN_DIR) / "man1" / (c.path.empty() ? "meshctl.1" : "meshctl-" + c.path.front() + ".1");
}

// The page as a reader sees it: ASCII, no emphasis, lines too wide to break inside a word.
std::string rendered(const fs::path& page) {
    auto r = run_program({"groff", "-k", "-man", "-Tascii", "-rLL=500n", "-P-cbou", page.string()});
    REQUIRE_MESSAGE(r.exit_code == 0, "groff failed on " << page << ": " << r.err);
    return r.out;
}

// `word` occurs on its own, not as part of a longer name (--to is not --topic).
bool mentions(const std::string& text, const std::string& word) {
    auto part_of_name = [](char c) { return std::isalnum(static_cast<unsigned char>(c)) || c == '-' || c == '_'; };
    for (size_t at = text.find(word); at != std::string::npos; at = text.find(word, at + 1)) {
        bool starts = at == 0 || !part_of_name(text[at - 1]);
        bool ends = at + word.size() == text.size() || !part_of_name(text[at + word.size()]);
        if (starts && ends) return true;
    }
    return false;
}

}  // namespace

TEST_CASE("every command has a man page naming its commands and long flags") {
    REQUIRE_MESSAGE(fs::is_directory(fs::path(MESHCTL_MAN_DIR) / "man1"), "no man pages were generated in " << MESHCTL_MAN_DIR);
    auto all = commands();
    REQUIRE(all.size() > 10);
    std::map<fs::path, std::string> pages;
    for (const auto& c : all) {
        INFO("command: meshctl " << joined(c.path));
        auto page = page_of(c);
        INFO("page: " << page);
        REQUIRE_MESSAGE(fs::exists(page), "no man page for meshctl " << joined(c.path));
        if (!pages.count(page)) pages[page] = rendered(page);
        const std::string& text = pages[page];
        if (c.node["commands"].empty() && !c.path.empty()) CHECK(mentions(text, "meshctl " + joined(c.path)));
        for (const auto& sub : c.node["commands"]) CHECK_MESSAGE(mentions(text, sub["name"]), "command " << sub["name"]);
        for (const auto& o : c.node["options"])
            for (const auto& name : o["names"])
                if (name.get<std::string>().rfind("--", 0) == 0) CHECK_MESSAGE(mentions(text, name), "flag " << name);
    }
}

TEST_CASE("the man pages are valid roff, with the formats and sinks in sections 5 and 7") {
    for (const char* required : {"man1/meshctl.1", "man5/meshctl-pipeline.5", "man5/meshctl-product.5", "man7/meshctl-sinks.7"})
        CHECK_MESSAGE(fs::exists(fs::path(MESHCTL_MAN_DIR) / required), required);
    size_t count = 0;
    for (const char* section : {"man1", "man5", "man7"}) {
        if (!fs::is_directory(fs::path(MESHCTL_MAN_DIR) / section)) continue;
        for (const auto& e : fs::directory_iterator(fs::path(MESHCTL_MAN_DIR) / section)) {
            INFO("page: " << e.path());
            ++count;
            std::ifstream in(e.path());
            std::stringstream roff;
            roff << in.rdbuf();
            CHECK(roff.str().find("\n.TH \"") != std::string::npos);
            CHECK(roff.str().find("\n.SH NAME\n") != std::string::npos);
            // -k: preconv, as man(1) does; -ww: every warning groff knows; -z: check only.
            auto check = run_program({"groff", "-k", "-man", "-ww", "-z", e.path().string()});
            CHECK(check.exit_code == 0);
            CHECK(check.err == "");
        }
    }
    CHECK(count >= 14);
}

TEST_CASE("the prose in man/ documents only commands and flags that exist") {
    meshctl::test::TempDir dir;
    auto r = run_meshctl({"__man", std::string(MESHCTL_SOURCE_DIR) + "/man", dir.path().string()});
    CHECK(r.exit_code == 0);
    CHECK(r.err == "");
    CHECK(fs::exists(dir.path() / "meshctl.1.scd"));
    CHECK(fs::exists(dir.path() / "meshctl-backfill.1.scd"));
}
