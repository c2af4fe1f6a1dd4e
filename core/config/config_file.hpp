// The config file: kubectl-style named contexts, each a cluster plus its registry and
// credentials. Values may hold `${env:NAME}` / `${file:/path}` references, resolved
// only when used (secret.hpp) and never written back resolved.
#pragma once

#include <filesystem>
#include <map>
#include <optional>
#include <string>
#include <vector>

namespace meshctl::config {

/// One named context as written in the file (raw, references unresolved).
struct ContextEntry {
    std::string name;
    std::string bootstrap;
    std::string registry;
    std::string catalog_topic;                          // empty = default `_meshctl.catalog`
    std::vector<std::pair<std::string, std::string>> kafka;  // librdkafka properties, in file order
    std::string registry_username;
    std::string registry_password;
    std::string registry_token;
    std::string registry_ca_file;                       // PEM bundle for the registry's TLS; empty = the system's
    std::string subject_strategy;                       // topic | record | topic-record; empty = topic
    bool tls_insecure = false;                          // explicit opt-out of TLS verification
};

/// The whole file.
struct ConfigFile {
    std::filesystem::path path;
    bool exists = false;                                // false: nothing on disk yet
    std::string current_context;
    std::vector<ContextEntry> contexts;

    /// The context called `name`, or nullptr.
    const ContextEntry* find(const std::string& name) const;
    /// The context called `name`, created empty when missing.
    ContextEntry& upsert(const std::string& name);
    /// Names of all contexts, in file order.
    std::vector<std::string> names() const;
    /// True when some value is a literal secret (not a ${...} reference).
    bool holds_literal_secrets() const;
};

/// The default path: $XDG_CONFIG_HOME/meshctl/config.yaml, else ~/.config/meshctl/config.yaml.
std::filesystem::path default_config_path();

/// Reads and validates the file; a missing file gives an empty config. Malformed YAML,
/// unknown keys and wrong types throw config_error with path:line:column; a file that
/// holds literal secrets while readable by group or others is refused.
ConfigFile load_config(const std::filesystem::path& path);

/// Writes the file atomically with mode 0600, keeping references unresolved.
void save_config(const ConfigFile& config);

}  // namespace meshctl::config
