#include "core/pipeline/batch_worker.hpp"

namespace meshctl::pipeline {

BatchWorker::BatchWorker(const PipelineSpec& spec, const TableView& tables, std::string topic, bool headers_wanted)
    : proc_(spec), tables_(tables), topic_(std::move(topic)), headers_wanted_(headers_wanted), look_ahead_(proc_.can_look_ahead()) {}

void BatchWorker::start(rd_kafka_message_t* const* messages, std::size_t begin, std::size_t end, std::vector<BatchOutcome>& out) {
    thread_.start([this, messages, begin, end, &out] { run(messages, begin, end, out); });
}

void BatchWorker::run(rd_kafka_message_t* const* messages, std::size_t begin, std::size_t end, std::vector<BatchOutcome>& out) {
    // Join keys ahead, as the consuming thread does (Processor::look_ahead).
    auto ahead = [&](std::size_t j, bool row) {
        if (out[j].state != BatchOutcome::done) return;
        proc_.look_ahead(expr::event_from_message(messages[j], topic_, ahead_headers_, headers_wanted_), tables_, row);
    };
    with_look_ahead(begin, end, look_ahead_, ahead, [&](std::size_t i) {
        BatchOutcome& o = out[i];
        if (o.state != BatchOutcome::done) return;
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
}

}  // namespace meshctl::pipeline
