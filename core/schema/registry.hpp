// A client for the Confluent Schema Registry REST API (also served by Apicurio, Karapace and
// Redpanda): subjects, versions, schemas by id, compatibility checks and configuration.
// Requests go through an http::Transport so unit tests can answer them without a server.
//
// Errors speak the registry's language to the user: an unreachable registry is a remote
// error naming the URL and the cause; HTTP 401/403 says the credentials were rejected
// (never what they were); an unknown subject or version is not_found with suggestions.
#pragma once

#include "core/config/settings.hpp"
#include "core/http/client.hpp"
#include "core/schema/decoder.hpp"

#include <cstdint>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace meshctl::schema {

/// How a topic's value schema is named in the registry (Confluent's subject name strategies).
enum class SubjectStrategy {
    topic,         // TopicNameStrategy: `<topic>-value` (the default)
    record,        // RecordNameStrategy: the record's full name, e.g. `com.acme.Order`
    topic_record,  // TopicRecordNameStrategy: `<topic>-<record full name>`
};

/// Parses `topic`, `record`, `topic-record` (or Confluent's class names); empty means topic.
/// Throws usage_error naming `what` (the flag or setting) otherwise.
SubjectStrategy parse_subject_strategy(std::string_view text, std::string_view what = "--subject-strategy");

/// `topic`, `record` or `topic-record`.
std::string to_string(SubjectStrategy strategy);

/// The value subject of `topic` under `strategy`; the record strategies need the record's
/// full name and return an empty string without one.
std::string value_subject(SubjectStrategy strategy, const std::string& topic, const std::string& record_name = {});

/// One version of a subject, as the registry returns it.
struct SubjectVersion {
    std::string subject;
    int version = 0;
    std::int32_t id = 0;
    std::string type = "AVRO";  // AVRO | JSON | PROTOBUF
    std::string text;           // the schema document
    std::vector<std::string> references;  // `name -> subject@version` of referenced schemas
};

/// The answer to a compatibility check.
struct Compatibility {
    bool compatible = false;
    std::vector<std::string> messages;  // the registry's reasons, when it gives them
};

/// The registry's REST API over a transport. Not thread-safe (one transport, one caller).
class Registry {
public:
    /// `base_url` is the API root (e.g. `http://registry:8081` or `.../apis/ccompat/v7`).
    Registry(std::string base_url, std::unique_ptr<http::Transport> transport);
    ~Registry();
    Registry(Registry&&) noexcept;
    Registry& operator=(Registry&&) noexcept;

    /// The API root without credentials, for messages.
    std::string url() const;

    /// GET /subjects.
    std::vector<std::string> subjects();
    /// GET /subjects/{subject}/versions; not_found (with suggestions) for an unknown subject.
    std::vector<int> versions(const std::string& subject);
    /// GET /subjects/{subject}/versions/{version}; `version` is a number or `latest`.
    SubjectVersion version(const std::string& subject, const std::string& version = "latest");
    /// GET /schemas/ids/{id}; nullopt when the registry has no such id.
    std::optional<RegisteredSchema> schema_by_id(std::int32_t id);
    /// POST /compatibility/subjects/{subject}/versions/latest with `text` of `type`.
    /// not_found when the subject has no versions; usage error when the schema is invalid.
    Compatibility check_compatibility(const std::string& subject, const std::string& text, const std::string& type);
    /// The compatibility level of `subject` (GET /config/{subject}), falling back to the
    /// global one (GET /config) when the subject has none; empty subject = global.
    std::string compatibility_level(const std::string& subject = {});
    /// PUT /config[/{subject}]: sets a compatibility level (BACKWARD, FULL, NONE, ...).
    void set_compatibility_level(const std::string& subject, const std::string& level);
    /// POST /subjects/{subject}/versions: registers a schema and returns its id. An
    /// incompatible schema is check_failed.
    std::int32_t register_schema(const std::string& subject, const std::string& text, const std::string& type);

private:
    struct Impl;
    std::unique_ptr<Impl> impl_;
};

/// True when a schema registry URL is configured (flag, environment or context).
bool registry_configured(const config::Settings& settings);

/// HTTP options for the registry from the settings: auth (bearer token over basic), CA
/// file, TLS verification, timeouts.
http::ClientOptions registry_http_options(const config::Settings& settings);

/// A registry client over libcurl for the configured URL; config_error when none is configured.
Registry open_registry(const config::Settings& settings);

/// A schema-by-id lookup backed by the configured registry (thread-safe, for Decoder);
/// an empty function when no registry is configured.
SchemaById registry_lookup(const config::Settings& settings);

/// The subject holding the value schema of `stream` (a topic): the one `strategy` names,
/// else a subject called exactly `stream`; nullopt when the registry has neither. With the
/// topic-record strategy, several `<topic>-<record>` subjects are a usage error. `via` says
/// which rule matched.
std::optional<std::string> find_subject(Registry& registry, SubjectStrategy strategy, const std::string& stream,
                                        std::string* via = nullptr);

/// Percent-encodes one URL path segment (subject names may hold `/`, spaces, ...).
std::string encode_path_segment(std::string_view segment);

}  // namespace meshctl::schema
