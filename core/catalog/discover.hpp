// `meshctl discover`: search the mesh, catalog products merged with live topics, in one
// cluster or in every context of the config at once (one logical mesh over clusters).
#pragma once

#include "core/catalog/history.hpp"
#include "core/catalog/search.hpp"
#include "core/config/settings.hpp"
#include "core/kafka/client.hpp"
#include "core/output/emit.hpp"

#include <optional>
#include <string>
#include <vector>

namespace meshctl::catalog {

/// One cluster to search.
struct ContextTarget {
    std::string label;  // context name (empty when no context applies)
    kafka::ClientSettings settings;
    std::string catalog_topic;
    std::optional<config::Settings> full;  // the context's settings (its schema registry), when known
};

/// One search hit.
struct Hit {
    std::string context;
    std::string name;
    std::string topic;
    std::optional<Descriptor> descriptor;  // nullopt when unmanaged
    bool topic_exists = false;
    std::string kind;           // declared, or inferred for unmanaged topics (compacted = table)
    bool kind_inferred = false;
    int partitions = 0;
    std::int64_t records = 0;
    HistoryVerdict history;
    std::optional<double> rate;  // records per second
    std::optional<std::int64_t> last_event_ms;
    std::string schema_source;  // inline, registry:SUBJECT, none
    int score = 0;
};

/// What discover found.
struct DiscoverResult : output::Result {
    std::vector<Hit> hits;
    bool show_context = false;  // --all-contexts: label hits by context
    /// An array with one object per hit (documented in meshctl-product(5)).
    nlohmann::json to_json() const override;
    void to_text(std::ostream& out, const output::TextStyle& style) const override;
};

/// Searches every target concurrently. With one target its errors propagate; with
/// several, a failing context is reported as a warning and the others still answer.
/// A query that narrows and finds nothing throws not_found_error with suggestions.
DiscoverResult discover(const std::vector<ContextTarget>& targets, const Query& query);

/// The target for the current invocation's settings.
ContextTarget current_target(const config::Settings& settings);

/// One target per context of the config file (each with its own bootstrap; the
/// MESHCTL_BOOTSTRAP / MESHCTL_CONTEXT environment is ignored). usage_error when
/// --bootstrap or --context was given too, not_found_error when there are no contexts.
std::vector<ContextTarget> all_context_targets(const config::GlobalOptions& options, const config::Getenv& env);

}  // namespace meshctl::catalog
