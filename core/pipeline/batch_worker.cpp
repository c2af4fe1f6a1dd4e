#include "core/pipeline/batch_worker.hpp"

#include "core/schema/decoder.hpp"

#include <algorithm>

namespace meshctl::pipeline {

BatchWorker::BatchWorker(const PipelineSpec& spec, const TableView& tables, std::string topic, bool headers_wanted)
    : proc_(spec), tables_(tables), topic_(std::move(topic)), headers_wanted_(headers_wanted), look_ahead_(proc_.can_look_ahead()) {}

void BatchWorker::start(rd_kafka_message_t* const* messages, std::size_t n, std::size_t begin,
                        const std::vector<Position>& positions, std::vector<BatchOutcome>& out) {
    thread_.start([this, messages, n, begin, &positions, &out] {
        destroy_retired();
        mark(messages, n, begin, positions, out);
        run(messages, begin, n, out);
    });
}

void BatchWorker::retire(rd_kafka_message_t* const* messages, std::size_t n) {
    destroy_retired();  // none are left when every job started destroyed the previous batch
    retired_.assign(messages, messages + n);
}

void BatchWorker::release() {
    wait();
    destroy_retired();
}

void BatchWorker::destroy_retired() {
    for (rd_kafka_message_t* m : retired_) rd_kafka_message_destroy(m);
    retired_.clear();
}

// Engine::handle()'s offset test, run over the whole batch so that `next` is where the
// consuming thread's part leaves it.
void BatchWorker::mark(rd_kafka_message_t* const* messages, std::size_t n, std::size_t begin,
                       const std::vector<Position>& positions, std::vector<BatchOutcome>& out) {
    next_ = positions;
    for (std::size_t i = 0; i < n; ++i) {
        const rd_kafka_message_t* m = messages[i];
        bool eligible = false;
        if (!m->err) {
            auto p = std::find_if(next_.begin(), next_.end(), [&](const Position& x) { return x.partition == m->partition; });
            if (p != next_.end() && to_process(m->offset, p->next, p->stop)) {
                eligible = true;
                p->next = m->offset + 1;
            }
        }
        if (i >= begin) out[i].state = m->err ? BatchOutcome::consumer : eligible ? BatchOutcome::done : BatchOutcome::skip;
    }
}

void BatchWorker::run(rd_kafka_message_t* const* messages, std::size_t begin, std::size_t end, std::vector<BatchOutcome>& out) {
    // Join keys ahead, as the consuming thread does (Processor::look_ahead).
    auto framed = [&](std::size_t i) { return schema::is_confluent_framed(expr::payload_view(messages[i])); };
    auto ahead = [&](std::size_t j, bool row) {
        if (out[j].state != BatchOutcome::done || framed(j)) return;
        proc_.look_ahead(expr::event_from_message(messages[j], topic_, ahead_headers_, headers_wanted_), tables_, row);
    };
    with_look_ahead(begin, end, look_ahead_, ahead, [&](std::size_t i) {
        BatchOutcome& o = out[i];
        if (o.state != BatchOutcome::done) return;
        if (framed(i)) {  // decoded through the schema registry, by the consuming thread
            o.state = BatchOutcome::consumer;
            return;
        }
        try {
            expr::Event ev = expr::event_from_message(messages[i], topic_, headers_, headers_wanted_);
            o.verdict = proc_.process(ev, tables_);
            if (o.verdict == Verdict::written) {
                const auto& records = proc_.outputs();
                o.records.resize(records.size());
                for (std::size_t k = 0; k < records.size(); ++k) o.records[k] = records[k];
            } else if (o.verdict == Verdict::dead_letter) {
                o.reason = proc_.reason();
            }
        } catch (...) {
            o.state = BatchOutcome::consumer;  // processed again where a throw is handled
        }
    });
    finished_ = std::chrono::steady_clock::now();
}

}  // namespace meshctl::pipeline
