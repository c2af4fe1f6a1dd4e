// The operations behind `schema list`, `schema versions`, `schema show` and `schema check`,
// each returning a result with a JSON and a text form.
#pragma once

#include "core/config/settings.hpp"
#include "core/kafka/client.hpp"
#include "core/output/emit.hpp"
#include "core/schema/source.hpp"

#include <filesystem>
#include <functional>
#include <optional>
#include <string>
#include <vector>

namespace meshctl::schema {

/// `schema list`: the registry's subjects.
struct SubjectList : output::Result {
    std::string registry;  // URL without credentials
    std::vector<std::string> subjects;
    /// {"registry", "subjects": [...]}.
    nlohmann::json to_json() const override;
    /// One subject per line.
    void to_text(std::ostream& out, const output::TextStyle& style) const override;
};

/// Lists subjects; config_error when no registry is configured.
SubjectList list_subjects(const config::Settings& settings);

/// `schema versions`: the versions of one subject.
struct VersionList : output::Result {
    /// One version.
    struct Entry {
        int version = 0;
        std::int32_t id = 0;
        std::string type;
    };
    std::string subject;
    std::vector<Entry> versions;
    /// {"subject", "versions": [{"version", "id", "type"}]}.
    nlohmann::json to_json() const override;
    /// A table of version, id and type.
    void to_text(std::ostream& out, const output::TextStyle& style) const override;
};

/// Lists the versions of `subject` with their ids and types; not_found with suggestions.
VersionList list_versions(const config::Settings& settings, const std::string& subject);

/// What `schema show` looks for.
struct ShowOptions {
    std::string stream;
    std::string version = "latest";  // registry version (a number or latest)
    std::string source;              // empty = registry, catalog, then inference; else registry|catalog|inferred
    bool as_json_schema = false;     // text form: the JSON Schema instead of the declared document
    /// Infers a JSON Schema from the stream's events (for the inferred source); may be empty.
    std::function<nlohmann::json()> infer;
};

/// `schema show`: one schema and where it came from.
struct ShownSchema : output::Result {
    std::string stream;
    DeclaredSchema schema;  // source is registry, catalog or inferred
    bool as_json_schema = false;
    /// {"stream", "source", "via", "subject", "version", "id", "type", "schema", "json_schema"}.
    nlohmann::json to_json() const override;
    /// The schema document, pretty-printed (declared form, or JSON Schema when asked).
    void to_text(std::ostream& out, const output::TextStyle& style) const override;
    /// One line naming the source, for stderr: `registry subject orders-value version 3 (id 12, AVRO)`.
    std::string provenance() const;
};

/// Finds the schema to show; not_found when no source has one.
ShownSchema show_schema(const config::Settings& settings, const kafka::ClientSettings& client, const ShowOptions& options);

/// What `schema check` compares.
struct CheckOptions {
    std::string stream;
    std::filesystem::path file;
    std::string type;  // AVRO | JSON | PROTOBUF; empty = from the file (.avsc, .proto, content), else the subject's
};

/// `schema check`: whether a proposed schema may be registered as the next version.
struct CheckResult : output::Result {
    std::string stream, subject, via, file, type, level;
    bool compatible = false;
    std::vector<std::string> messages;
    /// {"stream", "subject", "file", "type", "compatibility_level", "compatible", "messages"}.
    nlohmann::json to_json() const override;
    /// A verdict line and the registry's messages.
    void to_text(std::ostream& out, const output::TextStyle& style) const override;
};

/// Asks the registry whether the file's schema is compatible with the stream's subject
/// (the caller turns an incompatible answer into exit 4). usage_error for an unreadable
/// file, not_found when the registry has no subject for the stream.
CheckResult check_schema(const config::Settings& settings, const kafka::ClientSettings& client, const CheckOptions& options);

/// The registry type of a schema document: AVRO, JSON or PROTOBUF from the file name and
/// content; empty when it cannot tell.
std::string detect_schema_type(const std::filesystem::path& file, std::string_view text);

}  // namespace meshctl::schema
