#include "cmd/app.hpp"

#include "core/completion/tree.hpp"
#include "core/config/config_file.hpp"
#include "core/kafka/admin.hpp"
#include "core/manpage/manpage.hpp"
#include "core/version.hpp"

#include <cctype>
#include <functional>
#include <map>
#include <iostream>

#include <nlohmann/json.hpp>

namespace meshctl::cmd {

namespace {

// CLI11's own type names (TEXT, UINT) say little in a synopsis; a name set with
// type_name() (TARGET, KEY=VALUE) is kept.
std::string value_name(std::string type, const completion::OptionSpec& spec, const std::string& longest) {
    if (type == "INT" || type == "UINT" || type == "INT64") return "N";
    if (!type.empty() && type != "TEXT" && type != "FLOAT" && type != "NUMBER") return type;
    switch (spec.kind) {
        case completion::ValueKind::file: return "FILE";
        case completion::ValueKind::context: return "CONTEXT";
        case completion::ValueKind::stream: return "STREAM";
        case completion::ValueKind::group: return "GROUP";
        case completion::ValueKind::choice: {
            std::string joined;
            for (const auto& c : spec.choices) joined += (joined.empty() ? "" : "|") + c;
            return joined;
        }
        default: break;
    }
    // The value names CLI.md uses for the options shared by several commands.
    static const std::map<std::string, std::string> usual = {
        {"--from", "POS"},          {"--until", "POS"},      {"--where", "EXPR"},     {"--into", "SINK"},
        {"--dead-letter", "SINK"},  {"--bootstrap", "HOSTS"}, {"--registry", "URL"},  {"--timeout", "DURATION"},
        {"--interval", "DURATION"}, {"--flush-interval", "DURATION"}, {"--stats-interval", "DURATION"}};
    if (auto it = usual.find(longest); it != usual.end()) return it->second;
    std::string name = longest.rfind("--", 0) == 0 ? longest.substr(2) : "VALUE";
    for (auto& c : name) c = c == '-' ? '_' : static_cast<char>(std::toupper(static_cast<unsigned char>(c)));
    return name;
}

completion::OptionSpec option_spec(const CLI::Option* o) {
    completion::OptionSpec spec;
    for (const auto& s : o->get_snames()) spec.names.push_back("-" + s);
    for (const auto& l : o->get_lnames()) spec.names.push_back("--" + l);
    spec.description = o->get_description();
    spec.required = o->get_required();
    if (o->get_expected_min() == 0) return spec;  // a flag: takes no value
    spec.repeatable = o->get_expected_max() > 1;
    std::string longest = spec.names.empty() ? "" : spec.names.back();
    if (longest == "--output") {
        spec.kind = completion::ValueKind::choice;
        spec.choices = {"text", "json", "jsonl", "yaml"};
    } else if (longest == "--strategy") {
        spec.kind = completion::ValueKind::choice;
        spec.choices = {"head", "tail", "uniform"};
    } else if (longest == "--format") {
        spec.kind = completion::ValueKind::choice;
        spec.choices = {"text", "json", "jsonl", "raw"};
    } else {
        spec.kind = completion::kind_for_name(longest);
    }
    // get_type_name() appends ":" and each validator's description; keep the name alone.
    std::string type = o->get_type_name();
    auto* mutable_option = const_cast<CLI::Option*>(o);
    for (int i = 0;; ++i) {
        std::string suffix;
        try {
            suffix = ":" + mutable_option->get_validator(i)->get_description();
        } catch (const CLI::OptionNotFound&) {
            break;
        }
        if (suffix.size() > 1 && type.size() > suffix.size() && type.find(suffix) != std::string::npos) type.erase(type.find(suffix), suffix.size());
    }
    spec.value_name = value_name(type, spec, longest);
    return spec;
}

}  // namespace

completion::CommandNode describe_cli(const CLI::App& app) {
    completion::CommandNode node;
    node.name = app.get_name();
    node.description = app.get_description();
    node.footer = app.get_footer();
    for (const CLI::Option* o : app.get_options([](const CLI::Option* opt) { return opt->get_name() != "--help"; })) {
        if (o->get_positional()) {
            node.positionals.push_back({o->get_name(), o->get_description(), completion::kind_for_name(o->get_name()),
                                        o->get_required(), o->get_expected_max() > 1});
            if (node.positionals.back().kind == completion::ValueKind::text && o->get_name() == "FILE")
                node.positionals.back().kind = completion::ValueKind::file;
        } else if (!o->get_lnames().empty() || !o->get_snames().empty()) {
            node.options.push_back(option_spec(o));
        }
    }
    for (const CLI::App* sub : const_cast<CLI::App&>(app).get_subcommands([](CLI::App* s) { return !s->get_group().empty(); }))
        node.children.push_back(describe_cli(*sub));
    return node;
}

void register_completion(CLI::App& cli, App& app) {
    auto* sub = cli.add_subcommand("completion", "Print a shell completion script (bash, zsh or fish)");
    static std::string shell;
    sub->add_option("SHELL", shell, "bash, zsh or fish")->required()->check(CLI::IsMember({"bash", "zsh", "fish"}));
    sub->footer("Examples:\n"
                "  source <(meshctl completion bash)\n"
                "  meshctl completion zsh > \"${fpath[1]}/_meshctl\"\n"
                "  meshctl completion fish > ~/.config/fish/completions/meshctl.fish");
    sub->callback([&cli] {
        auto tree = describe_cli(cli);
        tree.name = "meshctl";
        std::cout << (shell == "bash" ? completion::bash_script(tree)
                      : shell == "zsh" ? completion::zsh_script(tree)
                                       : completion::fish_script(tree));
    });

    // Hidden: the command tree as JSON, for tests and for generating man pages.
    auto* tree_cmd = cli.add_subcommand("__tree", "")->group("");
    tree_cmd->callback([&cli] {
        std::function<nlohmann::json(const completion::CommandNode&)> to_json = [&](const completion::CommandNode& n) {
            nlohmann::json j = {{"name", n.name}, {"description", n.description}, {"footer", n.footer}};
            j["options"] = nlohmann::json::array();
            for (const auto& o : n.options)
                j["options"].push_back({{"names", o.names}, {"description", o.description}, {"takes_value", o.kind != completion::ValueKind::none},
                                        {"value_name", o.value_name}, {"required", o.required}, {"repeatable", o.repeatable}});
            j["positionals"] = nlohmann::json::array();
            for (const auto& p : n.positionals)
                j["positionals"].push_back({{"name", p.name}, {"description", p.description}, {"required", p.required}, {"repeatable", p.repeatable}});
            j["commands"] = nlohmann::json::array();
            for (const auto& c : n.children) j["commands"].push_back(to_json(c));
            return j;
        };
        auto tree = describe_cli(cli);
        tree.name = "meshctl";
        std::cout << to_json(tree).dump(2) << "\n";
    });

    // Hidden: the section-1 man pages as scdoc, generated from the command tree plus the
    // hand-written prose in PROSE_DIR (man/); the build turns them into roff.
    auto* man_cmd = cli.add_subcommand("__man", "")->group("");
    static std::string prose_dir, out_dir;
    man_cmd->add_option("PROSE_DIR", prose_dir)->required();
    man_cmd->add_option("OUT_DIR", out_dir)->required();
    man_cmd->callback([&cli, &app] {
        auto tree = describe_cli(cli);
        tree.name = "meshctl";
        auto generated = manpage::generate_from_dir(tree, prose_dir, version_string());
        manpage::write_pages(generated, out_dir);
        for (const auto& w : generated.warnings) app.note(w);
    });

    // Hidden: names for dynamic completion, one per line, failing silently and quickly.
    auto* hidden = cli.add_subcommand("__complete", "")->group("");
    static std::string what;
    hidden->add_option("WHAT", what)->required();
    hidden->callback([&app] {
        try {
            if (what == "contexts") {
                for (const auto& n : config::load_config(config::resolve_config_path(app.global, app.env)).names()) std::cout << n << "\n";
            } else if (what == "streams") {
                kafka::Admin admin(app.client_settings());
                for (const auto& t : admin.metadata().topics)
                    if (!t.internal()) std::cout << t.name << "\n";
            } else if (what == "groups") {
                kafka::Admin admin(app.client_settings());
                for (const auto& g : admin.list_groups()) std::cout << g.group_id << "\n";
            }
        } catch (const std::exception&) {
            // Completion must never print errors into the user's command line.
        }
    });
}

}  // namespace meshctl::cmd
