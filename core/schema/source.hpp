// Where a stream's declared schema comes from: the schema registry first (subject named by the
// context's subject naming strategy), then the data product's descriptor in the catalog.
// Both are returned as JSON Schema so that `schema show`, `schema diff` and discover's
// --field can treat them alike.
#pragma once

#include "core/config/settings.hpp"
#include "core/kafka/client.hpp"

#include <nlohmann/json.hpp>

#include <optional>
#include <string>
#include <string_view>

namespace meshctl::schema {

/// A declared schema and where it was found.
struct DeclaredSchema {
    std::string source;        // "registry" | "catalog"
    std::string subject;       // registry subject, or the product name for the catalog
    int version = 0;           // registry version; 0 for the catalog
    std::int32_t id = 0;       // registry id; 0 for the catalog
    std::string type;          // AVRO | JSON | PROTOBUF
    std::string text;          // the schema as declared
    nlohmann::json json_schema;  // the same as JSON Schema (Avro converted; Protobuf best effort)
    std::string via;           // how it was found: `subject naming strategy topic`, `catalog product "orders"`, ...
};

/// The declared schema of `stream` (topic or product name): registry, then catalog.
/// Returns nullopt when neither has one. Throws meshctl::Error when a configured registry
/// is unreachable (remote) or rejects the credentials (remote, without printing them).
std::optional<DeclaredSchema> find_declared_schema(const config::Settings& settings,
                                                   const kafka::ClientSettings& client,
                                                   const std::string& stream);

/// The declared schema of `stream` from one source: `registry` (the naming strategy's
/// subject, a subject called `stream`, or the subject the catalog names) or `catalog` (the
/// product's descriptor: inline, or the registry subject it names). `version` (a number or
/// `latest`) applies to registry subjects. nullopt when that source has none; config_error
/// when it needs a registry and none is configured.
std::optional<DeclaredSchema> find_declared_schema_in(const config::Settings& settings,
                                                      const kafka::ClientSettings& client, const std::string& stream,
                                                      std::string_view source, const std::string& version = "latest");

}  // namespace meshctl::schema
