#include "core/catalog/describe.hpp"

#include "core/error.hpp"
#include "core/kafka/admin.hpp"
#include "core/output/table.hpp"
#include "core/util/log.hpp"
#include "core/util/text.hpp"
#include "core/util/time.hpp"

#include <future>
#include <iomanip>

namespace meshctl::catalog {

namespace {

// The settings that decide how much history a topic keeps and how it is cleaned.
const char* const shown_configs[] = {"cleanup.policy",   "retention.ms",        "retention.bytes",
                                     "delete.retention.ms", "min.compaction.lag.ms", "segment.ms",
                                     "min.insync.replicas", "message.timestamp.type", "max.message.bytes"};

nlohmann::ordered_json opt_time(const std::optional<std::int64_t>& ms) {
    return ms ? nlohmann::ordered_json(util::format_iso8601_ms(*ms)) : nlohmann::ordered_json();
}

std::string join_ids(const std::vector<std::int32_t>& ids) {
    std::string s;
    for (auto id : ids) s += (s.empty() ? "" : ",") + std::to_string(id);
    return s;
}

void line(std::ostream& out, const std::string& label, const std::string& value) {
    out << std::left << std::setw(16) << label << value << "\n";
}

}  // namespace

std::vector<GroupLag> lag_by_group(const TopicStats& stats,
                                   const std::map<std::string, std::map<kafka::TopicPartition, std::int64_t>>& offsets,
                                   const std::map<std::string, std::string>& states) {
    std::vector<GroupLag> out;
    for (const auto& [group, committed] : offsets) {
        GroupLag g{.group = group};
        if (auto it = states.find(group); it != states.end()) g.state = it->second;
        for (const auto& p : stats.partitions) {
            auto it = committed.find({stats.name, p.id});
            if (it == committed.end() || it->second < 0) continue;
            ++g.partitions;
            g.lag += std::max<std::int64_t>(0, p.high - it->second);
        }
        if (g.partitions > 0) out.push_back(std::move(g));
    }
    std::sort(out.begin(), out.end(), [](const GroupLag& a, const GroupLag& b) { return a.group < b.group; });
    return out;
}

nlohmann::json DescribeResult::to_json() const {
    nlohmann::ordered_json j;
    j["context"] = context;
    j["name"] = name;
    j["managed"] = product.has_value();
    j["product"] = product ? catalog::to_json(product->descriptor) : nlohmann::ordered_json();
    j["published_at"] = product && product->published_ms ? opt_time(product->published_ms) : nlohmann::ordered_json();
    j["topic"] = topic;
    j["topic_exists"] = topic_exists;
    nlohmann::ordered_json parts = nlohmann::ordered_json::array();
    int rf = 0;
    for (const auto& p : stats.partitions) {
        rf = std::max(rf, static_cast<int>(p.replicas.size()));
        parts.push_back({{"partition", p.id},        {"leader", p.leader},       {"replicas", p.replicas},
                         {"isr", p.isrs},            {"low", p.low},             {"high", p.high},
                         {"records", p.records()},   {"first_timestamp", opt_time(p.first_ts)},
                         {"last_timestamp", opt_time(p.last_ts)}});
    }
    j["replication_factor"] = rf;
    j["partitions"] = parts;
    j["records"] = stats.records();
    if (stats.configs) {
        nlohmann::ordered_json c = nlohmann::ordered_json::object();
        for (const char* k : shown_configs)
            if (auto v = stats.config(k)) c[k] = *v;
        j["configs"] = c;
    } else {
        j["configs"] = nullptr;
    }
    j["configs_error"] = stats.configs ? "" : stats.configs_error;
    j["history"] = history.to_json();
    j["rate_per_second"] = rate ? nlohmann::ordered_json(*rate) : nlohmann::ordered_json();
    j["first_event"] = opt_time(stats.first_event_ms());
    j["last_event"] = opt_time(stats.last_event_ms());
    nlohmann::ordered_json schema = {{"source", product ? schema_source_label(product->descriptor.schema) : "none"}};
    nlohmann::ordered_json fields = nlohmann::ordered_json::array();
    if (product)
        for (const auto& [f, t] : schema_summary(product->descriptor)) fields.push_back({{"name", f}, {"type", t}});
    schema["fields"] = fields;
    j["schema"] = schema;
    nlohmann::ordered_json gs = nlohmann::ordered_json::array();
    for (const auto& g : groups) gs.push_back({{"group", g.group}, {"state", g.state}, {"partitions", g.partitions}, {"lag", g.lag}});
    j["consumer_groups"] = gs;
    j["consumer_groups_error"] = groups_error;
    j["consumer_groups_truncated"] = groups_truncated;
    return j;
}

void DescribeResult::to_text(std::ostream& out, const output::TextStyle& style) const {
    if (product) {
        const auto& d = product->descriptor;
        out << output::bold(d.name, style) << "  data product of domain " << d.domain << ", owned by " << d.owner.team
            << (d.owner.contact.empty() ? "" : " <" + d.owner.contact + ">") << "\n";
        out << "  " << d.description << "\n\n";
    } else {
        out << output::bold(topic, style) << "  unmanaged topic (no data product describes it)\n\n";
    }
    int rf = 0;
    for (const auto& p : stats.partitions) rf = std::max(rf, static_cast<int>(p.replicas.size()));
    if (topic_exists)
        line(out, "topic", topic + " (" + std::to_string(stats.partitions.size()) + " partitions, replication factor " +
                               std::to_string(rf) + ")");
    else
        line(out, "topic", topic + " " + output::yellow("(missing: the topic does not exist in this cluster)", style));
    if (product) {
        const auto& d = product->descriptor;
        line(out, "kind", to_string(d.kind) + (d.key.empty() ? "" : ", keyed by " + d.key));
        std::string declared = d.history == HistoryMode::window ? "window of " + d.history_window : to_string(d.history);
        if (!declared.empty()) line(out, "declared", "history " + declared + (d.freshness_sla.empty() ? "" : ", fresh within " + d.freshness_sla));
    }
    line(out, "history", history.label());
    if (!history.reason.empty()) line(out, "", output::dim(history.reason, style));
    if (topic_exists) {
        if (stats.configs) {
            std::string c;
            for (const char* k : {"cleanup.policy", "retention.ms", "retention.bytes"})
                if (auto v = stats.config(k)) c += (c.empty() ? "" : "  ") + std::string(k) + "=" + *v;
            line(out, "retention", c);
        } else {
            line(out, "retention", "unknown (" + stats.configs_error + ")");
        }
        line(out, "records", output::thousands(stats.records()) +
                                 (history.mode == HistoryVerdict::Mode::compacted ? " (offset range; compaction leaves gaps)" : ""));
        line(out, "rate", format_rate(rate) + (rate ? " (average over the retained records)" : ""));
        if (auto last = stats.last_event_ms())
            line(out, "last event", util::format_iso8601_ms(*last) + " (" +
                                        util::format_duration(std::chrono::milliseconds(std::max<std::int64_t>(0, util::now_ms() - *last))) + " ago)");
        else
            line(out, "last event", "-");
    }
    if (product) {
        const auto& d = product->descriptor;
        std::string schema = schema_source_label(d.schema);
        auto fields = schema_summary(d);
        if (!fields.empty()) {
            std::string fs;
            for (const auto& [f, t] : fields) fs += (fs.empty() ? "" : ", ") + f + " " + t;
            schema += ": " + fs;
        }
        line(out, "schema", schema);
        if (!d.tags.empty()) {
            std::string tags;
            for (const auto& t : d.tags) tags += (tags.empty() ? "" : ", ") + t;
            line(out, "tags", tags);
        }
        if (!d.classification.level.empty() || !d.classification.pii.empty()) {
            std::string c = d.classification.level.empty() ? "unclassified" : d.classification.level;
            if (!d.classification.pii.empty()) {
                c += "; PII: ";
                for (std::size_t i = 0; i < d.classification.pii.size(); ++i) c += (i ? ", " : "") + d.classification.pii[i];
            }
            line(out, "classification", c);
        }
        for (std::size_t i = 0; i < d.examples.size(); ++i)
            line(out, i == 0 ? "examples" : "", d.examples[i].query + (d.examples[i].description.empty() ? "" : "   # " + d.examples[i].description));
    }
    if (topic_exists) {
        out << "\n";
        output::Table t({"partition", "leader", "replicas", "isr", "low", "high", "records", "first", "last"});
        for (std::size_t c = 4; c <= 6; ++c) t.align_right(c);
        for (const auto& p : stats.partitions)
            t.add_row({std::to_string(p.id), std::to_string(p.leader), join_ids(p.replicas), join_ids(p.isrs), std::to_string(p.low),
                       std::to_string(p.high), output::thousands(p.records()), p.first_ts ? util::format_iso8601_ms(*p.first_ts) : "-",
                       p.last_ts ? util::format_iso8601_ms(*p.last_ts) : "-"});
        t.render(out, style);
        out << "\n";
        if (!groups_error.empty()) {
            out << "consumer groups: unknown (" << groups_error << ")\n";
        } else if (groups.empty()) {
            out << "consumer groups: none has committed offsets for this topic (" << groups_checked << " checked)\n";
        } else {
            output::Table g({"group", "state", "partitions", "lag"});
            g.align_right(2);
            g.align_right(3);
            for (const auto& gl : groups) g.add_row({gl.group, gl.state, std::to_string(gl.partitions), output::thousands(gl.lag)});
            g.render(out, style);
        }
        if (groups_truncated)
            out << output::dim("only the first " + std::to_string(describe_group_limit) + " consumer groups were checked", style) << "\n";
    }
}

namespace {

struct GroupsAnswer {
    std::map<std::string, std::map<kafka::TopicPartition, std::int64_t>> offsets;
    std::map<std::string, std::string> states;
    std::size_t checked = 0;
    bool truncated = false;
};

GroupsAnswer read_groups(kafka::Admin& admin) {
    GroupsAnswer a;
    auto listing = admin.list_groups();
    std::vector<std::string> ids;
    for (const auto& g : listing) {
        if (ids.size() >= describe_group_limit) {
            a.truncated = true;
            break;
        }
        ids.push_back(g.group_id);
        a.states[g.group_id] = g.state;
    }
    a.checked = ids.size();
    a.offsets = admin.group_offsets(ids);
    return a;
}

}  // namespace

DescribeResult describe(const kafka::ClientSettings& settings, const std::string& catalog_topic, const std::string& stream) {
    kafka::Admin admin(settings);
    auto md = admin.metadata();
    CollectOptions opts;
    opts.read_budget = std::min<std::chrono::milliseconds>(settings.timeout, std::chrono::milliseconds(5000));

    // The catalog, the consumer groups and (when STREAM is a topic) its stats are
    // independent: ask for all three at once.
    auto catalog = std::async(std::launch::async, [&] { return read_catalog(admin, md, catalog_topic); });
    const bool dev = is_dev_broker(md);
    auto groups = std::async(std::launch::async, [&] {
        if (dev) throw remote_error("the embedded dev broker cannot list consumer groups");
        return read_groups(admin);
    });
    std::map<std::string, TopicStats> stats;
    if (md.find(stream)) stats = collect_stats(admin, md, {stream}, opts);

    CatalogSnapshot snap;
    try {
        snap = catalog.get();
    } catch (const Error& e) {
        log::warn(std::string(e.what()) + "; describing without the catalog");
    }
    DescribeResult r;
    r.context = settings.context_name;
    r.name = stream;
    const CatalogEntry* entry = snap.find(stream);
    if (!entry) entry = snap.find_by_topic(stream);
    if (entry) r.product = *entry;
    r.topic = entry ? entry->descriptor.topic : stream;
    r.topic_exists = md.find(r.topic) != nullptr;
    if (!entry && !r.topic_exists) {
        std::vector<std::string> names = md.topic_names();
        for (const auto& [n, e] : snap.entries) names.push_back(n);
        std::string where = settings.context_name.empty() ? settings.bootstrap : "context \"" + settings.context_name + "\"";
        throw not_found_error("stream \"" + stream + "\" not found in " + where + " (neither a topic nor a data product)" +
                                  util::did_you_mean(stream, names),
                              "search with: meshctl discover " + stream);
    }
    if (r.topic_exists && !stats.count(r.topic)) stats = collect_stats(admin, md, {r.topic}, opts);
    if (r.topic_exists) {
        r.stats = stats[r.topic];
        r.history = history_verdict(r.stats, entry ? entry->descriptor.history : HistoryMode::unspecified);
        r.rate = estimate_rate(r.stats);
    } else {
        r.stats.name = r.topic;
        r.history.mode = HistoryVerdict::Mode::missing;
        r.history.reason = "topic \"" + r.topic + "\" does not exist in this cluster";
    }
    try {
        auto g = groups.get();
        r.groups = lag_by_group(r.stats, g.offsets, g.states);
        r.groups_checked = g.checked;
        r.groups_truncated = g.truncated;
    } catch (const Error& e) {
        r.groups_error = e.what();
    }
    return r;
}

}  // namespace meshctl::catalog
