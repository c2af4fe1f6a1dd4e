#include "cmd/app.hpp"

#include "core/error.hpp"
#include "core/output/terminal.hpp"
#include "core/util/log.hpp"
#include "core/util/redact.hpp"
#include "core/util/signals.hpp"
#include "core/util/text.hpp"

#include <csignal>
#include <optional>
#include <iostream>
#include <unistd.h>

namespace meshctl::cmd {

const config::Settings& App::settings() {
    if (!settings_) settings_ = config::resolve_settings(global, env);
    return *settings_;
}

output::TextStyle App::style() const { return output::stdout_style(global.no_color); }

void App::emit(const output::Result& result) const { output::emit(result, format(), std::cout, style()); }

void App::note(const std::string& text) const {
    if (global.quiet == 0) log::write(log::Level::warn, text);
}

void require_command(CLI::App* group) {
    group->callback([group] {
        if (!group->get_subcommands().empty()) return;
        std::string names;
        for (const auto* sub : group->get_subcommands([](CLI::App*) { return true; }))
            names += (names.empty() ? "" : ", ") + sub->get_name();
        std::string path = group->get_parent() ? "meshctl " + group->get_name() : "meshctl";
        throw usage_error(path + " needs a command: " + names, "run '" + path + " --help' for details");
    });
}

void register_globals(CLI::App& cli, App& app) {
    // Global options may follow the command (`meshctl version -o json`), as in kubectl.
    cli.fallthrough();
    auto& g = app.global;
    cli.add_option_function<std::string>("--context", [&g](const std::string& v) { g.context = v; },
                                         "Named context from the config file (env MESHCTL_CONTEXT)");
    cli.add_option_function<std::string>("--config", [&g](const std::string& v) { g.config_path = v; },
                                         "Config file (env MESHCTL_CONFIG; default $XDG_CONFIG_HOME/meshctl/config.yaml)");
    cli.add_option_function<std::string>("-b,--bootstrap", [&g](const std::string& v) { g.bootstrap = v; },
                                         "Kafka bootstrap servers (env MESHCTL_BOOTSTRAP)");
    cli.add_option("-X", g.properties, "librdkafka property key=value (repeatable); secrets are refused here")
        ->type_name("KEY=VALUE")
        ->allow_extra_args(false);
    cli.add_option_function<std::string>("--registry", [&g](const std::string& v) { g.registry = v; },
                                         "Confluent-compatible schema registry URL (env MESHCTL_REGISTRY)");
    cli.add_option("-o,--output", app.output, "Output format: text, json, jsonl, yaml")
        ->check(CLI::IsMember({"text", "json", "jsonl", "yaml"}));
    cli.add_flag("-v,--verbose", g.verbose, "More diagnostics on stderr (repeatable)");
    cli.add_flag("-q,--quiet", g.quiet, "Fewer diagnostics on stderr (repeatable)");
    cli.add_flag("--no-color", g.no_color, "No ANSI colour (also NO_COLOR)");
    cli.add_option_function<std::string>("--timeout", [&g](const std::string& v) { g.timeout = v; },
                                         "Bound on network waits, e.g. 30s or 2m (default 30s)");
}

// The exit codes of CLI.md, decided here and nowhere else.
int exit_code_for(const Error& e) {
    switch (e.kind()) {
        case ErrorKind::usage:
        case ErrorKind::config: return 2;
        case ErrorKind::not_found: return 3;
        case ErrorKind::check_failed: return 4;
        case ErrorKind::dead_letter: return 5;
        case ErrorKind::interrupted: return e.signal == SIGTERM ? 143 : 130;
        case ErrorKind::remote:
        case ErrorKind::io: return 1;
    }
    return 1;
}

namespace {

void print_error(const std::string& message, const std::string& hint, bool color) {
    std::string prefix = color ? "\033[1;31mmeshctl: error:\033[0m " : "meshctl: error: ";
    std::cerr << prefix << util::redact(message) << "\n";
    if (!hint.empty()) std::cerr << "  hint: " << util::redact(hint) << "\n";
}

void install_log_sink(const App& app) {
    int level = static_cast<int>(log::Level::warn) + app.global.verbose - app.global.quiet;
    level = std::clamp(level, 0, static_cast<int>(log::Level::trace));
    log::set_level(static_cast<log::Level>(level));
    bool color = output::is_tty(STDERR_FILENO) && !app.global.no_color && !std::getenv("NO_COLOR");
    log::set_sink([color](log::Level l, std::string_view text) {
        const char* tag = l == log::Level::error ? "error" : l == log::Level::warn ? "warning" : l == log::Level::info ? "info" : "debug";
        std::string head = std::string("meshctl: ") + tag + ": ";
        if (color && l <= log::Level::warn) head = (l == log::Level::error ? "\033[31m" : "\033[33m") + head + "\033[0m";
        std::cerr << head << text << "\n";
    });
}

// Walks argv like the parser would, to tell a mistyped command ("discovr") from a
// stray argument, and to name the nearest command.
std::optional<std::pair<std::string, std::string>> unknown_command(CLI::App& cli, int argc, char** argv) {
    CLI::App* level = &cli;
    std::string path = "meshctl";
    for (int i = 1; i < argc; ++i) {
        std::string tok = argv[i];
        if (tok == "--") break;
        if (tok.rfind("-", 0) == 0) {
            if (tok.find('=') != std::string::npos) continue;
            for (CLI::App* a = level; a; a = a->get_parent()) {
                if (const CLI::Option* o = a->get_option_no_throw(tok)) {
                    if (o->get_type_size() > 0 && o->get_expected_min() > 0) ++i;
                    break;
                }
            }
            continue;
        }
        auto subs = level->get_subcommands([](CLI::App*) { return true; });
        if (subs.empty()) return std::nullopt;  // a positional argument of a leaf command
        CLI::App* next = nullptr;
        std::vector<std::string> names;
        for (auto* sub : subs) {
            names.push_back(sub->get_name());
            if (sub->check_name(tok)) next = sub;
        }
        if (!next)
            return std::make_pair("unknown command \"" + tok + "\"" + (level == &cli ? "" : " for " + path) +
                                      util::did_you_mean(tok, names),
                                  "run '" + path + " --help' for the list of commands");
        level = next;
        path += " " + next->get_name();
    }
    return std::nullopt;
}

}  // namespace

int run(CLI::App& cli, App& app, int argc, char** argv) {
    util::install_signal_handlers();
    bool stderr_color = output::is_tty(STDERR_FILENO) && !std::getenv("NO_COLOR");
    try {
        // Configure logging as soon as -q/-v are known: the callback runs before subcommands.
        cli.parse_complete_callback([&app] { install_log_sink(app); });
        cli.parse(argc, argv);
        return 0;
    } catch (const CLI::CallForHelp& e) {
        return cli.exit(e);
    } catch (const CLI::CallForAllHelp& e) {
        return cli.exit(e);
    } catch (const CLI::CallForVersion& e) {
        return cli.exit(e);
    } catch (const CLI::ParseError& e) {
        std::string msg = e.what();
        std::string hint = "run 'meshctl --help' for usage";
        if (auto unknown = unknown_command(cli, argc, argv)) {
            msg = unknown->first;
            hint = unknown->second;
        }
        print_error(msg, hint, stderr_color && !app.global.no_color);
        return 2;
    } catch (const Error& e) {
        if (e.kind() == ErrorKind::interrupted) std::cerr << "meshctl: " << e.what() << "\n";
        else print_error(e.what(), e.hint(), stderr_color && !app.global.no_color);
        return exit_code_for(e);
    } catch (const std::exception& e) {
        print_error(std::string("unexpected failure: ") + e.what(), "please report this with the command you ran",
                    stderr_color && !app.global.no_color);
        return 1;
    }
}

}  // namespace meshctl::cmd
