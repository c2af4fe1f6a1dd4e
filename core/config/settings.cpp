#include "core/config/settings.hpp"

#include "core/error.hpp"
#include "core/util/redact.hpp"
#include "core/util/text.hpp"
#include "core/util/time.hpp"

#include <cstdlib>
#include <fstream>
#include <sstream>

namespace meshctl::config {

Getenv process_env() {
    return [](std::string_view name) -> std::optional<std::string> {
        std::string n(name);
        const char* v = std::getenv(n.c_str());
        if (!v) return std::nullopt;
        return std::string(v);
    };
}

std::string resolve_references(std::string_view raw, std::string_view what, bool secret, const Getenv& env) {
    std::string out;
    bool used_reference = false;
    std::size_t i = 0;
    while (i < raw.size()) {
        std::size_t open = raw.find("${", i);
        if (open == std::string_view::npos) {
            out.append(raw.substr(i));
            break;
        }
        out.append(raw.substr(i, open - i));
        std::size_t close = raw.find('}', open);
        if (close == std::string_view::npos)
            throw config_error(std::string(what) + ": unterminated reference \"${\"", "write ${env:NAME} or ${file:/path}");
        std::string_view ref = raw.substr(open + 2, close - open - 2);
        used_reference = true;
        if (ref.rfind("env:", 0) == 0) {
            std::string name(ref.substr(4));
            auto v = env(name);
            if (!v)
                throw config_error(std::string(what) + " refers to environment variable " + name + ", which is not set",
                                   "export " + name + " before running meshctl");
            out += *v;
        } else if (ref.rfind("file:", 0) == 0) {
            std::string path(ref.substr(5));
            std::ifstream f(path, std::ios::binary);
            if (!f)
                throw config_error(std::string(what) + " refers to file " + path + ", which cannot be read",
                                   "check that the file exists and is readable by this user");
            std::stringstream ss;
            ss << f.rdbuf();
            std::string content = ss.str();
            while (!content.empty() && (content.back() == '\n' || content.back() == '\r')) content.pop_back();
            out += content;
        } else {
            throw config_error(std::string(what) + ": unknown reference \"${" + std::string(ref) + "}\"",
                               "write ${env:NAME} or ${file:/path}");
        }
        i = close + 1;
    }
    if (secret || used_reference) util::register_secret(out);
    return out;
}

std::filesystem::path resolve_config_path(const GlobalOptions& options, const Getenv& env) {
    if (options.config_path) return *options.config_path;
    if (auto v = env("MESHCTL_CONFIG"); v && !v->empty()) return *v;
    return default_config_path();
}

std::string resolve_context_name(const GlobalOptions& options, const ConfigFile& file, const Getenv& env) {
    if (options.context) return *options.context;
    if (auto v = env("MESHCTL_CONTEXT"); v && !v->empty()) return *v;
    return file.current_context;
}

Settings resolve_settings(const GlobalOptions& options, const Getenv& env) {
    Settings s;
    s.config_path = resolve_config_path(options, env);
    ConfigFile file = load_config(s.config_path);
    s.context_name = resolve_context_name(options, file, env);

    const ContextEntry* ctx = nullptr;
    if (!s.context_name.empty()) {
        ctx = file.find(s.context_name);
        if (!ctx)
            throw not_found_error("context \"" + s.context_name + "\" not found in " + s.config_path.string() +
                                      util::did_you_mean(s.context_name, file.names()),
                                  "list contexts with: meshctl config get-contexts");
    }
    std::string ctx_label = "context \"" + s.context_name + "\"";
    std::string prefix = "contexts." + s.context_name + ".";

    if (options.bootstrap) s.bootstrap = {*options.bootstrap, "flag"};
    else if (auto v = env("MESHCTL_BOOTSTRAP"); v && !v->empty()) s.bootstrap = {*v, "env MESHCTL_BOOTSTRAP"};
    else if (ctx && !ctx->bootstrap.empty())
        s.bootstrap = {resolve_references(ctx->bootstrap, prefix + "bootstrap", false, env), ctx_label};
    else s.bootstrap = {"localhost:9092", "default"};

    if (options.registry) s.registry = Sourced{*options.registry, "flag"};
    else if (auto v = env("MESHCTL_REGISTRY"); v && !v->empty()) s.registry = Sourced{*v, "env MESHCTL_REGISTRY"};
    else if (ctx && !ctx->registry.empty())
        s.registry = Sourced{resolve_references(ctx->registry, prefix + "registry", false, env), ctx_label};

    s.catalog_topic = ctx && !ctx->catalog_topic.empty() ? ctx->catalog_topic : std::string(default_catalog_topic);
    if (options.timeout) s.timeout = util::parse_duration(*options.timeout, "--timeout");
    if (s.timeout.count() <= 0) throw usage_error("--timeout must be greater than zero");

    if (ctx) {
        s.tls_insecure = ctx->tls_insecure;
        if (!ctx->registry_ca_file.empty())
            s.registry_ca_file = resolve_references(ctx->registry_ca_file, prefix + "registry-ca-file", false, env);
        s.subject_strategy = ctx->subject_strategy;
        for (const auto& [k, v] : ctx->kafka)
            s.kafka_properties.emplace_back(k, resolve_references(v, prefix + "kafka." + k, util::is_secret_name(k), env));
        if (!ctx->registry_username.empty())
            s.registry_username = resolve_references(ctx->registry_username, prefix + "registry-auth.username", false, env);
        if (!ctx->registry_password.empty())
            s.registry_password = resolve_references(ctx->registry_password, prefix + "registry-auth.password", true, env);
        if (!ctx->registry_token.empty())
            s.registry_token = resolve_references(ctx->registry_token, prefix + "registry-auth.token", true, env);
    }
    for (const auto& prop : options.properties) {
        auto eq = prop.find('=');
        if (eq == std::string::npos || eq == 0)
            throw usage_error("-X " + prop + ": expected key=value", "for example: -X fetch.max.bytes=1048576");
        std::string key = prop.substr(0, eq);
        if (util::is_secret_name(key))
            throw usage_error("-X " + key + ": secrets are not accepted on the command line",
                              "put it in the context's kafka section as ${env:NAME} or ${file:/path}");
        s.kafka_properties.emplace_back(key, prop.substr(eq + 1));
    }
    return s;
}

}  // namespace meshctl::config
