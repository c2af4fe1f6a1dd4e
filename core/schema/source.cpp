#include "core/schema/source.hpp"

#include "core/catalog/store.hpp"
#include "core/error.hpp"
#include "core/kafka/admin.hpp"
#include "core/schema/json_schema.hpp"
#include "core/schema/registry.hpp"
#include "core/util/log.hpp"

#include <stdexcept>

namespace meshctl::schema {

namespace {

DeclaredSchema from_version(const SubjectVersion& v, std::string via) {
    DeclaredSchema d;
    d.source = "registry";
    d.subject = v.subject;
    d.version = v.version;
    d.id = v.id;
    d.type = v.type;
    d.text = v.text;
    d.via = std::move(via);
    try {
        d.json_schema = to_json_schema(v.type, v.text);
    } catch (const std::invalid_argument& e) {
        // Avro with references to other subjects, say: the declared text still shows.
        d.json_schema = {{"$schema", json_schema_draft}, {"$comment", std::string("not converted: ") + e.what()}};
    }
    return d;
}

std::optional<Registry> maybe_registry(const config::Settings& settings) {
    if (!registry_configured(settings)) return std::nullopt;
    return open_registry(settings);
}

Error no_registry(const std::string& why) {
    return config_error(why + " but no schema registry is configured",
                        "give --registry URL, set MESHCTL_REGISTRY, or add registry: URL to the context");
}

/// The catalog's declaration of `stream` (by product name, then by topic).
std::optional<DeclaredSchema> from_catalog(const config::Settings& settings, const kafka::ClientSettings& client,
                                           const std::string& stream, Registry* registry, SubjectStrategy strategy,
                                           const std::string& version) {
    kafka::Admin admin(client);
    auto snapshot = catalog::read_catalog(admin, admin.metadata(), settings.catalog_topic);
    const catalog::CatalogEntry* entry = snapshot.find(stream);
    if (!entry) entry = snapshot.find_by_topic(stream);
    if (!entry) return std::nullopt;
    const auto& desc = entry->descriptor;
    std::string product = "catalog product \"" + desc.name + "\"";
    switch (desc.schema.source) {
        case catalog::SchemaRef::Source::inline_schema: {
            DeclaredSchema d;
            d.source = "catalog";
            d.subject = desc.name;
            d.type = "JSON";
            d.text = desc.schema.inline_schema.dump();
            d.json_schema = nlohmann::json::parse(d.text);
            d.via = product;
            return d;
        }
        case catalog::SchemaRef::Source::registry:
            if (!registry) throw no_registry(product + " names registry subject \"" + desc.schema.subject + "\"");
            return from_version(registry->version(desc.schema.subject, version), product);
        case catalog::SchemaRef::Source::none: break;
    }
    // A product named differently from its topic: the registry may know the topic.
    if (registry && desc.topic != stream) {
        std::string via;
        if (auto subject = find_subject(*registry, strategy, desc.topic, &via))
            return from_version(registry->version(*subject, version), via + " on the topic of " + product);
    }
    return std::nullopt;
}

}  // namespace

std::optional<DeclaredSchema> find_declared_schema(const config::Settings& settings, const kafka::ClientSettings& client,
                                                   const std::string& stream) {
    auto strategy = parse_subject_strategy(settings.subject_strategy, "subject-strategy in the context");
    auto registry = maybe_registry(settings);
    if (registry) {
        std::string via;
        if (auto subject = find_subject(*registry, strategy, stream, &via))
            return from_version(registry->version(*subject, "latest"), via);
    }
    return from_catalog(settings, client, stream, registry ? &*registry : nullptr, strategy, "latest");
}

std::optional<DeclaredSchema> find_declared_schema_in(const config::Settings& settings, const kafka::ClientSettings& client,
                                                      const std::string& stream, std::string_view source,
                                                      const std::string& version) {
    auto strategy = parse_subject_strategy(settings.subject_strategy, "subject-strategy in the context");
    auto registry = maybe_registry(settings);
    Registry* reg = registry ? &*registry : nullptr;
    if (source == "catalog") return from_catalog(settings, client, stream, reg, strategy, version);
    if (source != "registry") throw usage_error("unknown schema source \"" + std::string(source) + "\"");
    if (!reg) throw no_registry("the registry was asked for the schema of \"" + stream + "\"");
    std::string via;
    if (auto subject = find_subject(*reg, strategy, stream, &via)) return from_version(reg->version(*subject, version), via);
    try {
        if (auto d = from_catalog(settings, client, stream, reg, strategy, version); d && d->source == "registry") return d;
    } catch (const Error& e) {
        // The catalog only helps name the subject; without the cluster the answer is "not found".
        if (e.kind() != ErrorKind::remote) throw;
        log::debug(std::string("schema: catalog not read: ") + e.what());
    }
    return std::nullopt;
}

}  // namespace meshctl::schema
