// preview: the last N events of the stream against the tables as they are now. It reads
// with an assign-mode consumer (no group, nothing committed) and opens no sink.
#include "core/pipeline/engine.hpp"

#include "core/error.hpp"
#include "core/kafka/admin.hpp"
#include "core/kafka/consumer.hpp"
#include "core/pipeline/table_feed.hpp"
#include "core/util/signals.hpp"

#include <algorithm>

namespace meshctl::pipeline {

PreviewResult preview_pipeline(const PipelineSpec& spec, int count, const kafka::ClientSettings& settings) {
    if (count <= 0) throw usage_error("-n must be at least 1");
    PreviewResult result;
    Processor proc(spec);
    TableStore store(proc.tables().size());
    auto on_dead = [&](const expr::Event& ev, const std::string& reason) {
        result.dead_letters.emplace_back(std::string(ev.topic) + "/" + std::to_string(ev.partition) + "/" + std::to_string(ev.offset),
                                         reason);
    };
    kafka::Admin admin(settings);
    const auto& stream = spec.stream();
    auto info = admin.topic(stream.topic);
    std::vector<std::unique_ptr<TableFeed>> feeds;
    for (std::size_t i = 0; i < proc.tables().size(); ++i) {
        const SourceSpec& src = *spec.source(proc.tables()[i]);
        std::vector<std::int32_t> all;
        for (const auto& p : admin.topic(src.topic).partitions) all.push_back(p.id);
        feeds.push_back(std::make_unique<TableFeed>(settings, src, i, proc, store, on_dead));
        feeds.back()->load(all);
    }
    result.table_rows = store.rows();

    std::vector<kafka::TopicPartition> tps;
    for (const auto& p : info.partitions) tps.push_back({stream.topic, p.id});
    auto marks = admin.watermarks(tps);
    std::vector<kafka::PartitionOffset> assign;
    std::map<std::int32_t, std::int64_t> stop;
    for (const auto& [tp, wm] : marks) {
        if (wm.high <= wm.low) continue;
        assign.push_back({tp, std::max(wm.low, wm.high - count)});
        stop[tp.partition] = wm.high;
    }
    std::optional<kafka::Consumer> consumer;  // outlives the held messages: destroying it waits for them
    struct Held {
        kafka::Message m;
        std::int64_t ts;
    };
    std::vector<Held> held;
    if (!assign.empty()) {
        consumer.emplace(settings, std::nullopt,
                         std::vector<std::pair<std::string, std::string>>{{"enable.partition.eof", "true"}, {"fetch.wait.max.ms", "50"}});
        consumer->assign(assign);
        while (!stop.empty() && !util::interrupted()) {
            auto m = consumer->poll(200);
            if (!m) continue;
            if (m->is_partition_eof()) {
                if (m->offset() >= stop[m->partition()]) stop.erase(m->partition());
                continue;
            }
            if (m->is_error()) {
                consumer->client().check_fatal();
                continue;
            }
            auto s = stop.find(m->partition());
            if (s == stop.end() || m->offset() >= s->second) continue;
            if (m->offset() + 1 >= s->second) stop.erase(s);
            std::int64_t ts = m->timestamp();
            held.push_back({std::move(*m), ts});
        }
    }
    std::stable_sort(held.begin(), held.end(), [](const Held& a, const Held& b) { return a.ts < b.ts; });
    std::size_t first = held.size() > static_cast<std::size_t>(count) ? held.size() - static_cast<std::size_t>(count) : 0;
    for (std::size_t i = first; i < held.size(); ++i) {
        const auto& m = held[i].m;
        expr::Event ev;
        ev.value = m.value();
        ev.key = m.key();
        ev.topic = stream.topic;
        ev.partition = m.partition();
        ev.offset = m.offset();
        ev.timestamp_ms = held[i].ts;
        Verdict v = proc.process(ev, store);
        if (v == Verdict::written)
            for (std::size_t s = 0; s < spec.sinks.size(); ++s) result.records.push_back({spec.sinks[s].describe(), proc.outputs()[s]});
        else if (v == Verdict::dead_letter) on_dead(ev, proc.reason());
    }
    result.counts = proc.counts();
    return result;
}

}  // namespace meshctl::pipeline
