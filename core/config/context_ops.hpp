// The operations behind `meshctl config ...`: each returns a result, none prints.
#pragma once

#include "core/config/settings.hpp"
#include "core/output/emit.hpp"

#include <filesystem>
#include <optional>
#include <string>
#include <vector>

namespace meshctl::config {

/// `config view`: the file with every secret shown as `***`.
struct ConfigView : output::Result {
    ConfigFile file;
    nlohmann::json to_json() const override;
    void to_text(std::ostream& out, const output::TextStyle& style) const override;
};

/// `config get-contexts`.
struct ContextList : output::Result {
    std::string current;
    std::vector<ContextEntry> contexts;
    nlohmann::json to_json() const override;
    void to_text(std::ostream& out, const output::TextStyle& style) const override;
};

/// A one-line confirmation such as `switched to context "dev"`.
struct Confirmation : output::Result {
    Confirmation(std::string m, nlohmann::json d) : message(std::move(m)), detail(std::move(d)) {}
    std::string message;
    nlohmann::json detail;
    nlohmann::json to_json() const override { return detail; }
    void to_text(std::ostream& out, const output::TextStyle&) const override { out << message << "\n"; }
};

/// What `config set-context` may change; unset fields are kept.
struct ContextChange {
    std::optional<std::string> bootstrap;
    std::optional<std::string> registry;
    std::optional<std::string> catalog_topic;
    std::vector<std::string> properties;  // key=value; secret keys must be ${env:}/${file:} references
    bool make_current = false;
};

ConfigView view_config(const std::filesystem::path& path);
ContextList list_contexts(const std::filesystem::path& path);
/// Makes `name` current; not_found_error (with a suggestion) when it does not exist.
Confirmation use_context(const std::filesystem::path& path, const std::string& name);
/// Creates or updates a context.
Confirmation set_context(const std::filesystem::path& path, const std::string& name, const ContextChange& change);

}  // namespace meshctl::config
