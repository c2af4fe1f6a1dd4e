#include "core/pipeline/explain.hpp"

#include "core/error.hpp"
#include "core/kafka/admin.hpp"
#include "core/kafka/position.hpp"
#include "core/util/time.hpp"

namespace meshctl::pipeline {

std::vector<TablePlan> plan_tables(const PipelineSpec& spec, int stream_partitions,
                                   const std::map<std::string, int>& table_partitions) {
    std::vector<TablePlan> out;
    const std::string& stream = spec.stream().topic;
    for (const auto& src : spec.sources) {
        if (src.kind != SourceKind::table) continue;
        TablePlan t{src.name, false, ""};
        int parts = table_partitions.count(src.name) ? table_partitions.at(src.name) : 0;
        bool promised = false, all_promise = true;
        std::string on;
        for (const auto& st : spec.steps) {
            if (st.kind != StepKind::join || st.table != src.name) continue;
            promised |= st.copartitioned;
            all_promise &= st.copartitioned;
            on = st.on;
        }
        if (on.empty()) {
            t.why = "no step joins it; it is loaded whole";
        } else if (!promised || !all_promise) {
            t.why = std::to_string(parts) + " partitions (stream " + std::to_string(stream_partitions) +
                    "); each process keeps the whole table because the join key `" + on +
                    "` is not declared to be the record key of \"" + stream +
                    "\" (set `copartitioned: true` on the join when it is, to keep only the assigned partitions)";
        } else if (parts != stream_partitions) {
            t.why = "`copartitioned: true`, but \"" + src.topic + "\" has " + std::to_string(parts) + " partitions and \"" +
                    stream + "\" " + std::to_string(stream_partitions) + ": each process keeps the whole table";
        } else {
            t.partitioned = true;
            t.why = "co-partitioned with \"" + stream + "\" (" + std::to_string(parts) +
                    " partitions each, join key declared to be the record key): each process keeps only the partitions "
                    "matching its assigned stream partitions";
        }
        out.push_back(std::move(t));
    }
    return out;
}

ExplainResult explain_pipeline(const PipelineSpec& spec, const kafka::ClientSettings& settings,
                               const std::optional<std::string>& group, const std::optional<std::string>& from) {
    kafka::Admin admin(settings);
    const SourceSpec& stream = spec.stream();
    std::string group_id = group ? *group : spec.default_group();
    auto info = admin.topic(stream.topic);
    std::vector<kafka::TopicPartition> tps;
    for (const auto& p : info.partitions) tps.push_back({stream.topic, p.id});
    auto marks = admin.watermarks(tps);
    auto position = kafka::parse_position(from ? *from : stream.from, from ? "--from" : "from", util::now_ms());
    auto starts = kafka::resolve_position(admin, position, marks);
    std::map<kafka::TopicPartition, std::int64_t> committed;
    try {
        committed = admin.committed_offsets(group_id);
    } catch (const Error&) {
        // An unknown group simply has no offsets.
    }

    nlohmann::json j;
    j["pipeline"] = spec.name;
    j["file"] = spec.file;
    j["group"] = group_id;
    nlohmann::json sources = nlohmann::json::array();
    nlohmann::json parts = nlohmann::json::array();
    std::int64_t backlog = 0;
    for (const auto& tp : tps) {
        auto c = committed.find(tp);
        bool has = !from && c != committed.end() && c->second >= 0;
        std::int64_t start = has ? c->second : starts[tp];
        backlog += std::max<std::int64_t>(0, marks[tp].high - start);
        parts.push_back({{"partition", tp.partition}, {"start", start}, {"end", marks[tp].high},
                         {"start_from", has ? "committed" : position.text}});
    }
    sources.push_back({{"name", stream.name}, {"kind", "stream"}, {"topic", stream.topic},
                       {"decoding", stream.decoding == Decoding::json ? "json" : "raw"},
                       {"partitions", info.partitions.size()}, {"from", from ? *from : stream.from},
                       {"from_overrides_committed", from.has_value()}, {"starting_positions", parts}, {"backlog", backlog}});
    std::map<std::string, int> table_parts;
    for (const auto& src : spec.sources) {
        if (src.kind != SourceKind::table) continue;
        auto t = admin.topic(src.topic);
        table_parts[src.name] = static_cast<int>(t.partitions.size());
        std::vector<kafka::TopicPartition> ttps;
        for (const auto& p : t.partitions) ttps.push_back({src.topic, p.id});
        std::int64_t records = 0;
        for (const auto& [tp, wm] : admin.watermarks(ttps)) records += wm.high - wm.low;
        sources.push_back({{"name", src.name}, {"kind", "table"}, {"topic", src.topic},
                           {"decoding", src.decoding == Decoding::json ? "json" : "raw"},
                           {"partitions", t.partitions.size()}, {"key", src.key}, {"records_to_load", records},
                           {"bootstrap", "read from the beginning up to the end offsets seen at start, before the stream; "
                                         "tombstones delete; kept current while running"}});
    }
    j["sources"] = sources;
    auto plans = plan_tables(spec, static_cast<int>(info.partitions.size()), table_parts);
    nlohmann::json tables = nlohmann::json::array();
    for (const auto& t : plans) tables.push_back({{"table", t.table}, {"partitioned", t.partitioned}, {"why", t.why}});
    j["tables"] = tables;
    nlohmann::json steps = nlohmann::json::array();
    for (const auto& s : spec.steps) {
        nlohmann::json st;
        if (s.kind == StepKind::filter) st = {{"step", "filter"}, {"expression", s.expr}};
        else if (s.kind == StepKind::join)
            st = {{"step", "join"}, {"table", s.table}, {"on", s.on}, {"table_key", spec.source(s.table)->key},
                  {"type", s.join_type == JoinType::inner ? "inner" : "left"}, {"as", s.as}};
        else {
            nlohmann::json fields = nlohmann::json::array();
            for (const auto& f : s.fields) fields.push_back({{"name", f.name}, {"expression", f.expr}});
            st = {{"step", s.drop.empty() ? "map" : "drop"}, {"fields", fields}, {"drop", s.drop}};
        }
        steps.push_back(st);
    }
    j["steps"] = steps;
    nlohmann::json sinks = nlohmann::json::array();
    for (const auto& s : spec.sinks) {
        std::string id = s.id ? *s.id : s.key ? *s.key : "topic-partition-offset";
        bool idempotent = s.type == "sqlite" || s.type == "elasticsearch";
        sinks.push_back({{"sink", s.describe()}, {"id", id}, {"key", s.key ? *s.key : "the stream record's key"},
                         {"effectively_once", idempotent}});
    }
    j["sinks"] = sinks;
    if (spec.dead_letter) j["dead_letter"] = spec.dead_letter->describe();
    else j["dead_letter"] = nullptr;
    j["delivery"] = "at least once: a partition's offsets are committed only after every sink acknowledged everything "
                    "before them (flush every 1s or 50000 events); effectively once in sinks that upsert by id "
                    "(sqlite, elasticsearch); file, stdout and kafka sinks may repeat records after a crash";
    j["parallelism"] = "up to " + std::to_string(info.partitions.size()) + " processes running with --group " + group_id +
                       " share the " + std::to_string(info.partitions.size()) + " partitions of \"" + stream.topic + "\"";
    ExplainResult r;
    r.plan = std::move(j);
    return r;
}

void ExplainResult::to_text(std::ostream& out, const output::TextStyle& style) const {
    const auto& j = plan;
    out << output::bold("pipeline " + j["pipeline"].get<std::string>(), style) << "  (" << j["file"].get<std::string>()
        << ", group " << j["group"].get<std::string>() << ")\n\n";
    out << output::bold("sources", style) << "\n";
    for (const auto& s : j["sources"]) {
        out << "  " << s["name"].get<std::string>() << ": " << s["kind"].get<std::string>() << " of topic \""
            << s["topic"].get<std::string>() << "\" (" << s["partitions"].get<int>() << " partitions, "
            << s["decoding"].get<std::string>() << ")\n";
        if (s["kind"] == "stream") {
            out << "    starts at: " << (s["from_overrides_committed"].get<bool>() ? "--from " : "committed offsets, else from: ")
                << s["from"].get<std::string>() << "\n     ";
            for (const auto& p : s["starting_positions"])
                out << " p" << p["partition"].get<int>() << "=" << p["start"].get<std::int64_t>() << "/"
                    << p["end"].get<std::int64_t>() << (p["start_from"] == "committed" ? "(committed)" : "");
            out << "\n    backlog: " << s["backlog"].get<std::int64_t>() << " events\n";
        } else {
            out << "    keyed by `" << s["key"].get<std::string>() << "`; " << s["records_to_load"].get<std::int64_t>()
                << " records to load: " << s["bootstrap"].get<std::string>() << "\n";
        }
    }
    for (const auto& t : j["tables"])
        out << "    table " << t["table"].get<std::string>() << ": " << (t["partitioned"].get<bool>() ? "by partition" : "whole")
            << ": " << t["why"].get<std::string>() << "\n";
    out << "\n" << output::bold("steps", style) << "\n";
    int i = 1;
    for (const auto& s : j["steps"]) {
        out << "  " << i++ << ". " << s["step"].get<std::string>() << " ";
        if (s["step"] == "filter") out << s["expression"].get<std::string>();
        else if (s["step"] == "join")
            out << s["type"].get<std::string>() << " with table " << s["table"].get<std::string>() << " as "
                << s["as"].get<std::string>() << ": " << s["on"].get<std::string>() << " == table key `"
                << s["table_key"].get<std::string>() << "`" << (s["type"] == "inner" ? " (no row: counted as unmatched, dropped)"
                                                                                      : " (no row: bound to null)");
        else {
            std::string names;
            for (const auto& f : s["fields"]) names += (names.empty() ? "" : ", ") + f["name"].get<std::string>();
            out << "-> " << names;
            if (!s["drop"].empty()) out << " without " << s["drop"].dump();
        }
        out << "\n";
    }
    out << "\n" << output::bold("sinks", style) << "\n";
    for (const auto& s : j["sinks"])
        out << "  " << s["sink"].get<std::string>() << "  id: " << s["id"].get<std::string>()
            << (s["effectively_once"].get<bool>() ? "  (upsert by id: effectively once)" : "") << "\n";
    out << "  dead letters: " << (j["dead_letter"].is_null() ? "none configured (failed events are logged and counted; exit 5)"
                                                             : j["dead_letter"].get<std::string>())
        << "\n\n";
    out << output::bold("delivery", style) << ": " << j["delivery"].get<std::string>() << "\n";
    out << output::bold("parallelism", style) << ": " << j["parallelism"].get<std::string>() << "\n";
}

}  // namespace meshctl::pipeline
