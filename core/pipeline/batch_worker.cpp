#include "core/pipeline/batch_worker.hpp"

#include "core/schema/decoder.hpp"

#include <algorithm>
#include <tuple>

namespace meshctl::pipeline {

BatchWorker::BatchWorker(const PipelineSpec& spec, const TableView& tables, std::string topic, bool headers_wanted)
    : proc_(spec), tables_(tables), topic_(std::move(topic)), headers_wanted_(headers_wanted), look_ahead_(proc_.can_look_ahead()) {}

void BatchWorker::start(rd_kafka_message_t* const* messages, std::size_t n, std::size_t begin,
                        const std::vector<Position>& positions, std::vector<BatchOutcome>& out) {
    messages_ = messages;
    out_ = &out;
    marked_.store(false, std::memory_order_relaxed);
    left_.store(std::uint64_t{begin} << 32 | n, std::memory_order_relaxed);
    thread_.start([this, messages, n, begin, &positions, &out] {
        destroy_retired();
        mark(messages, n, begin, positions, out);
        marked_.store(true, std::memory_order_release);  // help() may read the states now
        marked_.notify_one();
        run(begin, n);
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

std::pair<std::size_t, std::size_t> BatchWorker::claim_front(std::size_t k) {
    std::uint64_t cur = left_.load(std::memory_order_relaxed);
    for (;;) {
        std::size_t front = cur >> 32, back = cur & 0xffffffffu;
        std::size_t to = std::min(front + k, back);
        if (to == front) return {front, front};
        if (left_.compare_exchange_weak(cur, std::uint64_t{to} << 32 | back, std::memory_order_relaxed)) return {front, to};
    }
}

std::pair<std::size_t, std::size_t> BatchWorker::claim_back(std::size_t k) {
    std::uint64_t cur = left_.load(std::memory_order_relaxed);
    for (;;) {
        std::size_t front = cur >> 32, back = cur & 0xffffffffu;
        std::size_t from = back - std::min(k, back - front);
        if (from == back) return {back, back};
        if (left_.compare_exchange_weak(cur, std::uint64_t{front} << 32 | from, std::memory_order_relaxed)) return {from, back};
    }
}

void BatchWorker::ahead_one(Processor& proc, std::vector<expr::Header>& headers, std::size_t j, bool row) {
    // Reads nothing the other thread writes: the message j may be the other thread's.
    const rd_kafka_message_t* m = messages_[j];
    if (m->err || schema::is_confluent_framed(expr::payload_view(m))) return;
    proc.look_ahead(expr::event_from_message(m, topic_, headers, headers_wanted_), tables_, row);
}

void BatchWorker::process_one(Processor& proc, std::vector<expr::Header>& headers, std::size_t i) {
    BatchOutcome& o = (*out_)[i];
    if (o.state != BatchOutcome::done) return;
    const rd_kafka_message_t* m = messages_[i];
    if (schema::is_confluent_framed(expr::payload_view(m))) {  // decoded through the schema registry, by the consuming thread
        o.state = BatchOutcome::consumer;
        return;
    }
    try {
        expr::Event ev = expr::event_from_message(m, topic_, headers, headers_wanted_);
        o.verdict = proc.process(ev, tables_);
        if (o.verdict == Verdict::written) {
            const auto& records = proc.outputs();
            o.records.resize(records.size());
            for (std::size_t k = 0; k < records.size(); ++k) o.records[k] = records[k];
        } else if (o.verdict == Verdict::dead_letter) {
            o.reason = proc.reason();
        }
    } catch (...) {
        o.state = BatchOutcome::consumer;  // processed again where a throw is handled
    }
}

// The worker's part: a few messages at a time from the front, while help() may take them
// from the back. The look-ahead runs ahead whatever was claimed: it only warms this
// thread's caches and its Processor's ring.
void BatchWorker::run(std::size_t begin, std::size_t end) {
    std::size_t claimed = begin;  // the end of what this thread has claimed
    with_look_ahead(begin, end, look_ahead_, [&](std::size_t j, bool row) { ahead_one(proc_, ahead_headers_, j, row); },
                    [&](std::size_t i) {
                        if (i == claimed && (claimed = claim_front(kClaim).second) == i) return false;  // all taken
                        process_one(proc_, headers_, i);
                        return true;
                    });
    finished_ = std::chrono::steady_clock::now();
}

std::size_t BatchWorker::help(Processor& proc, std::vector<expr::Header>& headers, std::vector<expr::Header>& ahead_headers) {
    marked_.wait(false, std::memory_order_acquire);  // the worker frees the last batch and marks this one first
    std::size_t done = 0;
    for (auto [from, to] = claim_back(kHelpClaim); from < to; std::tie(from, to) = claim_back(kHelpClaim)) {
        with_look_ahead(from, to, look_ahead_, [&](std::size_t j, bool row) { ahead_one(proc, ahead_headers, j, row); },
                        [&](std::size_t i) { process_one(proc, headers, i); });
        done += to - from;
    }
    return done;
}

}  // namespace meshctl::pipeline
