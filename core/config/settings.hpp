// Effective settings of one invocation: flag > environment > context > built-in default.
#pragma once

#include "core/config/config_file.hpp"

#include <chrono>
#include <functional>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace meshctl::config {

/// Reads one environment variable; injectable so tests need not touch the process.
using Getenv = std::function<std::optional<std::string>(std::string_view)>;

/// The real process environment.
Getenv process_env();

/// Global options as given on the command line; unset optionals were not given.
struct GlobalOptions {
    std::optional<std::string> context;
    std::optional<std::string> config_path;
    std::optional<std::string> bootstrap;
    std::optional<std::string> registry;
    std::optional<std::string> timeout;
    std::vector<std::string> properties;  // -X key=value, in order
    int verbose = 0;
    int quiet = 0;
    bool no_color = false;
};

/// Where a setting's value came from, for `config view` and error hints.
struct Sourced {
    std::string value;
    std::string source;  // "flag", "env MESHCTL_BOOTSTRAP", "context \"dev\"", "default"
};

/// Everything a network client needs, resolved.
struct Settings {
    std::filesystem::path config_path;
    std::string context_name;           // empty when no context applies
    Sourced bootstrap;
    std::optional<Sourced> registry;
    std::string catalog_topic;          // `_meshctl.catalog` unless the context says otherwise
    std::chrono::milliseconds timeout{30'000};
    bool tls_insecure = false;
    /// librdkafka properties: the context's first, then -X; secret references resolved.
    std::vector<std::pair<std::string, std::string>> kafka_properties;
    std::string registry_username, registry_password, registry_token;  // resolved
    std::string registry_ca_file;       // PEM bundle for the registry; empty = the system's
    std::string subject_strategy;       // the context's subject naming strategy; empty = topic
};

/// Replaces `${env:NAME}` and `${file:/path}` references in `raw`; the resolved value is
/// registered for redaction when `secret` is true or a reference was used. `what` names
/// the setting in errors (e.g. `contexts.prod.kafka.sasl.password`).
std::string resolve_references(std::string_view raw, std::string_view what, bool secret, const Getenv& env);

/// Loads the config file (when one exists) and applies the precedence rules.
/// Throws config_error / usage_error / not_found_error (unknown context).
Settings resolve_settings(const GlobalOptions& options, const Getenv& env);

/// Resolves only the config path (flag > MESHCTL_CONFIG > default).
std::filesystem::path resolve_config_path(const GlobalOptions& options, const Getenv& env);

/// Resolves the context name (flag > MESHCTL_CONTEXT > current-context).
std::string resolve_context_name(const GlobalOptions& options, const ConfigFile& file, const Getenv& env);

/// Default catalog topic name.
inline constexpr std::string_view default_catalog_topic = "_meshctl.catalog";

}  // namespace meshctl::config
