#define DOCTEST_CONFIG_IMPLEMENT_WITH_MAIN
#include <doctest/doctest.h>

#include "core/manpage/manpage.hpp"

using namespace meshctl;

namespace {

completion::CommandNode tree() {
    completion::CommandNode root{"meshctl", "meshctl: the mesh", "", {}, {}, {}};
    root.options.push_back({{"-o", "--output"}, "Output format", completion::ValueKind::choice, {"text", "json"}, "text|json"});
    completion::CommandNode group{"backfill", "Backfills", "Read the docs.", {}, {}, {}};
    completion::CommandNode reset{"reset", "Plan a reset", "Examples:\n  meshctl backfill reset g --to 1h", {}, {}, {}};
    reset.positionals.push_back({"GROUP", "Consumer group", completion::ValueKind::group, true});
    reset.options.push_back({{"--to"}, "Target", completion::ValueKind::text, {}, "TARGET", true});
    reset.options.push_back({{"--execute"}, "Commit *now*", completion::ValueKind::none});
    completion::CommandNode undo{"undo", "Undo it", "Read the docs.", {}, {}, {}};
    undo.options.push_back({{"--execute"}, "Commit *now*", completion::ValueKind::none});
    group.children = {reset, undo};
    root.children = {group};
    return root;
}

}  // namespace

TEST_CASE("prose splits into sections, and definition lists into entries keyed by command or flags") {
    auto prose = manpage::parse_prose("x(1)\n\n# DESCRIPTION\n\nText.\n\n```\n# not a heading\n```\n\n# OPTIONS\n\nLead.\n\n"
                                      "*--from*, *--until* _POS_\n\tWhere.\n\n*-n* _N_\n\tHow many.\n");
    REQUIRE(prose.sections.size() == 2);
    CHECK(prose.find("DESCRIPTION")->body == "Text.\n\n```\n# not a heading\n```");
    std::string lead;
    auto entries = manpage::parse_entries(prose.find("OPTIONS")->body, &lead);
    CHECK(lead == "Lead.");
    REQUIRE(entries.size() == 2);
    CHECK(manpage::entry_flags(entries[0]) == std::vector<std::string>{"--from", "--until"});
    CHECK(entries[0].body == "\tWhere.");
    CHECK(manpage::entry_flags(entries[1]) == std::vector<std::string>{"-n"});
    CHECK(manpage::entry_command({"*subject list* _S_", ""}) == "subject list");
    CHECK(manpage::escape("a_b*c") == "a\\_b\\*c");
}

TEST_CASE("a group page is generated from the tree: synopsis, commands, each option once, examples") {
    auto g = manpage::generate(tree(), {{}, {}, "1.0"});
    REQUIRE(g.pages.size() == 2);
    CHECK(g.pages[0].name == "meshctl");
    CHECK(g.pages[0].scdoc.find("*backfill*\n\tBackfills.\n\n\tCommands: *reset*, *undo*.") != std::string::npos);
    CHECK(g.pages[0].scdoc.find("*-o*, *--output* _text|json_") != std::string::npos);
    CHECK(g.pages[0].scdoc.find("*meshctl-backfill*(1)") != std::string::npos);
    const auto& page = g.pages[1].scdoc;
    CHECK(page.rfind("meshctl-backfill(1) \"meshctl 1.0\"", 0) == 0);
    CHECK(page.find("*meshctl backfill reset* _GROUP_ *--to* _TARGET_ [_options_]") != std::string::npos);
    CHECK(page.find("*meshctl backfill undo* [_options_]") != std::string::npos);
    CHECK(page.find("Read the docs.") == page.rfind("Read the docs."));  // inherited footer printed once
    CHECK(page.find("*--execute*\n\tCommit \\*now\\*.\n\n\tFor") == std::string::npos);  // used by every command
    CHECK(page.find("*--execute*\n\tCommit \\*now\\*.\n") != std::string::npos);
    CHECK(page.find("*--to* _TARGET_\n\tTarget.\n\n\tFor *reset*.") != std::string::npos);
    CHECK(page.find("```\nmeshctl backfill reset g --to 1h\n```") != std::string::npos);
    CHECK(g.warnings.empty());
}

TEST_CASE("hand-written prose replaces generated text, and stale prose is reported") {
    manpage::Inputs in;
    in.version = "1.0";
    in.prose.emplace_back("meshctl-backfill", manpage::parse_prose("# DESCRIPTION\n\nLong story.\n\n# COMMANDS\n\n*reset* _G_\n\tResets.\n\n"
                                                                   "*purge*\n\tGone.\n\n# OPTIONS\n\n*--to* _T_\n\tWhen.\n\n*--bogus*\n\tGone.\n\n"
                                                                   "# EXIT STATUS\n\n*0*\tok\n"));
    in.prose.emplace_back("meshctl-gone", manpage::Prose{});
    auto g = manpage::generate(tree(), in);
    const auto& page = g.pages[1].scdoc;
    CHECK(page.find("# DESCRIPTION\n\nLong story.") != std::string::npos);
    CHECK(page.find("*reset* _GROUP_\n\tResets.") != std::string::npos);
    CHECK(page.find("*--to* _T_\n\tWhen.") != std::string::npos);
    CHECK(page.find("# EXIT STATUS\n\n*0*\tok") != std::string::npos);
    REQUIRE(g.warnings.size() == 3);
    CHECK(g.warnings[0].find("\"purge\"") != std::string::npos);
    CHECK(g.warnings[1].find("--bogus") != std::string::npos);
    CHECK(g.warnings[2].find("\"gone\"") != std::string::npos);
}
