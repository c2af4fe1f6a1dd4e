#include "core/schema/registry.hpp"

#include "core/error.hpp"
#include "core/util/log.hpp"
#include "core/util/redact.hpp"
#include "core/util/text.hpp"

#include <nlohmann/json.hpp>

#include <algorithm>
#include <cctype>
#include <mutex>
#include <unordered_map>

namespace meshctl::schema {

SubjectStrategy parse_subject_strategy(std::string_view text, std::string_view what) {
    std::string t = util::lower(util::trim(text));
    if (auto dot = t.rfind('.'); dot != std::string::npos) t = t.substr(dot + 1);  // Confluent class names
    if (t.empty() || t == "topic" || t == "topicnamestrategy") return SubjectStrategy::topic;
    if (t == "record" || t == "recordnamestrategy") return SubjectStrategy::record;
    if (t == "topic-record" || t == "topicrecordnamestrategy") return SubjectStrategy::topic_record;
    throw usage_error(std::string(what) + ": unknown subject naming strategy \"" + std::string(text) + "\"" +
                          util::did_you_mean(t, {"topic", "record", "topic-record"}),
                      "use topic (<topic>-value), record (<record name>) or topic-record (<topic>-<record name>)");
}

std::string to_string(SubjectStrategy strategy) {
    switch (strategy) {
        case SubjectStrategy::topic: return "topic";
        case SubjectStrategy::record: return "record";
        case SubjectStrategy::topic_record: return "topic-record";
    }
    return "topic";
}

std::string value_subject(SubjectStrategy strategy, const std::string& topic, const std::string& record_name) {
    switch (strategy) {
        case SubjectStrategy::topic: return topic + "-value";
        case SubjectStrategy::record: return record_name;
        case SubjectStrategy::topic_record: return record_name.empty() ? std::string() : topic + "-" + record_name;
    }
    return {};
}

std::string encode_path_segment(std::string_view segment) {
    static const char* hex = "0123456789ABCDEF";
    std::string out;
    for (unsigned char c : segment) {
        if (std::isalnum(c) || c == '-' || c == '_' || c == '.' || c == '~') {
            out += static_cast<char>(c);
        } else {
            out += '%';
            out += hex[c >> 4];
            out += hex[c & 15];
        }
    }
    return out;
}

namespace {

constexpr const char* content_type = "application/vnd.schemaregistry.v1+json";

/// The registry's error body: {"error_code": 40401, "message": "..."}.
struct RegistryError {
    int code = 0;
    std::string message;
};

RegistryError parse_error(const http::Response& r) {
    RegistryError e;
    auto j = nlohmann::json::parse(r.body, nullptr, false);
    if (j.is_object()) {
        if (auto it = j.find("error_code"); it != j.end() && it->is_number_integer()) e.code = it->get<int>();
        if (auto it = j.find("message"); it != j.end() && it->is_string()) e.message = it->get<std::string>();
    }
    if (e.message.empty()) e.message = r.body.substr(0, 300);
    return e;
}

nlohmann::json parse_body(const http::Request& req, const http::Response& r) {
    auto j = nlohmann::json::parse(r.body, nullptr, false);
    if (j.is_discarded())
        throw remote_error("the schema registry answered " + req.method + " " + http::safe_url(req.url) +
                               " with a body that is not JSON",
                           "check that the registry URL points at the API root (for Apicurio: .../apis/ccompat/v7)");
    return j;
}

std::string schema_body(const std::string& text, const std::string& type) {
    nlohmann::json body = {{"schema", text}};
    // Older registries know only Avro and reject the field, so it is sent only when needed.
    if (!type.empty() && type != "AVRO") body["schemaType"] = type;
    return body.dump();
}

}  // namespace

struct Registry::Impl {
    std::string base;
    std::unique_ptr<http::Transport> transport;

    http::Response perform(http::Request req) {
        auto ticket = transport->submit(std::move(req));
        for (;;) {
            for (auto& c : transport->poll(std::chrono::milliseconds(200)))
                if (c.ticket == ticket) return std::move(c.response);
        }
    }

