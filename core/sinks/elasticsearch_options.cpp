// Options of the Elasticsearch sink, from pipeline YAML (as JSON) and from the URL form.
#include "core/error.hpp"
#include "core/sinks/elasticsearch_sink.hpp"
#include "core/util/log.hpp"
#include "core/util/redact.hpp"
#include "core/util/text.hpp"
#include "core/util/time.hpp"

namespace meshctl::sinks::es {

namespace {

const std::vector<std::string> known_keys = {
    "addresses", "index",    "id",         "action",        "tombstones",   "on_error",      "auth",
    "username",  "password", "api_key",    "token",         "ca_file",      "tls_insecure",  "gzip",
    "batch_docs", "batch_bytes", "max_in_flight", "linger", "timeout",      "mapping",       "template",
    "template_name", "retry_initial", "retry_max", "retry_timeout"};

const std::vector<std::string> secret_keys = {"password", "api_key", "token"};

[[noreturn]] void bad(const std::string& key, const std::string& what, const std::string& hint = {}) {
    throw usage_error("elasticsearch sink: \"" + key + "\" " + what, hint);
}

std::string get_string(const nlohmann::json& o, const std::string& key) {
    const auto& v = o.at(key);
    if (!v.is_string()) bad(key, "must be a string");
    return v.get<std::string>();
}

std::size_t get_count(const nlohmann::json& o, const std::string& key, std::size_t min) {
    const auto& v = o.at(key);
    if (!v.is_number_integer() || v.get<long long>() < static_cast<long long>(min))
        bad(key, "must be a whole number of at least " + std::to_string(min));
    return v.get<std::size_t>();
}

bool get_bool(const nlohmann::json& o, const std::string& key) {
    const auto& v = o.at(key);
    if (!v.is_boolean()) bad(key, "must be true or false");
    return v.get<bool>();
}

std::chrono::milliseconds get_duration(const nlohmann::json& o, const std::string& key) {
    const auto& v = o.at(key);
    if (v.is_number_integer()) return std::chrono::milliseconds(v.get<long long>());  // plain numbers are milliseconds
    if (!v.is_string()) bad(key, "must be a duration such as 100ms or 30s");
    return util::parse_duration(v.get<std::string>(), "elasticsearch sink: " + key);
}

template <typename E>
E get_enum(const nlohmann::json& o, const std::string& key, const std::vector<std::pair<std::string, E>>& names) {
    std::string s = get_string(o, key);
    std::vector<std::string> all;
    for (const auto& [n, e] : names) {
        if (n == s) return e;
        all.push_back(n);
    }
    std::string list;
    for (const auto& n : all) list += (list.empty() ? "" : ", ") + n;
    bad(key, "is \"" + s + "\"" + util::did_you_mean(s, all), "use one of " + list);
}

std::string normalize_address(std::string a) {
    while (!a.empty() && a.back() == '/') a.pop_back();
    if (a.rfind("http://", 0) != 0 && a.rfind("https://", 0) != 0)
        bad("addresses", "has \"" + a + "\", which is not an http:// or https:// URL", "e.g. http://localhost:9200");
    if (a.find('@') != std::string::npos)
        bad("addresses", "must not carry credentials", "use username/password, api_key or token (as ${env:NAME} references)");
    return a;
}

}  // namespace

Options parse_options(const nlohmann::json& o, const config::Getenv& env) {
    if (!o.is_object()) throw usage_error("elasticsearch sink: its settings must be a mapping");
    for (auto it = o.begin(); it != o.end(); ++it) {
        if (std::find(known_keys.begin(), known_keys.end(), it.key()) == known_keys.end()) {
            std::string list;
            for (const auto& k : known_keys) list += (list.empty() ? "" : ", ") + k;
            throw usage_error("elasticsearch sink: unknown option \"" + it.key() + "\"" + util::did_you_mean(it.key(), known_keys),
                              "accepted: " + list);
        }
    }
    Options opt;
    if (!o.contains("addresses")) bad("addresses", "is required", "e.g. addresses: [http://localhost:9200]");
    const auto& addrs = o.at("addresses");
    if (addrs.is_string()) opt.addresses.push_back(normalize_address(addrs.get<std::string>()));
    else if (addrs.is_array() && !addrs.empty())
        for (const auto& a : addrs) {
            if (!a.is_string()) bad("addresses", "must be a list of URLs");
            opt.addresses.push_back(normalize_address(a.get<std::string>()));
        }
    else bad("addresses", "must be a URL or a non-empty list of URLs");

    if (!o.contains("index")) bad("index", "is required", "e.g. index: orders or orders-{yyyy.MM.dd}");
    opt.index = get_string(o, "index");
    IndexTemplate::compile(opt.index);  // fail now, with the template in the message
    if (o.contains("id")) {
        opt.id = get_string(o, "id");
        try {
            expr::Program::compile(*opt.id);
        } catch (const Error& e) {
            bad("id", std::string("is not a valid expression: ") + e.what(), "e.g. id: value.order_id or id: key");
        }
    }
    if (o.contains("action"))
        opt.action = get_enum<Action>(o, "action", {{"index", Action::index}, {"create", Action::create}, {"update", Action::update},
                                                    {"delete", Action::delete_}});
    if (o.contains("tombstones"))
        opt.tombstones = get_enum<Tombstones>(o, "tombstones", {{"skip", Tombstones::skip}, {"delete", Tombstones::delete_},
                                                                {"reject", Tombstones::reject}});
    if (o.contains("on_error"))
        opt.on_error = get_enum<OnError>(o, "on_error", {{"dead_letter", OnError::dead_letter}, {"fail", OnError::fail}});

    auto secret = [&](const std::string& key) {
        return config::resolve_references(get_string(o, key), "elasticsearch sink " + key, true, env);
    };
    auto& auth = opt.http.auth;
    if (o.contains("username")) auth.username = config::resolve_references(get_string(o, "username"), "elasticsearch sink username", false, env);
    if (o.contains("password")) auth.password = secret("password");
    if (o.contains("api_key")) auth.token = secret("api_key");
    if (o.contains("token")) auth.token = secret("token");
    using K = http::Auth::Kind;
    if (o.contains("auth")) auth.kind = get_enum<K>(o, "auth", {{"none", K::none}, {"basic", K::basic}, {"api_key", K::api_key}, {"bearer", K::bearer}});
    else if (o.contains("api_key")) auth.kind = K::api_key;
    else if (o.contains("token")) auth.kind = K::bearer;
    else if (o.contains("username")) auth.kind = K::basic;
    if (auth.kind == K::basic && (auth.username.empty() || !o.contains("password")))
        bad("auth", "is basic, which needs username and password", "password: ${env:ES_PASSWORD}");
    if (auth.kind == K::api_key && !o.contains("api_key")) bad("auth", "is api_key, which needs api_key", "api_key: ${env:ES_API_KEY}");
    if (auth.kind == K::bearer && !o.contains("token")) bad("auth", "is bearer, which needs token", "token: ${env:ES_TOKEN}");
    if (o.contains("api_key") && o.contains("token")) bad("api_key", "and \"token\" exclude each other");

    if (o.contains("ca_file")) opt.http.ca_file = get_string(o, "ca_file");
    if (o.contains("tls_insecure") && get_bool(o, "tls_insecure")) {
        opt.http.verify = false;
        log::warn("elasticsearch sink: tls_insecure is set: TLS certificates and host names are NOT verified "
                  "(anyone on the path can read and change the data); use ca_file instead");
    }
    if (o.contains("gzip")) opt.gzip = get_bool(o, "gzip");
    if (o.contains("batch_docs")) opt.batch_docs = get_count(o, "batch_docs", 1);
    if (o.contains("batch_bytes")) opt.batch_bytes = get_count(o, "batch_bytes", 1024);
    if (o.contains("max_in_flight")) opt.max_in_flight = get_count(o, "max_in_flight", 1);
    if (o.contains("linger")) opt.linger = get_duration(o, "linger");
    if (o.contains("timeout")) opt.http.timeout = get_duration(o, "timeout");
    if (o.contains("retry_initial")) opt.retry.initial = get_duration(o, "retry_initial");
    if (o.contains("retry_max")) opt.retry.max = get_duration(o, "retry_max");
    if (o.contains("retry_timeout")) opt.retry_timeout = get_duration(o, "retry_timeout");
    if (opt.retry.initial.count() <= 0 || opt.retry.max < opt.retry.initial)
        bad("retry_initial", "must be positive and at most retry_max");

    auto object = [&](const std::string& key) {
        const auto& v = o.at(key);
        if (!v.is_object()) bad(key, "must be a mapping (the JSON body the server expects)");
        return v;
    };
    if (o.contains("mapping")) {
        opt.mapping = object("mapping");
        if (!IndexTemplate::compile(opt.index).fixed())
            bad("mapping", "needs a fixed index; \"" + opt.index + "\" is a template", "use template: {...} for index templates");
    }
    if (o.contains("template")) opt.index_template = object("template");
    if (o.contains("template_name")) opt.template_name = get_string(o, "template_name");
    return opt;
}

namespace {

std::string percent_decode(std::string_view s) {
    std::string out;
    for (std::size_t i = 0; i < s.size(); ++i) {
        if (s[i] == '%' && i + 2 < s.size() && std::isxdigit(static_cast<unsigned char>(s[i + 1])) &&
            std::isxdigit(static_cast<unsigned char>(s[i + 2]))) {
            out += static_cast<char>(std::stoi(std::string(s.substr(i + 1, 2)), nullptr, 16));
            i += 2;
        } else {
            out += s[i] == '+' ? ' ' : s[i];
        }
    }
    return out;
}

}  // namespace

Options parse_url(std::string_view url, const config::Getenv& env) {
    std::string u(url);
    const char* hint = "e.g. elasticsearch+http://localhost:9200/orders?action=create";
    std::string scheme;
    if (u.rfind("elasticsearch+http://", 0) == 0) scheme = "http";
    else if (u.rfind("elasticsearch+https://", 0) == 0) scheme = "https";
    else throw usage_error("elasticsearch sink URL \"" + util::redact(u) + "\" must start with elasticsearch+http:// or elasticsearch+https://", hint);
    std::string rest = u.substr(std::string("elasticsearch+").size() + scheme.size() + 3);
    std::string query;
    if (auto q = rest.find('?'); q != std::string::npos) {
        query = rest.substr(q + 1);
        rest.erase(q);
    }
    auto slash = rest.find('/');
    std::string hosts = rest.substr(0, slash);
    std::string index = slash == std::string::npos ? "" : percent_decode(rest.substr(slash + 1));
    if (hosts.empty()) throw usage_error("elasticsearch sink URL has no host", hint);
    if (hosts.find('@') != std::string::npos)
        throw usage_error("elasticsearch sink URL must not carry credentials (command lines are visible to other users)",
                          "pass ?username=NAME&password=${env:ES_PASSWORD}, api_key=${env:...} or token=${env:...}");
    if (index.empty() || index.find('/') != std::string::npos)
        throw usage_error("elasticsearch sink URL needs exactly one index after the host", hint);

    nlohmann::json o = nlohmann::json::object();
    nlohmann::json addrs = nlohmann::json::array();
    for (const auto& h : util::split(hosts, ',')) addrs.push_back(scheme + "://" + h);
    o["addresses"] = addrs;
    o["index"] = index;
    for (const auto& pair : util::split(query, '&')) {
        if (pair.empty()) continue;
        auto eq = pair.find('=');
        std::string key = percent_decode(pair.substr(0, eq));
        std::string value = eq == std::string::npos ? "true" : percent_decode(pair.substr(eq + 1));
        if (key == "addresses" || key == "index") throw usage_error("elasticsearch sink URL: give " + key + " in the URL itself, not as ?" + key + "=");
        if (std::find(secret_keys.begin(), secret_keys.end(), key) != secret_keys.end() && value.rfind("${", 0) != 0)
            throw usage_error("elasticsearch sink URL: " + key + " must be a ${env:NAME} or ${file:/path} reference, "
                              "not the secret itself (command lines are visible to other users)");
        if (key == "mapping" || key == "template") {
            auto j = nlohmann::json::parse(value, nullptr, false);
            if (j.is_discarded()) throw usage_error("elasticsearch sink URL: " + key + " must be JSON");
            o[key] = j;
        } else if (value == "true" || value == "false") {
            o[key] = value == "true";
        } else if (!value.empty() && value.find_first_not_of("0123456789") == std::string::npos && value.size() < 18) {
            o[key] = std::stoll(value);
        } else {
            o[key] = value;
        }
    }
    return parse_options(o, env);
}

}  // namespace meshctl::sinks::es
