#include "core/catalog/discover.hpp"
#include "core/catalog/registry_fields.hpp"

#include "core/catalog/store.hpp"
#include "core/config/config_file.hpp"
#include "core/error.hpp"
#include "core/kafka/admin.hpp"
#include "core/output/table.hpp"
#include "core/util/log.hpp"
#include "core/util/text.hpp"
#include "core/util/time.hpp"

#include <future>
#include <set>

namespace meshctl::catalog {

nlohmann::json DiscoverResult::to_json() const {
    nlohmann::json arr = nlohmann::json::array();
    for (const auto& h : hits) {
        nlohmann::ordered_json j;
        j["context"] = h.context;
        j["name"] = h.name;
        j["managed"] = h.descriptor.has_value();
        j["topic"] = h.topic;
        j["topic_exists"] = h.topic_exists;
        j["kind"] = h.kind;
        j["kind_inferred"] = h.kind_inferred;
        j["domain"] = h.descriptor ? nlohmann::ordered_json(h.descriptor->domain) : nlohmann::ordered_json();
        j["owner"] = h.descriptor ? nlohmann::ordered_json{{"team", h.descriptor->owner.team}, {"contact", h.descriptor->owner.contact}}
                                  : nlohmann::ordered_json();
        j["description"] = h.descriptor ? h.descriptor->description : "";
        j["tags"] = h.descriptor ? h.descriptor->tags : std::vector<std::string>{};
        j["history"] = h.history.to_json();
        j["partitions"] = h.partitions;
        j["records"] = h.records;
        j["rate_per_second"] = h.rate ? nlohmann::ordered_json(*h.rate) : nlohmann::ordered_json();
        j["last_event"] = h.last_event_ms ? nlohmann::ordered_json(util::format_iso8601_ms(*h.last_event_ms)) : nlohmann::ordered_json();
        j["schema_source"] = h.schema_source;
        j["score"] = h.score;
        arr.push_back(nlohmann::json(j));
    }
    return arr;
}

void DiscoverResult::to_text(std::ostream& out, const output::TextStyle& style) const {
    std::vector<std::string> headers = {"name", "kind", "owner", "history", "partitions", "rate", "schema"};
    if (show_context) headers.insert(headers.begin(), "context");
    output::Table t(headers);
    std::size_t off = show_context ? 1 : 0;
    t.align_right(off + 4);
    t.align_right(off + 5);
    for (const auto& h : hits) {
        std::vector<std::string> row = {h.name, h.kind + (h.kind_inferred ? "?" : ""),
                                        h.descriptor ? h.descriptor->owner.team : "(unmanaged)", h.history.label(),
                                        h.topic_exists ? std::to_string(h.partitions) : "-", format_rate(h.rate),
                                        h.schema_source};
        if (show_context) row.insert(row.begin(), h.context);
        t.add_row(std::move(row));
    }
    t.render(out, style);
}

namespace {

struct ContextAnswer {
    std::vector<Hit> hits;
    std::vector<std::string> pool;  // suggestions when nothing matched
};

std::vector<std::string> visible_topics(const kafka::ClusterMetadata& md, bool include_internal) {
    std::vector<std::string> out;
    for (const auto& t : md.topics)
        if (include_internal || !t.internal()) out.push_back(t.name);
    return out;
}

ContextAnswer search_one(const ContextTarget& target, const Query& q) {
    kafka::Admin admin(target.settings);
    auto md = admin.metadata();
    CollectOptions opts;
    opts.read_budget = std::min<std::chrono::milliseconds>(target.settings.timeout, std::chrono::milliseconds(5000));

    // A plain listing needs every visible topic's stats: start them while the catalog is read.
    std::future<std::map<std::string, TopicStats>> early;
    if (!q.narrows())
        early = std::async(std::launch::async, [&] { return collect_stats(admin, md, visible_topics(md, q.include_internal), opts); });

    CatalogSnapshot snap;
    try {
        snap = read_catalog(admin, md, target.catalog_topic);
    } catch (const Error& e) {
        log::warn(std::string(e.what()) + "; showing live topics only");
    }
    std::vector<const Descriptor*> products;
    for (const auto& [name, e] : snap.entries) products.push_back(&e.descriptor);
    auto entries = merge_entries(products, md.topic_names(), q.include_internal);
    // Registered schemas are searched too; their fields are fetched only when a search needs them.
    if (target.full) attach_registry(entries, *target.full, q.field.has_value() || !q.terms.empty());
    auto ranked = rank(entries, q);

    ContextAnswer answer;
    if (ranked.empty()) {
        if (early.valid()) early.wait();
        answer.pool = suggestion_pool(entries, q);
        return answer;
    }
    std::map<std::string, TopicStats> stats = early.valid() ? early.get() : std::map<std::string, TopicStats>{};
    std::vector<std::string> missing;
    std::set<std::string> wanted;
    for (const auto& r : ranked) {
        const auto& e = entries[r.index];
        if (e.topic_exists && !stats.count(e.topic) && wanted.insert(e.topic).second) missing.push_back(e.topic);
    }
    if (!missing.empty()) stats.merge(collect_stats(admin, md, missing, opts));

    for (const auto& r : ranked) {
        const auto& e = entries[r.index];
        Hit h;
        h.context = target.label;
        h.name = e.name;
        h.topic = e.topic;
        h.score = r.score;
        h.topic_exists = e.topic_exists;
        if (e.descriptor) {
            h.descriptor = *e.descriptor;
            h.kind = to_string(e.descriptor->kind);
            h.schema_source = schema_source_label(e.descriptor->schema);
        } else {
            h.schema_source = e.registry_subject.empty() ? "none" : "registry:" + e.registry_subject;
        }
        auto it = stats.find(e.topic);
        if (!e.topic_exists || it == stats.end()) {
            h.history.mode = HistoryVerdict::Mode::missing;
            h.history.reason = "topic \"" + e.topic + "\" does not exist in this cluster";
            if (h.kind.empty()) h.kind = "events";
        } else {
            const TopicStats& s = it->second;
            h.partitions = static_cast<int>(s.partitions.size());
            h.records = s.records();
            h.history = history_verdict(s, e.descriptor ? e.descriptor->history : HistoryMode::unspecified);
            h.rate = estimate_rate(s);
            h.last_event_ms = s.last_event_ms();
            if (!e.descriptor) {
                h.kind = h.history.mode == HistoryVerdict::Mode::compacted ? "table" : "events";
                h.kind_inferred = true;
            }
        }
        answer.hits.push_back(std::move(h));
    }
    return answer;
}

std::string describe_query(const Query& q) {
    std::string s;
    for (const auto& t : q.terms) s += (s.empty() ? "" : " ") + t;
    if (!s.empty()) s = "\"" + s + "\"";
    auto add = [&](const char* flag, const std::optional<std::string>& v) {
        if (v) s += (s.empty() ? "" : " ") + std::string(flag) + " " + *v;
    };
    add("--owner", q.owner);
    add("--domain", q.domain);
    add("--tag", q.tag);
    add("--field", q.field);
    return s;
}

}  // namespace

DiscoverResult discover(const std::vector<ContextTarget>& targets, const Query& q) {
    DiscoverResult result;
    result.show_context = targets.size() > 1;
    std::vector<ContextAnswer> answers(targets.size());
    if (targets.size() == 1) {
        answers[0] = search_one(targets[0], q);
    } else {
        std::vector<std::future<ContextAnswer>> futures;
        for (const auto& t : targets) futures.push_back(std::async(std::launch::async, [&t, &q] { return search_one(t, q); }));
        std::optional<Error> first_error;
        std::size_t failed = 0;
        for (std::size_t i = 0; i < futures.size(); ++i) {
            try {
                answers[i] = futures[i].get();
            } catch (const Error& e) {
                log::warn("context \"" + targets[i].label + "\": " + e.what());
                if (!first_error) first_error = e;
                ++failed;
            }
        }
        if (failed == targets.size() && first_error) throw *first_error;
    }
    std::vector<std::string> pool;
    for (auto& a : answers) {
        for (auto& h : a.hits) result.hits.push_back(std::move(h));
        pool.insert(pool.end(), a.pool.begin(), a.pool.end());
    }
    if (result.hits.empty() && q.narrows()) {
        std::set<std::string> suggestions;
        std::vector<std::string> asked = q.terms;
        for (const auto* f : {&q.owner, &q.domain, &q.tag, &q.field})
            if (*f) asked.push_back(**f);
        for (const auto& a : asked)
            for (const auto& s : util::nearest(a, pool)) suggestions.insert(s);
        std::string where = targets.size() > 1 ? std::to_string(targets.size()) + " contexts"
                            : targets[0].label.empty() ? targets[0].settings.bootstrap
                                                        : "context \"" + targets[0].label + "\"";
        std::string hint_list;
        for (const auto& s : suggestions) hint_list += (hint_list.empty() ? "\"" : ", \"") + s + "\"";
        throw not_found_error("no stream matches " + describe_query(q) + " in " + where +
                                  (hint_list.empty() ? "" : " (did you mean " + hint_list + "?)"),
                              "list everything with: meshctl discover");
    }
    return result;
}

ContextTarget current_target(const config::Settings& settings) {
    return {settings.context_name, kafka::ClientSettings::from(settings), settings.catalog_topic, settings};
}

std::vector<ContextTarget> all_context_targets(const config::GlobalOptions& options, const config::Getenv& env) {
    if (options.bootstrap || options.context)
        throw usage_error("--all-contexts searches every context of the config; it cannot be combined with " +
                              std::string(options.bootstrap ? "--bootstrap" : "--context"),
                          "drop one of the two options");
    auto path = config::resolve_config_path(options, env);
    auto file = config::load_config(path);
    if (file.contexts.empty())
        throw not_found_error("--all-contexts: the config " + path.string() + " has no contexts",
                              "add one with: meshctl config set-context NAME --bootstrap HOST:PORT");
    // Each context must reach its own cluster, so the environment's overrides stay out.
    config::Getenv scoped = [env](std::string_view name) -> std::optional<std::string> {
        if (name == "MESHCTL_BOOTSTRAP" || name == "MESHCTL_CONTEXT") return std::nullopt;
        return env(name);
    };
    if (env("MESHCTL_BOOTSTRAP")) log::warn("--all-contexts ignores MESHCTL_BOOTSTRAP: each context uses its own bootstrap");
    std::vector<ContextTarget> out;
    for (const auto& name : file.names()) {
        config::GlobalOptions o = options;
        o.context = name;
        out.push_back(current_target(config::resolve_settings(o, scoped)));
    }
    return out;
}

}  // namespace meshctl::catalog