    /// Sends a request; transport failures and rejected credentials throw here, every
    /// other status is for the caller to read.
    std::pair<http::Request, http::Response> call(const std::string& method, const std::string& path,
                                                  std::string body = {}) {
        http::Request req;
        req.method = method;
        req.url = base + path;
        if (!body.empty()) {
            req.content_type = content_type;
            req.body = std::move(body);
        }
        log::debug("schema registry: " + method + " " + http::safe_url(req.url));
        http::Response resp = perform(req);
        if (!resp.error.empty())
            throw remote_error("cannot reach the schema registry at " + http::safe_url(base) + ": " +
                                   util::redact(resp.error) + " (" + method + " " + path + ")",
                               "check the registry URL (--registry, MESHCTL_REGISTRY or the context's registry) and "
                               "that the registry is running");
        if (resp.status == 401 || resp.status == 403)
            throw remote_error("the schema registry at " + http::safe_url(base) + " rejected the credentials (HTTP " +
                                   std::to_string(resp.status) + " on " + method + " " + path + ")",
                               "check registry-auth (username and password, or token) in the context; keep them in "
                               "${env:NAME} or ${file:/path} references");
        return {std::move(req), std::move(resp)};
    }

    [[noreturn]] static void fail(const std::string& what, const http::Request& req, const http::Response& resp) {
        auto e = parse_error(resp);
        throw remote_error("schema registry: " + what + " failed on " + req.method + " " + http::safe_url(req.url) +
                           ": HTTP " + std::to_string(resp.status) + (e.message.empty() ? "" : ": " + util::redact(e.message)));
    }

    std::vector<std::string> subjects() {
        auto [req, resp] = call("GET", "/subjects");
        if (!resp.ok()) fail("listing subjects", req, resp);
        auto j = parse_body(req, resp);
        std::vector<std::string> out;
        if (j.is_array())
            for (const auto& s : j)
                if (s.is_string()) out.push_back(s.get<std::string>());
        std::sort(out.begin(), out.end());
        return out;
    }

