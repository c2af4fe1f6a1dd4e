// The windowed stream-stream join in the run loop. Both streams come through one consumer;
// their records are processed in timestamp order across all assigned partitions (the
// record with the smallest timestamp among the partitions' heads goes first), so that the
// window sees a backlog as it happened and does not drop one stream as late because the
// other was fetched first. A partition with nothing queued holds the others back until
// it reports its end (enable.partition.eof) or stays silent for max_idle.
#include "core/pipeline/engine_internal.hpp"

#include "core/error.hpp"
#include "core/expr/kafka_event.hpp"
#include "core/util/log.hpp"
#include "core/util/signals.hpp"

namespace meshctl::pipeline::detail {

namespace {

// How long an empty partition that has not reported its end may hold the others back.
constexpr auto max_idle = std::chrono::seconds(2);
// Records queued before the merge stops waiting for empty partitions (bounds memory).
constexpr std::size_t max_queued = 100'000;

}  // namespace

void Engine::enqueue(rd_kafka_message_t* m) {
    int s = stream_of(m);
    if (m->err == RD_KAFKA_RESP_ERR__PARTITION_EOF) {
        if (parts_[s].count(m->partition)) queues_[s][m->partition].eof = true;
        rd_kafka_message_destroy(m);
        return;
    }
    if (m->err) {
        try {
            handle(m);  // reports the error (or throws for a missing topic)
        } catch (...) {
            rd_kafka_message_destroy(m);
            throw;
        }
        rd_kafka_message_destroy(m);
        return;
    }
    auto it = parts_[s].find(m->partition);
    if (it == parts_[s].end() || m->offset < it->second.next || m->offset >= it->second.stop) {
        rd_kafka_message_destroy(m);  // revoked, stale (before a seek) or past --until
        return;
    }
    Queue& q = queues_[s][m->partition];
    q.messages.push_back(m);
    q.eof = false;
    ++queued_;
}

void Engine::drain() {
    while (!util::interrupted()) {
        rd_kafka_message_t* best = nullptr;
        int best_stream = 0;
        bool blocked = false;
        for (int s = 0; s < streams_; ++s)
            for (auto& [part, p] : parts_[s]) {
                auto q = queues_[s].find(part);
                if (q == queues_[s].end() || q->second.messages.empty()) {
                    if (p.next < p.stop && (q == queues_[s].end() || !q->second.eof)) blocked = true;
                    continue;
                }
                rd_kafka_message_t* head = q->second.messages.front();
                if (!best || rd_kafka_message_timestamp(head, nullptr) < rd_kafka_message_timestamp(best, nullptr)) {
                    best = head;
                    best_stream = s;
                }
            }
        if (!best) {
            blocked_since_.reset();  // nothing to order yet: no partition is holding anything back
            return;
        }
        if (blocked) {
            auto now = Clock::now();
            if (!blocked_since_) blocked_since_ = now;
            if (queued_ < max_queued && now - *blocked_since_ < max_idle) return;  // wait for the quiet partition
        } else {
            blocked_since_.reset();
        }
        Queue& q = queues_[best_stream][best->partition];
        q.messages.pop_front();
        --queued_;
        try {
            handle_windowed(best_stream, best);
        } catch (...) {
            rd_kafka_message_destroy(best);
            throw;
        }
        rd_kafka_message_destroy(best);
    }
}

void Engine::handle_windowed(int s, rd_kafka_message_t* m) {
    auto it = parts_[s].find(m->partition);
    if (it == parts_[s].end()) return;
    Part& p = it->second;
    if (!to_process(m->offset, p.next, p.stop)) return;
    ++read_[s];
    expr::Event ev = expr::event_from_message(m, topics_[s], headers_, headers_wanted_);
    if (!decode_framed(ev)) {
        p.next = m->offset + 1;
        ++since_flush_;
        return;
    }
    auto emit = [this](const HeldEvent& left, const HeldEvent* right) { emit_joined(left, right); };
    if (s == primary) {
        switch (proc_.process(ev, store_)) {
        case Verdict::windowed: window_->add(Side::left, proc_.window_key(), HeldEvent::from(ev), emit); break;
        case Verdict::dead_letter: write_dead(ev, proc_.reason()); break;
        default: break;
        }
    } else {
        std::optional<std::string> key;
        if (!ev.value) {
            // A tombstone on the second stream has nothing to join.
        } else if (!proc_.window_right_key(ev, key)) {
            dead_letter(ev, proc_.reason());
        } else {
            window_->add(Side::right, key, HeldEvent::from(ev), emit);
        }
    }
    p.next = m->offset + 1;
    ++since_flush_;
}

void Engine::emit_joined(const HeldEvent& left, const HeldEvent* right) {
    switch (proc_.process_joined(left, right, store_)) {
    case Verdict::written:
        for (std::size_t i = 0; i < sinks_.size(); ++i) sinks_[i]->write(proc_.outputs()[i]);
        break;
    case Verdict::dead_letter: {
        std::vector<expr::Header> headers;
        std::string reason = proc_.reason();
        if (right) reason += " (joined with " + right->topic + "/" + std::to_string(right->partition) + "/" + std::to_string(right->offset) + ")";
        write_dead(left.view(headers), reason);
        break;
    }
    default: break;
    }
}

void Engine::drop_queues(int s, const std::vector<std::int32_t>& partitions) {
    for (auto part : partitions) {
        auto q = queues_[s].find(part);
        if (q == queues_[s].end()) continue;
        for (auto* m : q->second.messages) rd_kafka_message_destroy(m);
        queued_ -= q->second.messages.size();
        queues_[s].erase(q);
    }
}

void Engine::drop_all_queues() {
    for (auto& queues : queues_) {
        for (auto& [part, q] : queues)
            for (auto* m : q.messages) rd_kafka_message_destroy(m);
        queues.clear();
    }
    queued_ = 0;
    blocked_since_.reset();
}

}  // namespace meshctl::pipeline::detail
