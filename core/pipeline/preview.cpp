// preview: the last N events of the stream against the tables as they are now (with a
// windowed join, the last N of each stream, merged by timestamp). It reads with an
// assign-mode consumer (no group, nothing committed) and opens no sink.
#include "core/pipeline/engine.hpp"

#include "core/error.hpp"
#include "core/kafka/admin.hpp"
#include "core/kafka/consumer.hpp"
#include "core/pipeline/table_feed.hpp"
#include "core/pipeline/window.hpp"
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

    std::optional<kafka::Consumer> consumer;  // outlives the held messages: destroying it waits for them
    struct Held {
        kafka::Message m;
        std::int64_t ts;
        int stream;
    };
    std::vector<Held> held;
    std::vector<const SourceSpec*> streams = {&stream};
    if (const SourceSpec* second = spec.joined_stream()) streams.push_back(second);
    for (int s = 0; s < static_cast<int>(streams.size()); ++s) {
        const std::string& topic = streams[static_cast<std::size_t>(s)]->topic;
        std::vector<kafka::TopicPartition> tps;
        for (const auto& p : (s == 0 ? info : admin.topic(topic)).partitions) tps.push_back({topic, p.id});
        auto marks = admin.watermarks(tps);
        std::vector<kafka::PartitionOffset> assign;
        std::map<std::int32_t, std::int64_t> stop;
        for (const auto& [tp, wm] : marks) {
            if (wm.high <= wm.low) continue;
            assign.push_back({tp, std::max(wm.low, wm.high - count)});
            stop[tp.partition] = wm.high;
        }
        if (assign.empty()) continue;
        if (!consumer)
            consumer.emplace(settings, std::nullopt,
                             std::vector<std::pair<std::string, std::string>>{{"enable.partition.eof", "true"}, {"fetch.wait.max.ms", "50"}});
        consumer->assign(assign);
        std::vector<Held> mine;
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
            auto st = stop.find(m->partition());
            if (st == stop.end() || m->offset() >= st->second) continue;
            if (m->offset() + 1 >= st->second) stop.erase(st);
            std::int64_t ts = m->timestamp();
            mine.push_back({std::move(*m), ts, s});
        }
        std::stable_sort(mine.begin(), mine.end(), [](const Held& a, const Held& b) { return a.ts < b.ts; });
        std::size_t first = mine.size() > static_cast<std::size_t>(count) ? mine.size() - static_cast<std::size_t>(count) : 0;
        for (std::size_t i = first; i < mine.size(); ++i) held.push_back(std::move(mine[i]));
    }
    std::stable_sort(held.begin(), held.end(), [](const Held& a, const Held& b) { return a.ts < b.ts; });
    std::optional<WindowJoin> window;
    if (const StepSpec* w = spec.windowed_join()) window.emplace(w->window_ms, w->grace_ms, w->join_type);
    auto emit = [&](const HeldEvent& left, const HeldEvent* right) {
        Verdict v = proc.process_joined(left, right, store);
        if (v == Verdict::written)
            for (std::size_t s = 0; s < spec.sinks.size(); ++s) result.records.push_back({spec.sinks[s].describe(), proc.outputs()[s]});
        else if (v == Verdict::dead_letter) {
            std::vector<expr::Header> headers;
            on_dead(left.view(headers), proc.reason());
        }
    };
    for (const auto& h : held) {
        const auto& m = h.m;
        expr::Event ev;
        ev.value = m.value();
        ev.key = m.key();
        ev.topic = streams[static_cast<std::size_t>(h.stream)]->topic;
        ev.partition = m.partition();
        ev.offset = m.offset();
        ev.timestamp_ms = h.ts;
        if (h.stream == 1) {
            std::optional<std::string> key;
            if (!ev.value) continue;
            if (!proc.window_right_key(ev, key)) on_dead(ev, proc.reason());
            else window->add(Side::right, key, HeldEvent::from(ev), emit);
            continue;
        }
        Verdict v = proc.process(ev, store);
        if (v == Verdict::written)
            for (std::size_t s = 0; s < spec.sinks.size(); ++s) result.records.push_back({spec.sinks[s].describe(), proc.outputs()[s]});
        else if (v == Verdict::windowed) window->add(Side::left, proc.window_key(), HeldEvent::from(ev), emit);
        else if (v == Verdict::dead_letter) on_dead(ev, proc.reason());
    }
    result.counts = proc.counts();
    if (window) {
        result.counts.joined += window->counts().pairs;
        result.counts.unmatched += window->counts().unmatched;
        result.counts.left_unmatched += window->counts().left_unmatched;
        result.counts.late = window->counts().late;
        result.window_records = window->size();
    }
    return result;
}

}  // namespace meshctl::pipeline
