#include "core/schema/observe.hpp"

#include "core/error.hpp"
#include "core/kafka/admin.hpp"
#include "core/kafka/consumer.hpp"
#include "core/kafka/position.hpp"
#include "core/sample/sample.hpp"
#include "core/util/signals.hpp"
#include "core/util/time.hpp"

#include <map>
#include <memory>

namespace meshctl::schema {

void BadEvents::add(const Location& at, std::string_view reason, std::string_view error) {
    ++total_;
    ++counts_[std::string(reason)];
    if (listed_.size() < cap_) listed_.push_back({at, std::string(reason), std::string(error)});
}

nlohmann::json BadEvents::to_json() const {
    nlohmann::json listed = nlohmann::json::array();
    for (const auto& e : listed_)
        listed.push_back({{"partition", e.at.partition}, {"offset", e.at.offset}, {"reason", e.reason}, {"error", e.error}});
    return {{"total", total_}, {"counts", counts_}, {"listed", std::move(listed)}};
}

std::string BadEvents::summary() const {
    std::string out;
    for (const auto& [reason, n] : counts_) out += (out.empty() ? "" : ", ") + reason + " " + std::to_string(n);
    return out;
}

std::optional<std::string_view> decode_value(Decoder& decoder, const RecordView& record, BadEvents& bad) {
    if (!record.value) return std::nullopt;
    // Unframed payloads skip the decoder: its JSON check would parse every event a second
    // time, and the caller's own parse rejects (and counts) what is not JSON anyway.
    if (!record.value->empty() && (*record.value)[0] != '\0') return record.value;
    Decoded d = decoder.decode(*record.value);
    if (d.ok()) return d.json;
    bad.add(record.at, Decoder::status_name(d.status), d.error);
    return std::nullopt;
}

namespace {

struct MessageDeleter {
    void operator()(rd_kafka_message_t* m) const { rd_kafka_message_destroy(m); }
};
using MessagePtr = std::unique_ptr<rd_kafka_message_t, MessageDeleter>;

// The sample offsets still to visit in one partition.
struct Targets {
    kafka::TopicPartition tp;
    std::vector<std::int64_t> offsets;
    std::size_t next = 0;
    std::int64_t stop = 0;  // the high watermark when observation started
    bool done() const { return next >= offsets.size(); }
};

}  // namespace

ObserveStats observe(const ObserveOptions& o, const kafka::ClientSettings& settings, const RecordSink& sink) {
    // Everything the user typed is checked before the first network call.
    if (o.samples < 1) throw usage_error("--samples must be at least 1");
    std::optional<kafka::Position> from;
    if (o.from) from = kafka::parse_position(*o.from, "--from", util::now_ms());

    kafka::Admin admin(settings);
    ObserveStats stats;
    stats.topic = o.stream;
    kafka::TopicInfo info;
    try {
        info = admin.topic(stats.topic);
    } catch (const Error& e) {
        auto product = e.kind() == ErrorKind::not_found && o.product_topic ? o.product_topic(o.stream) : std::nullopt;
        if (!product) throw;
        stats.topic = *product;
        info = admin.topic(stats.topic);
    }
    stats.partitions = static_cast<std::int32_t>(info.partitions.size());
    std::vector<kafka::TopicPartition> tps;
    for (const auto& p : info.partitions) tps.push_back({stats.topic, p.id});
    auto marks = admin.watermarks(tps);
    std::map<kafka::TopicPartition, std::int64_t> starts;
    if (from) starts = kafka::resolve_position(admin, *from, marks);
    else
        for (const auto& [tp, wm] : marks) starts[tp] = wm.low;

    // The uniform strategy of `sample`: samples in proportion to partition sizes, each
    // partition's share spread evenly over its offsets (so over time, roughly).
    std::vector<std::int64_t> sizes;
    for (const auto& tp : tps) sizes.push_back(std::max<std::int64_t>(0, marks[tp].high - starts[tp]));
    for (auto s : sizes) stats.in_range += s;
    auto counts = sample::allocate_samples(sizes, o.samples);
    std::map<std::int32_t, Targets> targets;
    std::vector<kafka::PartitionOffset> assignment;
    for (std::size_t i = 0; i < tps.size(); ++i) {
        auto offsets = sample::spread_offsets(starts[tps[i]], marks[tps[i]].high, counts[i]);
        if (offsets.empty()) continue;
        assignment.push_back({tps[i], offsets.front()});
        targets[tps[i].partition] = {tps[i], std::move(offsets), 0, marks[tps[i]].high};
    }
    if (assignment.empty()) return stats;

    kafka::Consumer consumer(settings, std::nullopt, {{"enable.partition.eof", "true"}, {"fetch.wait.max.ms", "50"}});
    consumer.assign(assignment);
    std::size_t open = targets.size();
    std::vector<rd_kafka_message_t*> batch(512);
    while (open > 0 && !util::interrupted()) {
        std::size_t n = consumer.poll_batch(200, batch.data(), batch.size());
        for (std::size_t i = 0; i < n; ++i) {
            MessagePtr m(batch[i]);
            auto it = targets.find(m->partition);
            if (it == targets.end() || it->second.done()) continue;
            Targets& t = it->second;
            if (m->err == RD_KAFKA_RESP_ERR__PARTITION_EOF) {
                // Gaps (compaction, transaction markers) can leave targets past the last record.
                t.next = t.offsets.size();
                --open;
                continue;
            }
            if (m->err) {
                if (m->err == RD_KAFKA_RESP_ERR__UNKNOWN_PARTITION || m->err == RD_KAFKA_RESP_ERR_UNKNOWN_TOPIC_OR_PART)
                    throw not_found_error("topic \"" + t.tp.topic + "\" or its partition " + std::to_string(t.tp.partition) +
                                          " disappeared while reading");
                consumer.client().check_fatal();
                continue;  // transient errors are retried by librdkafka
            }
            // Records before the next target were fetched before a seek took effect.
            if (m->offset < t.offsets[t.next]) continue;
            // One record stands for every target it reaches (gaps in the log).
            while (t.next < t.offsets.size() && t.offsets[t.next] <= m->offset) ++t.next;
            RecordView record{{m->partition, m->offset}, std::nullopt};
            if (m->payload) record.value = std::string_view(static_cast<const char*>(m->payload), m->len);
            sink(record);
            ++stats.observed;
            if (t.done() || m->offset + 1 >= t.stop) {
                t.next = t.offsets.size();
                --open;
            } else if (t.offsets[t.next] > m->offset + 1) {
                consumer.seek({{t.tp, t.offsets[t.next]}});
            }
        }
    }
    stats.interrupted = util::interrupted();
    return stats;
}

}  // namespace meshctl::schema
