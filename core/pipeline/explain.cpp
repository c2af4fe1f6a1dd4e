#include "core/pipeline/explain.hpp"

#include "core/error.hpp"
#include "core/kafka/admin.hpp"
#include "core/kafka/position.hpp"
#include "core/pipeline/processor.hpp"
#include "core/util/time.hpp"

#include <algorithm>

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

namespace {

// Durations as they are written in pipeline files: 10m, 1h30m, 1s, 250ms, 0s.
std::string duration_text(std::int64_t ms) {
    if (ms == 0) return "0s";
    std::string out;
    const std::pair<std::int64_t, const char*> units[] = {{86'400'000, "d"}, {3'600'000, "h"}, {60'000, "m"}, {1000, "s"}, {1, "ms"}};
    for (const auto& [size, name] : units)
        if (ms >= size) {
            out += std::to_string(ms / size) + name;
            ms %= size;
        }
    return out;
}

}  // namespace

std::string delivery_text(const PipelineSpec& spec, const FlushPolicy& flush) {
    std::string text = "at least once: a partition's offsets are committed only after every sink acknowledged everything "
                       "before them (flush every " + duration_text(flush.interval.count()) + " or " +
                       std::to_string(flush.records) + " events); effectively once in sinks that upsert by id "
                       "(sqlite, elasticsearch); file, stdout and kafka sinks may repeat records after a crash";
    if (spec.windowed_join())
        text += "; with the windowed join, commits also stay behind the records a restart needs to rebuild the window "
                "(see window)";
    return text;
}

ExplainResult explain_pipeline(const PipelineSpec& spec, const kafka::ClientSettings& settings,
                               const std::optional<std::string>& group, const std::optional<std::string>& from,
                               const FlushPolicy& flush) {
    kafka::Admin admin(settings);
    const SourceSpec& stream = spec.stream();
    std::string group_id = group ? *group : spec.default_group();
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
    std::size_t stream_partitions = 0;
    std::vector<const SourceSpec*> streams = {&stream};
    if (const SourceSpec* second = spec.joined_stream()) streams.push_back(second);
    for (const SourceSpec* src : streams) {
        auto info = admin.topic(src->topic);
        if (src == &stream) stream_partitions = info.partitions.size();
        std::vector<kafka::TopicPartition> tps;
        for (const auto& p : info.partitions) tps.push_back({src->topic, p.id});
        auto marks = admin.watermarks(tps);
        auto position = kafka::parse_position(from ? *from : src->from, from ? "--from" : "from", util::now_ms());
        auto starts = kafka::resolve_position(admin, position, marks);
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
        nlohmann::json s = {{"name", src->name}, {"kind", "stream"}, {"topic", src->topic},
                            {"decoding", src->decoding == Decoding::json ? "json" : "raw"},
                            {"partitions", info.partitions.size()}, {"from", from ? *from : src->from},
                            {"from_overrides_committed", from.has_value()}, {"starting_positions", parts}, {"backlog", backlog}};
        if (src != &stream) s["join_key"] = src->key;
        sources.push_back(std::move(s));
    }
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
    auto plans = plan_tables(spec, static_cast<int>(stream_partitions), table_parts);
    nlohmann::json tables = nlohmann::json::array();
    Processor processor(spec);
    for (const auto& t : plans) {
        nlohmann::json row_fields;  // null: rows kept whole
        const auto& names = processor.tables();
        auto index = static_cast<std::size_t>(std::find(names.begin(), names.end(), t.table) - names.begin());
        if (index < names.size())
            if (const auto& fields = processor.table_fields(index)) row_fields = std::vector<std::string>(fields->begin(), fields->end());
        tables.push_back({{"table", t.table}, {"partitioned", t.partitioned}, {"why", t.why}, {"row_fields", row_fields}});
    }
    j["tables"] = tables;
    nlohmann::json steps = nlohmann::json::array();
    for (std::size_t i = 0; i < spec.steps.size(); ++i) {
        const auto& s = spec.steps[i];
        nlohmann::json st;
        if (s.kind == StepKind::filter)
            st = {{"step", "filter"}, {"expression", s.expr},
                  {"evaluated", processor.filter_on_stored_rows(i) ? "once per table row, when it is stored: it reads only the "
                                                                     "row joined before it"
                                                                   : "per event"}};
        else if (s.windowed())
            st = {{"step", "join"}, {"stream", s.stream}, {"on", s.on}, {"stream_key", spec.source(s.stream)->key},
                  {"type", s.join_type == JoinType::inner ? "inner" : "left"}, {"as", s.as},
                  {"window", duration_text(s.window_ms)}, {"grace", duration_text(s.grace_ms)},
                  {"window_ms", s.window_ms}, {"grace_ms", s.grace_ms}};
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
    j["delivery"] = delivery_text(spec, flush);
    j["flush_interval_ms"] = flush.interval.count();
    j["flush_records"] = flush.records;
    j["parallelism"] = "up to " + std::to_string(stream_partitions) + " processes running with --group " + group_id +
                       " share the " + std::to_string(stream_partitions) + " partitions of \"" + stream.topic + "\"" +
                       (spec.windowed_join() ? std::string()
                                             : "; each runs the steps of large batches on two threads when it may use two CPUs");
    if (const StepSpec* w = spec.windowed_join()) {
        const SourceSpec& second = *spec.joined_stream();
        std::string win = duration_text(w->window_ms), grace = duration_text(w->grace_ms);
        std::string both = duration_text(w->window_ms + w->grace_ms), right = duration_text(2 * w->window_ms + w->grace_ms);
        j["window"] = {
            {"window", win}, {"grace", grace}, {"window_ms", w->window_ms}, {"grace_ms", w->grace_ms},
            {"matching", "an event of \"" + stream.name + "\" joins every record of \"" + second.name + "\" with the same key (`" +
                             w->on + "` == `" + second.key + "`) whose timestamp is at most " + win + " before or after its own"},
            {"order", "both streams are read by one consumer and processed in timestamp order across their partitions; "
                      "stream time is the largest timestamp seen"},
            {"buffered", "records of both streams whose timestamp is within " + both + " (window + grace) of stream time, "
                         "held by join key; older records are evicted"},
            {"late", "a record whose timestamp is more than " + both + " behind stream time is dropped and counted as late"},
            {"unmatched", w->join_type == JoinType::left
                              ? "an event of \"" + stream.name + "\" without a partner is emitted once with `" + w->as +
                                    "` null when stream time passes its timestamp + " + both
                              : "an event of \"" + stream.name + "\" without a partner is dropped when stream time passes its "
                                "timestamp + " + both + " (counted as unmatched)"},
            {"commit", "\"" + stream.topic + "\" is committed up to its oldest record still in the window, \"" + second.topic +
                           "\" up to its oldest record within " + right + " (2 x window + grace) of stream time, which a "
                           "held event may already have joined; a restart re-reads from there and rebuilds the window"},
            {"scale_out", "processes with the same group take the same partition numbers of both topics (range assignment): "
                          "keys must be partitioned alike in \"" + stream.topic + "\" and \"" + second.topic +
                          "\" (same partition count and record key = join key) for several processes to find every pair"}};
    }
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
            if (s.contains("join_key"))
                out << "    joined by the windowed join on `" << s["join_key"].get<std::string>() << "`\n";
        } else {
            out << "    keyed by `" << s["key"].get<std::string>() << "`; " << s["records_to_load"].get<std::int64_t>()
                << " records to load: " << s["bootstrap"].get<std::string>() << "\n";
        }
    }
    for (const auto& t : j["tables"])
        out << "    table " << t["table"].get<std::string>() << ": " << (t["partitioned"].get<bool>() ? "by partition" : "whole")
            << ": " << t["why"].get<std::string>() << "\n";
    for (const auto& t : j["tables"]) {
        if (t["row_fields"].is_null()) continue;
        std::string fields;
        for (const auto& f : t["row_fields"]) fields += (fields.empty() ? "" : ", ") + f.get<std::string>();
        out << "    table " << t["table"].get<std::string>() << ": keeps "
            << (fields.empty() ? "no field of its rows (the steps only test that a row exists)" : "only the fields " + fields +
                                                                                                      " of its rows (all the steps read)")
            << "\n";
    }
    out << "\n" << output::bold("steps", style) << "\n";
    int i = 1;
    for (const auto& s : j["steps"]) {
        out << "  " << i++ << ". " << s["step"].get<std::string>() << " ";
        if (s["step"] == "filter") {
            out << s["expression"].get<std::string>();
            if (s["evaluated"] != "per event") out << " (evaluated " << s["evaluated"].get<std::string>() << ")";
        }
        else if (s["step"] == "join" && s.contains("stream"))
            out << s["type"].get<std::string>() << " with stream " << s["stream"].get<std::string>() << " as "
                << s["as"].get<std::string>() << " within " << s["window"].get<std::string>() << " (grace "
                << s["grace"].get<std::string>() << "): " << s["on"].get<std::string>() << " == `"
                << s["stream_key"].get<std::string>() << "`";
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
    if (j.contains("window")) {
        const auto& w = j["window"];
        out << output::bold("window", style) << ": " << w["window"].get<std::string>() << ", grace "
            << w["grace"].get<std::string>() << "\n";
        for (const char* k : {"matching", "order", "buffered", "late", "unmatched", "commit", "scale_out"})
            out << "  " << k << ": " << w[k].get<std::string>() << "\n";
        out << "\n";
    }
    out << output::bold("delivery", style) << ": " << j["delivery"].get<std::string>() << "\n";
    out << output::bold("parallelism", style) << ": " << j["parallelism"].get<std::string>() << "\n";
}

}  // namespace meshctl::pipeline
