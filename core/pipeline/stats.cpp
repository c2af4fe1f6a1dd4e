// The JSON and text forms of run summaries and previews (field names are a stable contract).
#include "core/pipeline/engine.hpp"

#include <cstdio>

namespace meshctl::pipeline {

namespace {

nlohmann::json counts_json(const ProcessCounts& c) {
    return {{"processed", c.processed}, {"filtered", c.filtered},           {"joined", c.joined},
            {"unmatched", c.unmatched}, {"left_unmatched", c.left_unmatched}, {"dead_lettered", c.dead_lettered},
            {"tombstones", c.tombstones}, {"late", c.late}, {"emitted", c.written}};
}

std::string rate(double r) {
    char buf[32];
    if (r >= 1e6) std::snprintf(buf, sizeof buf, "%.1fM/s", r / 1e6);
    else if (r >= 1e3) std::snprintf(buf, sizeof buf, "%.1fk/s", r / 1e3);
    else std::snprintf(buf, sizeof buf, "%.0f/s", r);
    return buf;
}

}  // namespace

nlohmann::json RunStats::to_json() const {
    nlohmann::json j;
    j["pipeline"] = pipeline;
    j["group"] = group;
    nlohmann::json r = nlohmann::json::object();
    for (const auto& [name, n] : read) r[name] = n;
    j["read"] = r;
    j["events"] = counts_json(counts);
    nlohmann::json w = nlohmann::json::array();
    for (const auto& [sink, n] : written) w.push_back({{"sink", sink}, {"written", n}});
    j["written"] = w;
    j["table_rows"] = table_rows;
    j["table_bytes"] = table_bytes;
    j["table_memory"] = table_memory;
    j["window_records"] = window_records;
    j["window_bytes"] = window_bytes;
    j["lag"] = lag;
    j["partitions"] = partitions;
    j["elapsed_s"] = elapsed_s;
    j["events_in_per_s"] = events_in_per_s;
    j["events_out_per_s"] = events_out_per_s;
    j["sink_retries"] = sink_retries;
    j["skipped_deleted"] = skipped_deleted;
    j["stopped"] = stopped.empty() ? nlohmann::json(nullptr) : nlohmann::json(stopped);
    return j;
}

void RunStats::to_text(std::ostream& out, const output::TextStyle&) const {
    char elapsed[32];
    std::snprintf(elapsed, sizeof elapsed, "%.1fs", elapsed_s);
    out << "pipeline " << pipeline << " (group " << group << ")" << (stopped.empty() ? "" : ": stopped, " + stopped) << " after "
        << elapsed << "\n";
    out << "  read:";
    for (const auto& [name, n] : read) out << " " << name << " " << n;
    out << "\n  events: " << counts.processed << " processed, " << counts.filtered << " filtered, " << counts.joined
        << " joined, " << counts.unmatched << " unmatched";
    if (counts.left_unmatched) out << ", " << counts.left_unmatched << " without a row (left join)";
    if (counts.tombstones) out << ", " << counts.tombstones << " tombstones skipped";
    if (counts.late) out << ", " << counts.late << " late (window closed)";
    out << ", " << counts.dead_lettered << " dead-lettered\n";
    if (skipped_deleted) out << "  skipped: " << skipped_deleted << " records deleted (retention) before they were read\n";
    for (const auto& [sink, n] : written) out << "  written: " << n << " to " << sink << "\n";
    out << "  table: " << table_rows << " rows, " << table_bytes / 1024 << " KiB (" << table_memory / 1024 << " KiB allocated); lag " << lag << "; "
        << rate(events_in_per_s) << " in, " << rate(events_out_per_s) << " out\n";
    if (window_records) out << "  window: " << window_records << " records in open windows, " << window_bytes / 1024 << " KiB\n";
}

std::string RunStats::progress_line() const {
    std::uint64_t out = 0;
    for (const auto& w : written) out += w.second;
    return pipeline + ": " + std::to_string(counts.processed) + " in (" + rate(events_in_per_s) + "), " + std::to_string(out) +
           " out (" + rate(events_out_per_s) + "), lag " + std::to_string(lag) + ", table " + std::to_string(table_rows) +
           " rows" + (counts.dead_lettered ? ", " + std::to_string(counts.dead_lettered) + " dead-lettered" : "");
}

nlohmann::json PreviewResult::to_json() const {
    nlohmann::json j;
    nlohmann::json recs = nlohmann::json::array();
    for (const auto& r : records) {
        nlohmann::json value = r.record.value ? nlohmann::json::parse(*r.record.value, nullptr, false) : nlohmann::json();
        if (value.is_discarded()) value = *r.record.value;
        recs.push_back({{"sink", r.sink}, {"id", r.record.id}, {"key", r.record.key ? nlohmann::json(*r.record.key) : nlohmann::json()},
                        {"origin", r.record.topic + "/" + std::to_string(r.record.partition) + "/" + std::to_string(r.record.offset)},
                        {"value", value}});
    }
    j["records"] = recs;
    nlohmann::json dl = nlohmann::json::array();
    for (const auto& [origin, reason] : dead_letters) dl.push_back({{"origin", origin}, {"reason", reason}});
    j["dead_letters"] = dl;
    j["events"] = counts_json(counts);
    j["table_rows"] = table_rows;
    j["window_records"] = window_records;
    return j;
}

void PreviewResult::to_text(std::ostream& out, const output::TextStyle& style) const {
    for (const auto& r : records)
        out << output::dim(r.sink + "  " + r.record.id + "  ", style) << (r.record.value ? *r.record.value : "null") << "\n";
    for (const auto& [origin, reason] : dead_letters) out << output::yellow("dead letter " + origin + ": " + reason, style) << "\n";
}

}  // namespace meshctl::pipeline
