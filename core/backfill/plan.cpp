#include "core/backfill/plan.hpp"

#include "core/error.hpp"
#include "core/output/table.hpp"
#include "core/util/log.hpp"
#include "core/util/text.hpp"
#include "core/util/time.hpp"

#include <algorithm>
#include <chrono>
#include <set>

namespace meshctl::backfill {

namespace {

std::string tp_name(const TopicPartition& tp) { return tp.topic + "[" + std::to_string(tp.partition) + "]"; }

// The partitions the request names, checked against the cluster.
std::vector<TopicPartition> select_partitions(Cluster& cluster, const PlanRequest& req,
                                              const std::map<TopicPartition, std::int64_t>& committed) {
    std::set<TopicPartition> chosen;
    if (req.target.kind == Target::Kind::explicit_offsets)
        for (const auto& [tp, off] : req.target.offsets) chosen.insert(tp);
    if (req.all_topics) {
        for (const auto& [tp, off] : committed)
            if (off >= 0) chosen.insert(tp);
        if (chosen.empty() && req.topics.empty())
            throw not_found_error("consumer group \"" + req.group + "\" has no committed offsets, so --all-topics selects nothing",
                                  "name the topics with --topic TOPIC");
    }
    std::vector<std::string> names;
    for (const auto& s : req.topics) names.push_back(s.topic);
    for (const auto& tp : chosen) names.push_back(tp.topic);
    std::sort(names.begin(), names.end());
    names.erase(std::unique(names.begin(), names.end()), names.end());
    auto counts = cluster.partition_counts(names);
    for (const auto& name : names) {
        if (counts.count(name)) continue;
        std::vector<std::string> all;
        try {
            all = cluster.topic_names();
        } catch (const Error&) {
        }
        throw not_found_error("topic \"" + name + "\" not found" + util::did_you_mean(name, all),
                              "list topics with: meshctl discover");
    }
    for (const auto& spec : req.topics) {
        int n = counts.at(spec.topic);
        if (spec.partitions.empty())
            for (int p = 0; p < n; ++p) chosen.insert({spec.topic, p});
        for (auto p : spec.partitions) {
            if (p >= n)
                throw usage_error("partition " + std::to_string(p) + " of topic \"" + spec.topic + "\" does not exist",
                                  "topic \"" + spec.topic + "\" has partitions 0 to " + std::to_string(n - 1));
            chosen.insert({spec.topic, p});
        }
    }
    for (const auto& tp : chosen)
        if (tp.partition >= counts.at(tp.topic))
            throw usage_error("partition " + std::to_string(tp.partition) + " of topic \"" + tp.topic + "\" does not exist",
                              "topic \"" + tp.topic + "\" has partitions 0 to " + std::to_string(counts.at(tp.topic) - 1));
    if (chosen.empty())
        throw usage_error("no partitions to reset", "name topics with --topic TOPIC[:P,...] or pass --all-topics");
    return {chosen.begin(), chosen.end()};
}

std::string format_bytes(std::int64_t b) {
    const char* units[] = {"B", "KiB", "MiB", "GiB", "TiB"};
    double v = static_cast<double>(b);
    int u = 0;
    while (v >= 1024 && u < 4) v /= 1024, ++u;
    char buf[32];
    std::snprintf(buf, sizeof buf, u == 0 ? "%.0f %s" : "%.1f %s", v, units[u]);
    return buf;
}

void history_warnings(Cluster& cluster, Plan& plan) {
    std::map<std::string, std::pair<int, std::int64_t>> above_zero;  // topic -> (partitions, max log start)
    std::vector<std::string> topics;
    for (const auto& r : plan.rows) {
        if (topics.empty() || topics.back() != r.tp.topic) topics.push_back(r.tp.topic);
        if (r.marks.low > 0) {
            auto& a = above_zero[r.tp.topic];
            ++a.first;
            a.second = std::max(a.second, r.marks.low);
        }
    }
    auto history = cluster.topic_history(topics);
    for (const auto& t : topics) {
        const auto& h = history[t];
        if (h.compacted)
            plan.warnings.push_back("topic \"" + t + "\" is compacted: a replay gives a snapshot of the latest value per key, not the full history");
        if (h.retention_ms)
            plan.warnings.push_back("topic \"" + t + "\" keeps records for only " +
                                    util::format_duration(std::chrono::milliseconds(*h.retention_ms)) +
                                    " (retention.ms): older history is gone");
        if (h.retention_bytes)
            plan.warnings.push_back("topic \"" + t + "\" keeps only " + format_bytes(*h.retention_bytes) +
                                    " per partition (retention.bytes): older history is gone");
        if (auto it = above_zero.find(t); it != above_zero.end())
            plan.warnings.push_back("topic \"" + t + "\": the log starts above offset 0 on " + std::to_string(it->second.first) +
                                    " partition(s) (up to offset " + std::to_string(it->second.second) +
                                    "): earlier records were deleted");
    }
}

}  // namespace

std::int64_t Plan::total_to_replay() const {
    std::int64_t n = 0;
    for (const auto& r : rows) n += r.to_replay();
    return n;
}

Plan make_plan(Cluster& cluster, const PlanRequest& req) {
    Plan plan;
    plan.group = req.group;
    plan.target = req.target;
    auto committed = cluster.committed_offsets(req.group);
    auto partitions = select_partitions(cluster, req, committed);
    auto marks = cluster.watermarks(partitions);

    std::map<TopicPartition, std::int64_t> by_time;
    if (req.target.kind == Target::Kind::time) by_time = cluster.offsets_for_times(partitions, req.target.value);

    std::vector<std::string> clamped;
    for (const auto& tp : partitions) {
        PlanRow r;
        r.tp = tp;
        r.marks = marks[tp];
        if (auto it = committed.find(tp); it != committed.end() && it->second >= 0) r.current = it->second;
        switch (req.target.kind) {
            case Target::Kind::earliest: r.requested = r.marks.low; break;
            case Target::Kind::latest: r.requested = r.marks.high; break;
            case Target::Kind::offset: r.requested = req.target.value; break;
            case Target::Kind::shift:
                if (!r.current)
                    throw usage_error("cannot shift " + tp_name(tp) + ": group \"" + req.group + "\" has no committed offset there",
                                      "use --to earliest, latest, offset:N or a time for partitions without offsets");
                r.requested = *r.current + req.target.value;
                break;
            case Target::Kind::time: {
                // As kafka-consumer-groups: no record at or after the time means the end.
                auto it = by_time.find(tp);
                r.requested = it == by_time.end() || it->second < 0 ? r.marks.high : it->second;
                break;
            }
            case Target::Kind::explicit_offsets: {
                const auto& off = req.target.offsets.at(tp);
                if (off) r.requested = *off;
                else r.remove = true;
                break;
            }
        }
        r.target = r.remove ? 0 : std::clamp(r.requested, r.marks.low, r.marks.high);
        r.clamped = !r.remove && r.target != r.requested;
        if (r.clamped)
            clamped.push_back(tp_name(tp) + " " + std::to_string(r.requested) + " -> " + std::to_string(r.target) + " (log " +
                              std::to_string(r.marks.low) + ".." + std::to_string(r.marks.high) + ")");
        plan.rows.push_back(std::move(r));
    }
    if (!clamped.empty()) {
        std::string list;
        for (std::size_t i = 0; i < clamped.size() && i < 5; ++i) list += (i ? ", " : "") + clamped[i];
        if (clamped.size() > 5) list += ", and " + std::to_string(clamped.size() - 5) + " more";
        plan.warnings.push_back(std::to_string(clamped.size()) + " target(s) outside the log were clamped into it: " + list);
    }
    history_warnings(cluster, plan);

    auto stamps = cluster.earliest_timestamps(marks);
    for (auto& r : plan.rows)
        if (auto it = stamps.find(r.tp); it != stamps.end() && it->second >= 0) r.earliest_timestamp_ms = it->second;

    auto desc = cluster.describe_group(req.group);
    plan.group_state = desc.state;
    plan.members = desc.members;
    bool any_committed = std::any_of(committed.begin(), committed.end(), [](const auto& kv) { return kv.second >= 0; });
    plan.group_exists = any_committed || !desc.members.empty() || (desc.state != "Dead" && desc.state != "Unknown");
    for (const auto& w : plan.warnings) log::warn(w);
    return plan;
}

nlohmann::json ResetResult::to_json() const {
    nlohmann::json parts = nlohmann::json::array();
    for (const auto& r : plan.rows) {
        nlohmann::json p = {{"topic", r.tp.topic},
                            {"partition", r.tp.partition},
                            {"current_offset", r.current ? nlohmann::json(*r.current) : nlohmann::json()},
                            {"target_offset", r.remove ? nlohmann::json() : nlohmann::json(r.target)},
                            {"requested_offset", r.remove ? nlohmann::json() : nlohmann::json(r.requested)},
                            {"clamped", r.clamped},
                            {"remove_offset", r.remove},
                            {"log_start_offset", r.marks.low},
                            {"log_end_offset", r.marks.high},
                            {"records_to_replay", r.to_replay()},
                            {"earliest_timestamp", r.earliest_timestamp_ms ? nlohmann::json(util::format_iso8601_ms(*r.earliest_timestamp_ms))
                                                                           : nlohmann::json()}};
        if (executed) {
            auto f = failed.find(r.tp);
            p["committed"] = f == failed.end();
            if (f != failed.end()) p["error"] = f->second;
        }
        parts.push_back(std::move(p));
    }
    nlohmann::json members = nlohmann::json::array();
    for (const auto& m : plan.members) members.push_back({{"member_id", m.member_id}, {"client_id", m.client_id}, {"host", m.host}});
    nlohmann::json target = {{"text", plan.target.text}, {"description", describe(plan.target)}};
    if (plan.target.kind == Target::Kind::time) target["time"] = util::format_iso8601_ms(plan.target.value);
    nlohmann::json j = {{"group", plan.group},
                        {"group_state", plan.group_state},
                        {"group_exists", plan.group_exists},
                        {"members", members},
                        {"target", target},
                        {"executed", executed},
                        {"partitions", parts},
                        {"total_records_to_replay", plan.total_to_replay()},
                        {"warnings", plan.warnings},
                        {"rollback_file", rollback_csv.empty() ? nlohmann::json() : nlohmann::json(rollback_csv)},
                        {"rollback_json", rollback_json.empty() ? nlohmann::json() : nlohmann::json(rollback_json)},
                        {"export_file", export_path.empty() ? nlohmann::json() : nlohmann::json(export_path)}};
    if (executed) {
        j["committed_partitions"] = committed.size();
        j["failed_partitions"] = failed.size();
    }
    return j;
}

void ResetResult::to_text(std::ostream& out, const output::TextStyle& style) const {
    output::Table t({"topic", "partition", "current", "target", "delta", "to replay", "earliest record"});
    for (std::size_t c = 1; c <= 5; ++c) t.align_right(c);
    for (const auto& r : plan.rows) {
        std::string target = r.remove ? "(none)" : std::to_string(r.target) + (r.clamped ? "*" : "");
        std::string delta = r.current && !r.remove ? std::to_string(r.target - *r.current) : "";
        if (!delta.empty() && delta[0] != '-' && delta != "0") delta = "+" + delta;
        std::string stamp = r.earliest_timestamp_ms ? util::format_iso8601_ms(*r.earliest_timestamp_ms)
                                                    : (r.marks.high == r.marks.low ? "(empty)" : "");
        t.add_row({r.tp.topic, std::to_string(r.tp.partition), r.current ? std::to_string(*r.current) : "-", target, delta,
                   output::thousands(r.to_replay()), stamp});
        if (executed && failed.count(r.tp)) t.add_row({"", "", "", output::red("not committed: " + failed.at(r.tp), style)});
    }
    out << output::bold("group " + plan.group, style) << " (" << (plan.group_exists ? plan.group_state : "new group")
        << "), target " << describe(plan.target) << "\n";
    t.render(out, style);
    out << "total to replay: " << output::thousands(plan.total_to_replay()) << " records on " << plan.rows.size()
        << " partition(s)";
    if (std::any_of(plan.rows.begin(), plan.rows.end(), [](const PlanRow& r) { return r.clamped; })) out << "  (* clamped)";
    out << "\n";
    if (!export_path.empty()) out << "exported plan: " << export_path << "\n";
    if (!rollback_csv.empty()) out << "rollback file: " << rollback_csv << " (and " << rollback_json << ")\n";
    if (executed)
        out << (failed.empty() ? output::green("committed", style) : output::red("partly committed", style)) << ": "
            << committed.size() << " of " << plan.rows.size() << " partition(s)\n";
}

}  // namespace meshctl::backfill
