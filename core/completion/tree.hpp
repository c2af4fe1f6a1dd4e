// The command tree as data, extracted from the CLI definition once, so completions and
// man pages are generated from one source of truth and tests can check them against it.
#pragma once

#include <string>
#include <vector>

namespace meshctl::completion {

/// What kind of value an option or positional argument takes, for dynamic completion.
enum class ValueKind { none, text, file, context, stream, group, choice };

/// One option of a command.
struct OptionSpec {
    std::vector<std::string> names;    // e.g. {"-o", "--output"}
    std::string description;
    ValueKind kind = ValueKind::none;  // none: a flag
    std::vector<std::string> choices;  // for kind == choice
    std::string value_name;            // e.g. TARGET, for synopses and man pages
    bool required = false;
    bool repeatable = false;
};

/// One positional argument.
struct PositionalSpec {
    std::string name;  // e.g. STREAM
    std::string description;
    ValueKind kind = ValueKind::text;
    bool required = false;
    bool repeatable = false;  // TERMS...
};

/// One command and its subcommands.
struct CommandNode {
    std::string name;
    std::string description;
    std::string footer;  // examples and notes from --help
    std::vector<OptionSpec> options;
    std::vector<PositionalSpec> positionals;
    std::vector<CommandNode> children;
};

/// The value kind meshctl completes for a positional or option name (STREAM -> stream, ...).
ValueKind kind_for_name(const std::string& name);

/// A bash completion script for `root` (the root command is `meshctl`).
std::string bash_script(const CommandNode& root);
/// A zsh completion script.
std::string zsh_script(const CommandNode& root);
/// A fish completion script.
std::string fish_script(const CommandNode& root);

/// Every command path of the tree, e.g. "meshctl", "meshctl dev", "meshctl dev up".
std::vector<std::string> command_paths(const CommandNode& root);

}  // namespace meshctl::completion
