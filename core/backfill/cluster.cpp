#include "core/backfill/cluster.hpp"

#include "core/error.hpp"
#include "core/kafka/consumer.hpp"
#include "core/util/log.hpp"
#include "core/util/text.hpp"

#include <algorithm>
#include <chrono>

namespace meshctl::backfill {

namespace {

class KafkaCluster : public Cluster {
public:
    explicit KafkaCluster(const kafka::ClientSettings& s) : settings_(s), admin_(s) {}

    std::map<std::string, int> partition_counts(const std::vector<std::string>& topics) override {
        std::map<std::string, int> out;
        // Ask for all topics: a request naming a missing topic makes a broker with
        // auto.create.topics.enable create it, and a typo must not create anything.
        auto md = admin_.metadata();
        for (const auto& name : topics)
            if (const auto* t = md.find(name); t && t->error.empty() && !t->partitions.empty())
                out[name] = static_cast<int>(t->partitions.size());
        return out;
    }

    std::vector<std::string> topic_names() override { return admin_.metadata().topic_names(); }

    std::map<std::string, TopicHistory> topic_history(const std::vector<std::string>& topics) override {
        std::map<std::string, TopicHistory> out;
        for (const auto& t : topics) {
            TopicHistory h;
            try {
                auto cfg = admin_.topic_config(t);
                auto num = [&](const char* key) -> std::optional<std::int64_t> {
                    auto it = cfg.find(key);
                    long long v = -1;
                    if (it == cfg.end() || !util::parse_int64(it->second.value, v) || v < 0) return std::nullopt;
                    return v;
                };
                if (auto it = cfg.find("cleanup.policy"); it != cfg.end())
                    h.compacted = it->second.value.find("compact") != std::string::npos;
                h.retention_ms = num("retention.ms");
                h.retention_bytes = num("retention.bytes");
            } catch (const Error& e) {
                log::debug("cannot read the configuration of topic \"" + t + "\": " + e.what());
            }
            out[t] = h;
        }
        return out;
    }

    std::map<TopicPartition, kafka::Watermarks> watermarks(const std::vector<TopicPartition>& partitions) override {
        return admin_.watermarks(partitions);
    }

    std::map<TopicPartition, std::int64_t> offsets_for_times(const std::vector<TopicPartition>& partitions,
                                                              std::int64_t time_ms) override {
        std::vector<std::pair<TopicPartition, std::int64_t>> q;
        for (const auto& tp : partitions) q.emplace_back(tp, time_ms);
        return admin_.offsets_for_times(q);
    }

    std::map<TopicPartition, std::int64_t> earliest_timestamps(const std::map<TopicPartition, kafka::Watermarks>& marks) override {
        std::map<TopicPartition, std::int64_t> out;
        std::vector<kafka::PartitionOffset> assign;
        for (const auto& [tp, wm] : marks)
            if (wm.high > wm.low) assign.push_back({tp, wm.low});
        if (assign.empty()) return out;
        // Small fetches: only the first record of each partition is wanted.
        kafka::Consumer consumer(settings_, std::nullopt,
                                 {{"fetch.message.max.bytes", "4096"}, {"queued.max.messages.kbytes", "4096"},
                                  {"fetch.wait.max.ms", "10"}});
        consumer.assign(assign);
        auto budget = std::min<std::chrono::milliseconds>(settings_.timeout, std::chrono::milliseconds(5000));
        auto deadline = std::chrono::steady_clock::now() + budget;
        while (out.size() < assign.size() && std::chrono::steady_clock::now() < deadline) {
            auto m = consumer.poll(100);
            if (!m || m->is_error()) continue;
            TopicPartition tp{std::string(m->topic()), m->partition()};
            out.emplace(tp, m->timestamp());
        }
        if (out.size() < assign.size())
            log::debug("earliest record timestamps: " + std::to_string(assign.size() - out.size()) + " partitions did not answer in time");
        consumer.close();
        return out;
    }

    kafka::GroupDescription describe_group(const std::string& group) override {
        auto d = admin_.describe_groups({group});
        if (d.empty()) return kafka::GroupDescription{.group_id = group, .state = "Dead"};
        return d.front();
    }

    std::vector<std::string> group_names() override {
        std::vector<std::string> out;
        for (const auto& g : admin_.list_groups()) out.push_back(g.group_id);
        return out;
    }

    std::map<TopicPartition, std::int64_t> committed_offsets(const std::string& group) override {
        return admin_.committed_offsets(group);
    }

    std::map<TopicPartition, std::string> alter_offsets(const std::string& group,
                                                         const std::map<TopicPartition, std::int64_t>& offsets) override {
        return admin_.alter_offsets(group, offsets);
    }

    std::map<TopicPartition, std::string> delete_offsets(const std::string& group,
                                                          const std::vector<TopicPartition>& partitions) override {
        return admin_.delete_offsets(group, partitions);
    }

private:
    kafka::ClientSettings settings_;
    kafka::Admin admin_;
};

}  // namespace

std::unique_ptr<Cluster> kafka_cluster(const kafka::ClientSettings& settings) {
    return std::make_unique<KafkaCluster>(settings);
}

}  // namespace meshctl::backfill
