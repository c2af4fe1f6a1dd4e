// The per-invocation state shared by command groups: global options, lazily resolved
// settings (so --help, version and completion never read config or touch the network),
// and the one emit() that writes results.
#pragma once

#include "core/completion/tree.hpp"
#include "core/config/settings.hpp"
#include "core/error.hpp"
#include "core/kafka/client.hpp"
#include "core/output/emit.hpp"

#include <CLI/CLI.hpp>

#include <optional>
#include <string>

namespace meshctl::cmd {

/// Global state of one run of meshctl.
class App {
public:
    config::GlobalOptions global;
    std::string output = "text";
    config::Getenv env = config::process_env();

    /// Settings resolved on first use (config file read then, not before).
    const config::Settings& settings();
    /// Kafka client settings from the resolved settings.
    kafka::ClientSettings client_settings() { return kafka::ClientSettings::from(settings()); }
    /// The chosen output format.
    output::Format format() const { return output::parse_format(output); }
    /// Style for stdout.
    output::TextStyle style() const;
    /// Writes a result to stdout in the chosen format.
    void emit(const output::Result& result) const;
    /// Writes a note to stderr unless -q.
    void note(const std::string& text) const;

private:
    std::optional<config::Settings> settings_;
};

/// Declares the global options of CLI.md on the root command.
void register_globals(CLI::App& cli, App& app);
/// Each command group: one function, called from main in one visible list.
void register_version(CLI::App& cli, App& app);
void register_config(CLI::App& cli, App& app);
void register_dev(CLI::App& cli, App& app);
void register_sample(CLI::App& cli, App& app);
void register_completion(CLI::App& cli, App& app);
void register_product(CLI::App& cli, App& app);
void register_discover(CLI::App& cli, App& app);
void register_describe(CLI::App& cli, App& app);
void register_backfill(CLI::App& cli, App& app);
void register_pipeline(CLI::App& cli, App& app);
void register_schema(CLI::App& cli, App& app);
/// Adds `schema infer` and `schema diff` to the `schema` group (cmd/schema_observe.cpp).
void add_schema_observe(CLI::App& schema, App& app);

/// The command tree of `app` as data (for completions and man pages).
completion::CommandNode describe_cli(const CLI::App& app);

/// Makes `group` fail with a usage error listing its commands when none is given.
void require_command(CLI::App* group);

/// The exit code of CLI.md for an error (the only mapping in the program).
int exit_code_for(const Error& e);

/// Parses, runs the chosen command, and maps errors to exit codes (the only place that does).
int run(CLI::App& cli, App& app, int argc, char** argv);

}  // namespace meshctl::cmd