    /// not_found for a subject, with the closest names the registry holds.
    Error subject_not_found(const std::string& subject) {
        std::vector<std::string> all;
        try {
            all = subjects();
        } catch (const Error&) {
            // The suggestion is a nicety; the not-found answer stands without it.
        }
        return not_found_error("subject \"" + subject + "\" not found in the schema registry at " +
                                   http::safe_url(base) + util::did_you_mean(subject, all),
                               "list subjects with: meshctl schema list");
    }
};

Registry::Registry(std::string base_url, std::unique_ptr<http::Transport> transport) : impl_(std::make_unique<Impl>()) {
    while (!base_url.empty() && base_url.back() == '/') base_url.pop_back();
    impl_->base = std::move(base_url);
    impl_->transport = std::move(transport);
}

Registry::~Registry() = default;
Registry::Registry(Registry&&) noexcept = default;
Registry& Registry::operator=(Registry&&) noexcept = default;

std::string Registry::url() const { return http::safe_url(impl_->base); }

std::vector<std::string> Registry::subjects() { return impl_->subjects(); }

std::vector<int> Registry::versions(const std::string& subject) {
    auto [req, resp] = impl_->call("GET", "/subjects/" + encode_path_segment(subject) + "/versions");
    if (resp.status == 404) throw impl_->subject_not_found(subject);
    if (!resp.ok()) Impl::fail("listing versions of \"" + subject + "\"", req, resp);
    auto j = parse_body(req, resp);
    std::vector<int> out;
    if (j.is_array())
        for (const auto& v : j)
            if (v.is_number_integer()) out.push_back(v.get<int>());
    std::sort(out.begin(), out.end());
    return out;
}

SubjectVersion Registry::version(const std::string& subject, const std::string& version) {
    long long n = 0;
    if (version != "latest" && !(util::parse_int64(version, n) && n > 0))
        throw usage_error("version \"" + version + "\": expected a positive number or latest");
    auto [req, resp] =
        impl_->call("GET", "/subjects/" + encode_path_segment(subject) + "/versions/" + encode_path_segment(version));
    if (resp.status == 404) {
        auto e = parse_error(resp);
        // 40402 (version not found) needs the subject to exist; anything else is the subject.
        if (e.code == 40402 || (e.code != 40401 && version != "latest")) {
            std::vector<int> known;
            try {
                known = versions(subject);
            } catch (const Error& inner) {
                if (inner.kind() == ErrorKind::not_found) throw;
            }
            std::string list;
            for (int v : known) list += (list.empty() ? "" : ", ") + std::to_string(v);
            throw not_found_error("version " + version + " of subject \"" + subject + "\" not found in the schema registry at " +
                                      http::safe_url(impl_->base),
                                  known.empty() ? "the subject has no versions" : "its versions are: " + list);
        }
        throw impl_->subject_not_found(subject);
    }
    if (!resp.ok()) Impl::fail("reading version " + version + " of \"" + subject + "\"", req, resp);
    auto j = parse_body(req, resp);
    SubjectVersion v;
    v.subject = j.value("subject", subject);
    v.version = j.value("version", 0);
    v.id = j.value("id", 0);
    v.type = j.value("schemaType", std::string("AVRO"));
    v.text = j.value("schema", std::string());
    if (auto it = j.find("references"); it != j.end() && it->is_array())
        for (const auto& r : *it)
            v.references.push_back(r.value("name", std::string()) + " -> " + r.value("subject", std::string()) + "@" +
                                   std::to_string(r.value("version", 0)));
    return v;
}

std::optional<RegisteredSchema> Registry::schema_by_id(std::int32_t id) {
    auto [req, resp] = impl_->call("GET", "/schemas/ids/" + std::to_string(id));
    if (resp.status == 404) return std::nullopt;
    if (!resp.ok()) Impl::fail("reading schema id " + std::to_string(id), req, resp);
    auto j = parse_body(req, resp);
    RegisteredSchema s;
    s.id = id;
    s.type = j.value("schemaType", std::string("AVRO"));
    s.text = j.value("schema", std::string());
    return s;
}

Compatibility Registry::check_compatibility(const std::string& subject, const std::string& text, const std::string& type) {
    auto [req, resp] = impl_->call("POST", "/compatibility/subjects/" + encode_path_segment(subject) + "/versions/latest?verbose=true",
                                   schema_body(text, type));
    if (resp.status == 404) throw impl_->subject_not_found(subject);
    if (resp.status == 422 || resp.status == 400)
        throw usage_error("the schema registry rejected the proposed schema as invalid: " + parse_error(resp).message,
                          "check the file, and --type when it is not " + type);
    Compatibility c;
    if (resp.status == 409) {  // some registries answer an incompatible check like an incompatible registration
        c.messages.push_back(parse_error(resp).message);
        return c;
    }
    if (!resp.ok()) Impl::fail("checking compatibility with \"" + subject + "\"", req, resp);
    auto j = parse_body(req, resp);
    c.compatible = j.value("is_compatible", false);
    if (auto it = j.find("messages"); it != j.end() && it->is_array())
        for (const auto& m : *it) c.messages.push_back(m.is_string() ? m.get<std::string>() : m.dump());
    // Apicurio gives one `reason` instead of Confluent's `messages`.
    if (auto it = j.find("reason"); it != j.end() && it->is_string() && !it->get<std::string>().empty())
        c.messages.push_back(it->get<std::string>());
    return c;
}

std::string Registry::compatibility_level(const std::string& subject) {
    auto level_of = [](const nlohmann::json& j) {
        for (const char* k : {"compatibilityLevel", "compatibility"})
            if (auto it = j.find(k); it != j.end() && it->is_string()) return it->get<std::string>();
        return std::string();
    };
    if (!subject.empty()) {
        auto [req, resp] = impl_->call("GET", "/config/" + encode_path_segment(subject));
        if (resp.ok()) {
            if (auto level = level_of(parse_body(req, resp)); !level.empty()) return level;
        } else if (resp.status != 404) {
            Impl::fail("reading the configuration of \"" + subject + "\"", req, resp);
        }
    }
    auto [req, resp] = impl_->call("GET", "/config");
    if (!resp.ok()) Impl::fail("reading the global configuration", req, resp);
    return level_of(parse_body(req, resp));
}

void Registry::set_compatibility_level(const std::string& subject, const std::string& level) {
    auto [req, resp] = impl_->call("PUT", subject.empty() ? "/config" : "/config/" + encode_path_segment(subject),
                                   nlohmann::json{{"compatibility", level}}.dump());
    if (!resp.ok()) Impl::fail("setting the compatibility level", req, resp);
}

std::int32_t Registry::register_schema(const std::string& subject, const std::string& text, const std::string& type) {
    auto [req, resp] = impl_->call("POST", "/subjects/" + encode_path_segment(subject) + "/versions", schema_body(text, type));
    if (resp.status == 409)
        throw check_failed("the schema is not compatible with subject \"" + subject + "\": " + parse_error(resp).message);
    if (resp.status == 422)
        throw usage_error("the schema registry rejected the schema as invalid: " + parse_error(resp).message);
    if (!resp.ok()) Impl::fail("registering a schema under \"" + subject + "\"", req, resp);
    return parse_body(req, resp).value("id", 0);
}

std::optional<std::string> find_subject(Registry& registry, SubjectStrategy strategy, const std::string& stream,
                                        std::string* via) {
    auto all = registry.subjects();
    auto has = [&](const std::string& s) { return std::binary_search(all.begin(), all.end(), s); };
    auto found = [&](std::string subject, std::string how) -> std::optional<std::string> {
        if (via) *via = std::move(how);
        return subject;
    };
    std::string rule = "subject naming strategy " + to_string(strategy);
    if (strategy == SubjectStrategy::topic) {
        if (auto s = value_subject(strategy, stream); has(s)) return found(s, rule);
    } else if (strategy == SubjectStrategy::topic_record) {
        std::vector<std::string> matches;
        for (const auto& s : all)
            if (s.size() > stream.size() + 1 && s.compare(0, stream.size() + 1, stream + "-") == 0 &&
                s != stream + "-key" && s != stream + "-value")
                matches.push_back(s);
        if (matches.size() == 1) return found(matches[0], rule);
        if (matches.size() > 1) {
            std::string list;
            for (const auto& m : matches) list += (list.empty() ? "" : ", ") + m;
            throw usage_error("several subjects follow the topic-record strategy for \"" + stream + "\": " + list,
                              "name the subject itself, e.g. meshctl schema show " + matches[0]);
        }
    }
    if (has(stream)) return found(stream, "subject name");
    return std::nullopt;
}

bool registry_configured(const config::Settings& settings) {
    return settings.registry && !settings.registry->value.empty();
}

http::ClientOptions registry_http_options(const config::Settings& settings) {
    http::ClientOptions o;
    if (!settings.registry_token.empty()) {
        o.auth.kind = http::Auth::Kind::bearer;
        o.auth.token = settings.registry_token;
    } else if (!settings.registry_username.empty()) {
        o.auth.kind = http::Auth::Kind::basic;
        o.auth.username = settings.registry_username;
        o.auth.password = settings.registry_password;
    }
    o.ca_file = settings.registry_ca_file;
    o.verify = !settings.tls_insecure;
    o.timeout = settings.timeout;
    o.connect_timeout = std::min(o.connect_timeout, settings.timeout);
    o.max_connections_per_host = 2;
    return o;
}

Registry open_registry(const config::Settings& settings) {
    if (!registry_configured(settings))
        throw config_error("no schema registry is configured",
                           "give --registry URL, set MESHCTL_REGISTRY, or add registry: URL to the context");
    auto options = registry_http_options(settings);
    if (!options.verify)
        log::warn("schema registry: tls-insecure is set: TLS certificates and host names are NOT verified");
    return Registry(settings.registry->value, std::make_unique<http::Client>(std::move(options)));
}

SchemaById registry_lookup(const config::Settings& settings) {
    if (!registry_configured(settings)) return {};
    struct Shared {
        explicit Shared(Registry r) : registry(std::move(r)) {}
        std::mutex mutex;
        Registry registry;
        std::unordered_map<std::int32_t, std::optional<RegisteredSchema>> cache;
    };
    auto shared = std::make_shared<Shared>(open_registry(settings));
    return [shared](std::int32_t id) -> std::optional<RegisteredSchema> {
        std::lock_guard lock(shared->mutex);
        // Decoders cache per thread; this cache spares the other threads the same request.
        if (auto it = shared->cache.find(id); it != shared->cache.end()) return it->second;
        auto s = shared->registry.schema_by_id(id);
        shared->cache.emplace(id, s);
        return s;
    };
}

}  // namespace meshctl::schema
