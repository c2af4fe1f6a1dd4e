#include "core/config/config_file.hpp"

#include "core/error.hpp"
#include "core/util/redact.hpp"
#include "core/util/text.hpp"

#include <sys/stat.h>
#include <yaml-cpp/yaml.h>

#include <cstdio>
#include <cstdlib>
#include <fstream>
#include <sstream>

namespace meshctl::config {

namespace fs = std::filesystem;

const ContextEntry* ConfigFile::find(const std::string& name) const {
    for (const auto& c : contexts)
        if (c.name == name) return &c;
    return nullptr;
}

ContextEntry& ConfigFile::upsert(const std::string& name) {
    for (auto& c : contexts)
        if (c.name == name) return c;
    contexts.push_back(ContextEntry{.name = name});
    return contexts.back();
}

std::vector<std::string> ConfigFile::names() const {
    std::vector<std::string> out;
    for (const auto& c : contexts) out.push_back(c.name);
    return out;
}

namespace {

bool is_reference(const std::string& v) { return v.rfind("${", 0) == 0 && v.back() == '}'; }

}  // namespace

bool ConfigFile::holds_literal_secrets() const {
    for (const auto& c : contexts) {
        for (const auto& [k, v] : c.kafka)
            if (util::is_secret_name(k) && !v.empty() && !is_reference(v)) return true;
        for (const auto* v : {&c.registry_password, &c.registry_token})
            if (!v->empty() && !is_reference(*v)) return true;
    }
    return false;
}

fs::path default_config_path() {
    if (const char* xdg = std::getenv("XDG_CONFIG_HOME"); xdg && *xdg) return fs::path(xdg) / "meshctl" / "config.yaml";
    if (const char* home = std::getenv("HOME"); home && *home) return fs::path(home) / ".config" / "meshctl" / "config.yaml";
    return fs::path(".meshctl.yaml");
}

namespace {

std::string where(const fs::path& path, const YAML::Node& node) {
    const auto& m = node.Mark();
    if (m.is_null()) return path.string();
    return path.string() + ":" + std::to_string(m.line + 1) + ":" + std::to_string(m.column + 1);
}

[[noreturn]] void fail(const fs::path& path, const YAML::Node& node, const std::string& what) {
    throw config_error(where(path, node) + ": " + what);
}

std::string scalar(const fs::path& path, const YAML::Node& node, const std::string& key) {
    if (!node.IsScalar()) fail(path, node, "\"" + key + "\" must be a string");
    return node.Scalar();
}

bool boolean(const fs::path& path, const YAML::Node& node, const std::string& key) {
    std::string v = util::lower(scalar(path, node, key));
    if (v == "true" || v == "yes" || v == "on") return true;
    if (v == "false" || v == "no" || v == "off") return false;
    fail(path, node, "\"" + key + "\" must be true or false");
}

ContextEntry parse_context(const fs::path& path, const std::string& name, const YAML::Node& node) {
    ContextEntry c{.name = name};
    if (node.IsNull()) return c;
    if (!node.IsMap()) fail(path, node, "context \"" + name + "\" must be a mapping");
    static const std::vector<std::string> known = {"bootstrap", "registry", "catalog-topic", "kafka",
                                                   "registry-auth", "registry-ca-file", "subject-strategy",
                                                   "tls-insecure"};
    for (const auto& kv : node) {
        std::string key = scalar(path, kv.first, "key");
        const YAML::Node& v = kv.second;
        if (key == "bootstrap") c.bootstrap = scalar(path, v, key);
        else if (key == "registry") c.registry = scalar(path, v, key);
        else if (key == "catalog-topic") c.catalog_topic = scalar(path, v, key);
        else if (key == "registry-ca-file") c.registry_ca_file = scalar(path, v, key);
        else if (key == "subject-strategy") c.subject_strategy = scalar(path, v, key);
        else if (key == "tls-insecure") c.tls_insecure = boolean(path, v, key);
        else if (key == "kafka") {
            if (!v.IsMap()) fail(path, v, "\"kafka\" must be a mapping of librdkafka properties");
            for (const auto& p : v) c.kafka.emplace_back(scalar(path, p.first, "property"), scalar(path, p.second, scalar(path, p.first, "property")));
        } else if (key == "registry-auth") {
            if (!v.IsMap()) fail(path, v, "\"registry-auth\" must be a mapping (username, password, token)");
            for (const auto& p : v) {
                std::string k = scalar(path, p.first, "key");
                if (k == "username") c.registry_username = scalar(path, p.second, k);
                else if (k == "password") c.registry_password = scalar(path, p.second, k);
                else if (k == "token") c.registry_token = scalar(path, p.second, k);
                else fail(path, p.first, "unknown key \"" + k + "\" in registry-auth (expected username, password or token)");
            }
        } else {
            fail(path, kv.first, "unknown key \"" + key + "\" in context \"" + name + "\"" +
                                     util::did_you_mean(key, known));
        }
    }
    return c;
}

}  // namespace

ConfigFile load_config(const fs::path& path) {
    ConfigFile cfg;
    cfg.path = path;
    std::error_code ec;
    if (!fs::exists(path, ec)) return cfg;
    cfg.exists = true;
    std::ifstream in(path);
    if (!in) throw config_error("cannot read config file " + path.string(), "check its permissions");
    std::stringstream buf;
    buf << in.rdbuf();
    YAML::Node root;
    try {
        root = YAML::Load(buf.str());
    } catch (const YAML::ParserException& e) {
        throw config_error(path.string() + ":" + std::to_string(e.mark.line + 1) + ":" +
                           std::to_string(e.mark.column + 1) + ": malformed YAML: " + e.msg);
    }
    if (root.IsNull()) return cfg;
    if (!root.IsMap()) fail(path, root, "the config file must be a mapping with \"contexts\"");
    for (const auto& kv : root) {
        std::string key = scalar(path, kv.first, "key");
        if (key == "current-context") {
            cfg.current_context = kv.second.IsNull() ? "" : scalar(path, kv.second, key);
        } else if (key == "contexts") {
            if (kv.second.IsNull()) continue;
            if (!kv.second.IsMap()) fail(path, kv.second, "\"contexts\" must be a mapping of name to context");
            for (const auto& ctx : kv.second)
                cfg.contexts.push_back(parse_context(path, scalar(path, ctx.first, "context name"), ctx.second));
        } else {
            fail(path, kv.first, "unknown key \"" + key + "\"" +
                                     util::did_you_mean(key, {"current-context", "contexts"}));
        }
    }
    struct stat st {};
    if (cfg.holds_literal_secrets() && ::stat(path.c_str(), &st) == 0 && (st.st_mode & 077) != 0) {
        char mode[8];
        std::snprintf(mode, sizeof mode, "%04o", st.st_mode & 07777);
        throw config_error("config file " + path.string() + " holds secrets but is readable by group or others (mode " +
                               mode + ")",
                           "run: chmod 600 " + path.string() + "  (or use ${env:NAME} / ${file:/path} references)");
    }
    return cfg;
}

void save_config(const ConfigFile& cfg) {
    YAML::Emitter out;
    out << YAML::BeginMap;
    out << YAML::Key << "current-context" << YAML::Value << cfg.current_context;
    out << YAML::Key << "contexts" << YAML::Value << YAML::BeginMap;
    for (const auto& c : cfg.contexts) {
        out << YAML::Key << c.name << YAML::Value << YAML::BeginMap;
        if (!c.bootstrap.empty()) out << YAML::Key << "bootstrap" << YAML::Value << c.bootstrap;
        if (!c.registry.empty()) out << YAML::Key << "registry" << YAML::Value << c.registry;
        if (!c.catalog_topic.empty()) out << YAML::Key << "catalog-topic" << YAML::Value << c.catalog_topic;
        if (!c.registry_ca_file.empty()) out << YAML::Key << "registry-ca-file" << YAML::Value << c.registry_ca_file;
        if (!c.subject_strategy.empty()) out << YAML::Key << "subject-strategy" << YAML::Value << c.subject_strategy;
        if (c.tls_insecure) out << YAML::Key << "tls-insecure" << YAML::Value << true;
        if (!c.kafka.empty()) {
            out << YAML::Key << "kafka" << YAML::Value << YAML::BeginMap;
            for (const auto& [k, v] : c.kafka) out << YAML::Key << k << YAML::Value << v;
            out << YAML::EndMap;
        }
        if (!c.registry_username.empty() || !c.registry_password.empty() || !c.registry_token.empty()) {
            out << YAML::Key << "registry-auth" << YAML::Value << YAML::BeginMap;
            if (!c.registry_username.empty()) out << YAML::Key << "username" << YAML::Value << c.registry_username;
            if (!c.registry_password.empty()) out << YAML::Key << "password" << YAML::Value << c.registry_password;
            if (!c.registry_token.empty()) out << YAML::Key << "token" << YAML::Value << c.registry_token;
            out << YAML::EndMap;
        }
        out << YAML::EndMap;
    }
    out << YAML::EndMap << YAML::EndMap;

    std::error_code ec;
    fs::create_directories(cfg.path.parent_path().empty() ? fs::path(".") : cfg.path.parent_path(), ec);
    fs::path tmp = cfg.path;
    tmp += ".tmp";
    {
        std::ofstream f(tmp, std::ios::trunc);
        if (!f) throw io_error("cannot write config file " + tmp.string(), "check that the folder is writable");
        f << out.c_str() << "\n";
        if (!f.flush()) throw io_error("cannot write config file " + tmp.string());
    }
    fs::permissions(tmp, fs::perms::owner_read | fs::perms::owner_write, fs::perm_options::replace, ec);
    fs::rename(tmp, cfg.path, ec);
    if (ec) throw io_error("cannot replace config file " + cfg.path.string() + ": " + ec.message());
}

}  // namespace meshctl::config
