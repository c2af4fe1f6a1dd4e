#include "core/catalog/registry_fields.hpp"

#include "core/error.hpp"
#include "core/schema/json_schema.hpp"
#include "core/schema/registry.hpp"
#include "core/util/log.hpp"

#include <set>

namespace meshctl::catalog {

void attach_registry(std::vector<SearchEntry>& entries, const config::Settings& settings, bool with_fields) {
    if (!schema::registry_configured(settings)) return;
    try {
        auto registry = schema::open_registry(settings);
        auto subjects = registry.subjects();
        std::set<std::string> known(subjects.begin(), subjects.end());
        auto strategy = schema::parse_subject_strategy(settings.subject_strategy, "subject-strategy");
        for (auto& e : entries) {
            std::string subject;
            if (e.descriptor && e.descriptor->schema.source == SchemaRef::Source::registry) subject = e.descriptor->schema.subject;
            else if (strategy == schema::SubjectStrategy::topic) subject = schema::value_subject(strategy, e.topic);
            if (subject.empty() || !known.count(subject)) continue;
            e.registry_subject = subject;
            if (!with_fields) continue;
            try {
                auto latest = registry.version(subject, "latest");
                auto js = schema::to_json_schema(latest.type, latest.text);
                e.registry_fields = json_schema_fields(nlohmann::ordered_json::parse(js.dump()));
            } catch (const std::exception& ex) {
                log::warn("registry subject \"" + subject + "\": " + ex.what() + "; its fields are not searched");
            }
        }
    } catch (const Error& ex) {
        log::warn(std::string(ex.what()) + "; searching without the registry's schemas");
    }
}

}  // namespace meshctl::catalog
