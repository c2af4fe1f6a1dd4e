#include "core/catalog/live.hpp"

#include "core/error.hpp"
#include "core/kafka/consumer.hpp"
#include "core/util/log.hpp"

#include <algorithm>
#include <future>
#include <set>

namespace meshctl::catalog {

std::int64_t TopicStats::records() const {
    std::int64_t n = 0;
    for (const auto& p : partitions) n += p.records();
    return n;
}

std::optional<std::int64_t> TopicStats::last_event_ms() const {
    std::optional<std::int64_t> out;
    for (const auto& p : partitions)
        if (p.last_ts && (!out || *p.last_ts > *out)) out = p.last_ts;
    return out;
}

std::optional<std::int64_t> TopicStats::first_event_ms() const {
    std::optional<std::int64_t> out;
    for (const auto& p : partitions)
        if (p.first_ts && (!out || *p.first_ts < *out)) out = p.first_ts;
    return out;
}

std::optional<std::string> TopicStats::config(const std::string& key) const {
    if (!configs) return std::nullopt;
    auto it = configs->find(key);
    if (it == configs->end()) return std::nullopt;
    return it->second.value;
}

bool is_dev_broker(const kafka::ClusterMetadata& metadata) { return metadata.cluster_id.rfind("mockCluster", 0) == 0; }

std::map<kafka::TopicPartition, std::int64_t> read_edge_timestamps(const kafka::ClientSettings& settings,
                                                                   const std::map<kafka::TopicPartition, kafka::Watermarks>& marks,
                                                                   bool first, std::chrono::milliseconds budget) {
    std::map<kafka::TopicPartition, std::int64_t> out;
    std::vector<kafka::PartitionOffset> assignment;
    std::map<kafka::TopicPartition, std::int64_t> stop_at;  // offset whose arrival completes a partition
    for (const auto& [tp, m] : marks) {
        if (m.high <= m.low) continue;
        // The last few records, not just the last: the final offset may be a transaction
        // marker or compacted away, and then no record would arrive from high-1.
        std::int64_t start = first ? m.low : std::max(m.low, m.high - 3);
        assignment.push_back({tp, start});
        stop_at[tp] = first ? m.low : m.high - 1;
    }
    if (assignment.empty()) return out;
    kafka::Consumer consumer(settings, std::nullopt,
                             {{"enable.partition.eof", "true"},
                              {"fetch.wait.max.ms", "20"},
                              {"max.partition.fetch.bytes", "16384"},
                              {"queued.max.messages.kbytes", "8192"}});
    consumer.assign(assignment);
    std::set<kafka::TopicPartition> done;
    auto deadline = std::chrono::steady_clock::now() + budget;
    while (done.size() < assignment.size()) {
        auto left = std::chrono::duration_cast<std::chrono::milliseconds>(deadline - std::chrono::steady_clock::now()).count();
        if (left <= 0) {
            log::debug("reading " + std::string(first ? "first" : "last") + " records: " +
                       std::to_string(assignment.size() - done.size()) + " partitions did not answer in time");
            break;
        }
        auto msg = consumer.poll(static_cast<int>(std::min<long long>(left, 100)));
        if (!msg) continue;
        kafka::TopicPartition tp{std::string(msg->topic()), msg->partition()};
        if (msg->is_partition_eof()) {
            done.insert(tp);
            continue;
        }
        if (msg->is_error()) {
            log::debug("reading edge records of " + tp.topic + ": " + msg->error_text());
            continue;
        }
        if (done.count(tp)) continue;
        std::int64_t ts = msg->timestamp();
        if (ts >= 0) {
            auto& slot = out[tp];
            slot = first ? (slot ? std::min(slot, ts) : ts) : std::max(slot, ts);
        }
        if (first || msg->offset() >= stop_at[tp]) done.insert(tp);
    }
    return out;
}

std::map<std::string, TopicStats> collect_stats(kafka::Admin& admin, const kafka::ClusterMetadata& metadata,
                                                const std::vector<std::string>& topics, const CollectOptions& options) {
    std::map<std::string, TopicStats> out;
    std::vector<kafka::TopicPartition> tps;
    std::vector<std::string> present;
    for (const auto& name : topics) {
        const kafka::TopicInfo* t = metadata.find(name);
        if (!t || !t->error.empty()) continue;
        TopicStats s{.name = name};
        for (const auto& p : t->partitions) {
            s.partitions.push_back({.id = p.id, .leader = p.leader, .replicas = p.replicas, .isrs = p.isrs});
            tps.push_back({name, p.id});
        }
        out.emplace(name, std::move(s));
        present.push_back(name);
    }
    if (present.empty()) return out;

    std::future<std::map<std::string, std::map<std::string, kafka::ConfigEntry>>> configs;
    const bool configs_wanted = options.configs && !is_dev_broker(metadata);
    if (configs_wanted) configs = std::async(std::launch::async, [&] { return admin.topic_configs(present); });

    std::map<kafka::TopicPartition, kafka::Watermarks> marks;
    try {
        marks = admin.watermarks(tps);
        for (auto& [name, s] : out) {
            s.offsets_known = true;
            for (auto& p : s.partitions) {
                const auto& m = marks[{name, p.id}];
                p.low = m.low;
                p.high = m.high;
            }
        }
    } catch (const Error& e) {
        log::warn(std::string("cannot read offsets: ") + e.what());
    }

    if (options.timestamps && !marks.empty()) {
        const auto& settings = admin.client().settings();
        auto firsts = std::async(std::launch::async, [&] { return read_edge_timestamps(settings, marks, true, options.read_budget); });
        std::map<kafka::TopicPartition, std::int64_t> lasts;
        try {
            lasts = read_edge_timestamps(settings, marks, false, options.read_budget);
        } catch (const Error& e) {
            log::debug(std::string("cannot read last records: ") + e.what());
        }
        std::map<kafka::TopicPartition, std::int64_t> first_ts;
        try {
            first_ts = firsts.get();
        } catch (const Error& e) {
            log::debug(std::string("cannot read first records: ") + e.what());
        }
        for (auto& [name, s] : out)
            for (auto& p : s.partitions) {
                if (auto it = first_ts.find({name, p.id}); it != first_ts.end()) p.first_ts = it->second;
                if (auto it = lasts.find({name, p.id}); it != lasts.end()) p.last_ts = it->second;
            }
    }

    if (configs_wanted) {
        try {
            auto all = configs.get();
            for (auto& [name, s] : out) {
                if (auto it = all.find(name); it != all.end()) s.configs = std::move(it->second);
                else s.configs_error = "the broker did not return configs for this topic";
            }
        } catch (const Error& e) {
            log::debug(std::string("cannot describe topic configs: ") + e.what());
            for (auto& [name, s] : out) s.configs_error = e.what();
        }
    } else {
        std::string why = options.configs ? "the embedded dev broker cannot describe topic configs" : "not requested";
        for (auto& [name, s] : out) s.configs_error = why;
    }
    return out;
}

}  // namespace meshctl::catalog
