#include "core/backfill/reset.hpp"

#include "core/backfill/offsets_file.hpp"
#include "core/error.hpp"
#include "core/util/log.hpp"
#include "core/util/text.hpp"

namespace meshctl::backfill {

namespace {

std::string tp_list(const std::vector<TopicPartition>& tps, std::size_t limit = 20) {
    if (tps.empty()) return "none";
    std::string s;
    for (std::size_t i = 0; i < tps.size() && i < limit; ++i)
        s += (i ? ", " : "") + tps[i].topic + "[" + std::to_string(tps[i].partition) + "]";
    if (tps.size() > limit) s += ", and " + std::to_string(tps.size() - limit) + " more";
    return s;
}

void refuse_unsafe(Cluster& cluster, const Plan& plan, bool allow_new_group) {
    if (!plan.members.empty()) {
        std::string names;
        for (const auto& m : plan.members)
            names += (names.empty() ? "" : ", ") + m.member_id + " (client " + m.client_id + " on " + m.host + ")";
        throw check_failed("consumer group \"" + plan.group + "\" has " + std::to_string(plan.members.size()) +
                               " active member(s): " + names + "; refusing to move its offsets under it",
                           "stop those consumers first (the group must be Empty), then run the reset again");
    }
    if (!plan.group_exists && !allow_new_group) {
        std::vector<std::string> groups;
        try {
            groups = cluster.group_names();
        } catch (const Error&) {
        }
        throw not_found_error("consumer group \"" + plan.group + "\" not found" + util::did_you_mean(plan.group, groups),
                              "check the name; to create the group with these offsets, add --allow-new-group");
    }
}

// Writes the rollback (current offsets of every planned partition), then commits.
void execute(Cluster& cluster, ResetResult& result, const std::string& reason, std::int64_t now_ms,
             const std::optional<std::filesystem::path>& rollback_file,
             const std::function<void(const std::string&, const std::string&)>& on_written) {
    const Plan& plan = result.plan;
    OffsetsFile rollback{.group = plan.group, .reason = "rollback of " + reason, .created_ms = now_ms, .offsets = {}};
    for (const auto& r : plan.rows) rollback.offsets[r.tp] = r.current;
    auto csv = rollback_file ? *rollback_file : rollback_path_for(plan.group, now_ms, default_rollback_dir());
    auto json = csv;
    json.replace_extension(".json");
    if (json == csv) json += ".json";
    write_csv(rollback, csv);
    write_json(rollback, json);
    result.rollback_csv = csv.string();
    result.rollback_json = json.string();
    if (on_written) on_written(result.rollback_csv, result.rollback_json);

    std::map<TopicPartition, std::int64_t> commit;
    std::vector<TopicPartition> remove;
    for (const auto& r : plan.rows) {
        if (r.remove) remove.push_back(r.tp);
        else commit[r.tp] = r.target;
    }
    result.executed = true;
    result.failed = cluster.alter_offsets(plan.group, commit);
    if (!remove.empty())
        for (auto& [tp, why] : cluster.delete_offsets(plan.group, remove)) result.failed[tp] = why;
    for (const auto& r : plan.rows)
        if (!result.failed.count(r.tp)) result.committed.push_back(r.tp);
}

void export_plan(const Plan& plan, const std::filesystem::path& path, const std::string& reason, std::int64_t now_ms) {
    OffsetsFile f{.group = plan.group, .reason = reason, .created_ms = now_ms, .offsets = {}};
    for (const auto& r : plan.rows) f.offsets[r.tp] = r.remove ? std::nullopt : std::optional<std::int64_t>(r.target);
    if (path.extension() == ".json") write_json(f, path);
    else write_csv(f, path);
}

}  // namespace

ResetResult reset_offsets(Cluster& cluster, const ResetOptions& o, std::int64_t now_ms) {
    if (o.group.empty()) throw usage_error("backfill reset needs a consumer group", "meshctl backfill reset GROUP --topic T --to earliest");
    if (o.topics.empty() && !o.all_topics)
        throw usage_error("backfill reset needs --topic TOPIC[:P,...] or --all-topics", "e.g. --topic orders --to 36h");
    if (o.to.empty()) throw usage_error("backfill reset needs --to TARGET", "e.g. --to earliest, --to 2024-05-01T00:00:00Z or --to 36h");
    PlanRequest req{.group = o.group, .topics = {}, .all_topics = o.all_topics, .target = parse_target(o.to, now_ms)};
    for (const auto& t : o.topics) req.topics.push_back(parse_topic_spec(t));

    ResetResult result;
    result.plan = make_plan(cluster, req);
    std::string reason = "reset --to " + o.to;
    if (o.export_path) {
        export_plan(result.plan, *o.export_path, "plan of " + reason, now_ms);
        result.export_path = o.export_path->string();
    }
    if (!o.execute) return result;
    refuse_unsafe(cluster, result.plan, o.allow_new_group);
    execute(cluster, result, reason, now_ms, o.rollback_file, o.on_rollback_written);
    return result;
}

ResetResult undo_offsets(Cluster& cluster, const UndoOptions& o, std::int64_t now_ms) {
    auto file = read_offsets_file(o.file, o.group);
    PlanRequest req{.group = file.group, .topics = {}, .all_topics = false, .target = {}};
    req.target.kind = Target::Kind::explicit_offsets;
    req.target.text = o.file.string();
    req.target.offsets = file.offsets;
    ResetResult result;
    result.plan = make_plan(cluster, req);
    if (!o.execute) return result;
    refuse_unsafe(cluster, result.plan, o.allow_new_group);
    execute(cluster, result, "undo " + o.file.string(), now_ms, o.rollback_file, o.on_rollback_written);
    return result;
}

Error partial_commit_error(const ResetResult& r) {
    std::vector<TopicPartition> failed;
    std::string why;
    for (const auto& [tp, reason] : r.failed) {
        failed.push_back(tp);
        if (why.empty()) why = reason;
    }
    return remote_error("the offsets of group \"" + r.plan.group + "\" were only partly committed (" + why +
                            "); committed: " + tp_list(r.committed) + "; NOT committed: " + tp_list(failed),
                        "the rollback file " + r.rollback_csv + " covers every partition: restore with 'meshctl backfill undo " +
                            r.rollback_json + " --execute', or retry the reset");
}

}  // namespace meshctl::backfill
