#include "core/pipeline/batch_worker.hpp"


#include <sched.h>

namespace meshctl::pipeline {

BatchWorker::BatchWorker(const PipelineSpec& spec, const TableView& tables, std::string topic, bool headers_wanted)
    : proc_(spec), tables_(tables), topic_(std::move(topic)), headers_wanted_(headers_wanted), look_ahead_(proc_.can_look_ahead()),
      thread_([this] { loop(); }) {}

BatchWorker::~BatchWorker() {
    {
        std::lock_guard<std::mutex> lock(mu_);
        stopping_ = true;
    }
    cv_.notify_all();
    thread_.join();
}

void BatchWorker::start(rd_kafka_message_t* const* messages, std::size_t begin, std::size_t end, std::vector<BatchOutcome>& out) {
    std::lock_guard<std::mutex> lock(mu_);
    messages_ = messages;
    begin_ = begin;
    end_ = end;
    out_ = &out;
    busy_ = true;
    cv_.notify_all();
}

void BatchWorker::wait() {
    std::unique_lock<std::mutex> lock(mu_);
    cv_.wait(lock, [this] { return !busy_; });
}

void BatchWorker::loop() {
    std::unique_lock<std::mutex> lock(mu_);
    for (;;) {
        cv_.wait(lock, [this] { return busy_ || stopping_; });
        if (stopping_) return;
        auto* messages = messages_;
        std::size_t begin = begin_, end = end_;
        auto* out = out_;
        lock.unlock();
        run(messages, begin, end, *out);
        lock.lock();
        busy_ = false;
        cv_.notify_all();
    }
}

void BatchWorker::run(rd_kafka_message_t* const* messages, std::size_t begin, std::size_t end, std::vector<BatchOutcome>& out) {
    // Join keys ahead, as the consuming thread does (Processor::look_ahead).
    auto ahead = [&](std::size_t j, bool row) {
        if (out[j].state != BatchOutcome::done) return;
        proc_.look_ahead(expr::event_from_message(messages[j], topic_, ahead_headers_, headers_wanted_), tables_, row);
    };
    if (look_ahead_)
        for (std::size_t j = begin; j < end && j < begin + 8; ++j) ahead(j, j < begin + 4);
    for (std::size_t i = begin; i < end; ++i) {
        if (look_ahead_) {
            if (i + 8 < end) ahead(i + 8, false);
            if (i + 4 < end) ahead(i + 4, true);
        }
        BatchOutcome& o = out[i];
        if (o.state != BatchOutcome::done) continue;
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
    }
}

bool second_core_available() {
    cpu_set_t set;
    CPU_ZERO(&set);
    if (sched_getaffinity(0, sizeof set, &set) != 0) return false;
    return CPU_COUNT(&set) >= 2;
}

}  // namespace meshctl::pipeline
