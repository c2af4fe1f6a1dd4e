#include "core/backfill/status.hpp"

#include "core/error.hpp"
#include "core/output/table.hpp"
#include "core/util/signals.hpp"
#include "core/util/text.hpp"
#include "core/util/time.hpp"

#include <cmath>
#include <thread>

namespace meshctl::backfill {

StatusResult sample_status(Cluster& cluster, const std::string& group, std::int64_t now_ms) {
    StatusResult r;
    r.group = group;
    r.sampled_ms = now_ms;
    auto committed = cluster.committed_offsets(group);
    auto desc = cluster.describe_group(group);
    r.state = desc.state;
    r.members = desc.members.size();
    std::vector<TopicPartition> tps;
    for (const auto& [tp, off] : committed) tps.push_back(tp);
    for (const auto& m : desc.members)
        for (const auto& tp : m.assignment)
            if (!committed.count(tp)) tps.push_back(tp);
    if (tps.empty()) {
        if (desc.state == "Dead" || desc.state == "Unknown") {
            std::vector<std::string> groups;
            try {
                groups = cluster.group_names();
            } catch (const Error&) {
            }
            throw not_found_error("consumer group \"" + group + "\" not found" + util::did_you_mean(group, groups),
                                  "list groups with: kafka-consumer-groups --list, or check the context");
        }
        return r;
    }
    std::sort(tps.begin(), tps.end());
    auto marks = cluster.watermarks(tps);
    for (const auto& tp : tps) {
        PartitionStatus p{.tp = tp, .committed = std::nullopt, .marks = marks[tp], .lag = std::nullopt, .consume_rate = std::nullopt};
        if (auto it = committed.find(tp); it != committed.end() && it->second >= 0) {
            p.committed = it->second;
            p.lag = std::max<std::int64_t>(0, p.marks.high - it->second);
            r.total_lag += *p.lag;
        }
        r.partitions.push_back(std::move(p));
    }
    r.progress = r.total_lag == 0 ? "caught_up" : "unknown";
    return r;
}

void add_rates(StatusResult& cur, const StatusResult& prev) {
    double dt = static_cast<double>(cur.sampled_ms - prev.sampled_ms) / 1000.0;
    if (dt <= 0) return;
    cur.interval_s = dt;
    std::map<TopicPartition, const PartitionStatus*> before;
    for (const auto& p : prev.partitions) before[p.tp] = &p;
    std::int64_t consumed = 0, produced = 0;
    for (auto& p : cur.partitions) {
        auto it = before.find(p.tp);
        if (it == before.end()) continue;
        produced += std::max<std::int64_t>(0, p.marks.high - it->second->marks.high);
        if (p.committed && it->second->committed) {
            // A reset backwards shows as negative progress; count it as none.
            std::int64_t d = std::max<std::int64_t>(0, *p.committed - *it->second->committed);
            consumed += d;
            p.consume_rate = static_cast<double>(d) / dt;
        }
    }
    cur.consume_rate = static_cast<double>(consumed) / dt;
    cur.produce_rate = static_cast<double>(produced) / dt;
    double net = *cur.consume_rate - *cur.produce_rate;
    if (cur.total_lag == 0) cur.progress = "caught_up";
    else if (consumed == 0) cur.progress = "idle";
    else if (net <= 0) cur.progress = "falling_behind";
    else {
        cur.progress = "catching_up";
        cur.eta_s = static_cast<double>(cur.total_lag) / net;
    }
}

StatusResult group_status(Cluster& cluster, const std::string& group, std::chrono::milliseconds interval,
                          const std::function<void(const StatusResult&)>& on_sample,
                          const std::function<void(std::chrono::milliseconds)>& sleep) {
    auto wait = [&](std::chrono::milliseconds d) {
        if (sleep) return sleep(d);
        // Sleep in small steps so Ctrl-C is answered at once.
        auto until = std::chrono::steady_clock::now() + d;
        while (!util::interrupted() && std::chrono::steady_clock::now() < until)
            std::this_thread::sleep_for(std::chrono::milliseconds(50));
    };
    auto interrupted = [] {
        Error e(ErrorKind::interrupted, "interrupted; status sampling stopped");
        e.signal = util::interrupt_signal();
        return e;
    };
    StatusResult prev = sample_status(cluster, group, util::now_ms());
    if (interval.count() <= 0) {
        if (on_sample) on_sample(prev);
        return prev;
    }
    if (on_sample) on_sample(prev);
    for (;;) {
        wait(interval);
        if (util::interrupted()) throw interrupted();
        StatusResult cur = sample_status(cluster, group, util::now_ms());
        add_rates(cur, prev);
        if (!on_sample) return cur;
        on_sample(cur);
        prev = std::move(cur);
    }
}

namespace {

nlohmann::json opt(const std::optional<double>& v) { return v ? nlohmann::json(std::round(*v * 100) / 100) : nlohmann::json(); }

std::string rate_text(const std::optional<double>& v) {
    if (!v) return "";
    char buf[32];
    std::snprintf(buf, sizeof buf, *v >= 100 ? "%.0f/s" : "%.1f/s", *v);
    return buf;
}

}  // namespace

nlohmann::json StatusResult::to_json() const {
    nlohmann::json parts = nlohmann::json::array();
    for (const auto& p : partitions)
        parts.push_back({{"topic", p.tp.topic},
                         {"partition", p.tp.partition},
                         {"committed_offset", p.committed ? nlohmann::json(*p.committed) : nlohmann::json()},
                         {"log_start_offset", p.marks.low},
                         {"log_end_offset", p.marks.high},
                         {"lag", p.lag ? nlohmann::json(*p.lag) : nlohmann::json()},
                         {"consume_rate", opt(p.consume_rate)}});
    return {{"group", group},
            {"state", state},
            {"members", members},
            {"sampled_at", util::format_iso8601_ms(sampled_ms)},
            {"partitions", parts},
            {"total_lag", total_lag},
            {"interval_seconds", opt(interval_s)},
            {"consume_rate", opt(consume_rate)},
            {"produce_rate", opt(produce_rate)},
            {"eta_seconds", eta_s ? nlohmann::json(std::llround(*eta_s)) : nlohmann::json()},
            {"progress", progress}};
}

void StatusResult::to_text(std::ostream& out, const output::TextStyle& style) const {
    out << output::bold("group " + group, style) << " (" << state << ", " << members << " member(s)) at "
        << util::format_iso8601_ms(sampled_ms) << "\n";
    output::Table t({"topic", "partition", "committed", "end", "lag", "rate"});
    for (std::size_t c = 1; c <= 5; ++c) t.align_right(c);
    for (const auto& p : partitions)
        t.add_row({p.tp.topic, std::to_string(p.tp.partition), p.committed ? std::to_string(*p.committed) : "-",
                   std::to_string(p.marks.high), p.lag ? output::thousands(*p.lag) : "-", rate_text(p.consume_rate)});
    t.render(out, style);
    out << "total lag: " << output::thousands(total_lag);
    if (consume_rate) out << "; consuming " << rate_text(consume_rate) << ", producing " << rate_text(produce_rate);
    if (eta_s) out << "; caught up in about " << util::format_duration(std::chrono::milliseconds(std::llround(*eta_s * 1000)));
    else if (progress == "falling_behind") out << "; " << output::yellow("falling behind", style);
    else if (progress == "idle") out << "; " << output::yellow("not moving", style);
    else if (progress == "caught_up") out << "; " << output::green("caught up", style);
    out << "\n";
}

}  // namespace meshctl::backfill
