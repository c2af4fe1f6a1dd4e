#include "core/config/context_ops.hpp"

#include "core/error.hpp"
#include "core/output/table.hpp"
#include "core/util/redact.hpp"
#include "core/util/text.hpp"

namespace meshctl::config {

namespace {

std::string shown(const std::string& key, const std::string& value) {
    return util::is_secret_name(key) && !value.empty() ? std::string(util::redacted) : value;
}

nlohmann::json context_json(const ContextEntry& c) {
    nlohmann::json j = {{"name", c.name}, {"bootstrap", c.bootstrap}};
    if (!c.registry.empty()) j["registry"] = c.registry;
    j["catalog_topic"] = c.catalog_topic.empty() ? std::string(default_catalog_topic) : c.catalog_topic;
    if (!c.registry_ca_file.empty()) j["registry_ca_file"] = c.registry_ca_file;
    if (!c.subject_strategy.empty()) j["subject_strategy"] = c.subject_strategy;
    if (c.tls_insecure) j["tls_insecure"] = true;
    if (!c.kafka.empty()) {
        nlohmann::json k = nlohmann::json::object();
        for (const auto& [key, v] : c.kafka) k[key] = shown(key, v);
        j["kafka"] = k;
    }
    if (!c.registry_username.empty() || !c.registry_password.empty() || !c.registry_token.empty()) {
        nlohmann::json a = nlohmann::json::object();
        if (!c.registry_username.empty()) a["username"] = c.registry_username;
        if (!c.registry_password.empty()) a["password"] = util::redacted;
        if (!c.registry_token.empty()) a["token"] = util::redacted;
        j["registry_auth"] = a;
    }
    return j;
}

}  // namespace

nlohmann::json ConfigView::to_json() const {
    nlohmann::json ctxs = nlohmann::json::array();
    for (const auto& c : file.contexts) ctxs.push_back(context_json(c));
    return {{"path", file.path.string()}, {"current_context", file.current_context}, {"contexts", ctxs}};
}

void ConfigView::to_text(std::ostream& out, const output::TextStyle&) const {
    output::write_yaml(to_json(), out);
}

nlohmann::json ContextList::to_json() const {
    nlohmann::json arr = nlohmann::json::array();
    for (const auto& c : contexts) {
        auto j = context_json(c);
        j["current"] = c.name == current;
        arr.push_back(j);
    }
    return arr;
}

void ContextList::to_text(std::ostream& out, const output::TextStyle& style) const {
    output::Table t({"current", "name", "bootstrap", "registry"});
    for (const auto& c : contexts) t.add_row({c.name == current ? "*" : "", c.name, c.bootstrap, c.registry});
    if (t.empty()) {
        out << "no contexts yet; create one with: meshctl config set-context NAME --bootstrap HOST:PORT\n";
        return;
    }
    t.render(out, style);
}

ConfigView view_config(const std::filesystem::path& path) {
    ConfigView v;
    v.file = load_config(path);
    return v;
}

ContextList list_contexts(const std::filesystem::path& path) {
    auto f = load_config(path);
    ContextList l;
    l.current = f.current_context;
    l.contexts = f.contexts;
    return l;
}

Confirmation use_context(const std::filesystem::path& path, const std::string& name) {
    auto f = load_config(path);
    if (!f.find(name))
        throw not_found_error("context \"" + name + "\" not found in " + path.string() + util::did_you_mean(name, f.names()),
                              "list contexts with: meshctl config get-contexts");
    f.current_context = name;
    save_config(f);
    return config::Confirmation("switched to context \"" + name + "\"", {{"current_context", name}});
}

Confirmation set_context(const std::filesystem::path& path, const std::string& name, const ContextChange& change) {
    if (name.empty()) throw usage_error("a context needs a name");
    auto f = load_config(path);
    bool created = f.find(name) == nullptr;
    auto& c = f.upsert(name);
    if (change.bootstrap) c.bootstrap = *change.bootstrap;
    if (change.registry) c.registry = *change.registry;
    if (change.catalog_topic) c.catalog_topic = *change.catalog_topic;
    for (const auto& p : change.properties) {
        auto eq = p.find('=');
        if (eq == std::string::npos || eq == 0) throw usage_error("--property " + p + ": expected key=value");
        std::string key = p.substr(0, eq), value = p.substr(eq + 1);
        if (util::is_secret_name(key) && value.rfind("${", 0) != 0)
            throw usage_error("--property " + key + ": secrets are not accepted on the command line",
                              "pass a reference instead, e.g. --property '" + key + "=${env:KAFKA_PASSWORD}'");
        bool replaced = false;
        for (auto& [k, v] : c.kafka)
            if (k == key) {
                v = value;
                replaced = true;
            }
        if (!replaced) c.kafka.emplace_back(key, value);
    }
    if (change.make_current || f.current_context.empty()) f.current_context = name;
    save_config(f);
    return Confirmation(std::string(created ? "created" : "updated") + " context \"" + name + "\"" +
                            (f.current_context == name ? " (current)" : ""),
                        {{"context", name}, {"created", created}, {"current", f.current_context == name}});
}

}  // namespace meshctl::config
