#include "core/pipeline/table_feed.hpp"

#include "core/error.hpp"
#include "core/kafka/admin.hpp"
#include "core/util/log.hpp"
#include "core/util/signals.hpp"

#include <chrono>

namespace meshctl::pipeline {

TableFeed::TableFeed(const kafka::ClientSettings& settings, const SourceSpec& source, std::size_t index, Processor& processor,
                     TableStore& store, DeadLetterFn dead_letter)
    : source_(source), index_(index), processor_(processor), store_(store), dead_letter_(std::move(dead_letter)),
      settings_(settings) {}

std::vector<std::int32_t> TableFeed::partitions() const {
    std::vector<std::int32_t> out;
    for (const auto& [p, off] : next_) out.push_back(p);
    return out;
}

void TableFeed::assign() {
    if (!consumer_)
        consumer_ = std::make_unique<kafka::Consumer>(
            settings_, std::nullopt,
            std::vector<std::pair<std::string, std::string>>{{"enable.partition.eof", "true"},
                                                             {"fetch.wait.max.ms", "100"},
                                                             // librdkafka's default (100,000) queues a whole
                                                             // table of that size at once, all of it memory
                                                             // faulted in fresh; a short queue is reused.
                                                             {"queued.min.messages", "10000"}});
    std::vector<kafka::PartitionOffset> list;
    for (const auto& [p, off] : next_) list.push_back({{source_.topic, p}, off});
    consumer_->assign(list);
}

void TableFeed::apply(rd_kafka_message_t* m) {
    if (m->err) {
        if (m->err == RD_KAFKA_RESP_ERR__PARTITION_EOF) eof_[m->partition] = m->offset;
        else if (m->err == RD_KAFKA_RESP_ERR__UNKNOWN_PARTITION || m->err == RD_KAFKA_RESP_ERR_UNKNOWN_TOPIC_OR_PART)
            throw not_found_error("table topic \"" + source_.topic + "\" disappeared while reading it");
        else log::debug("table " + source_.name + ": " + rd_kafka_err2str(m->err));
        return;
    }
    auto it = next_.find(m->partition);
    if (it == next_.end() || (it->second >= 0 && m->offset < it->second)) return;  // dropped, or from before a re-assign
    it->second = m->offset + 1;
    ++read_;
    expr::Event ev;
    if (m->payload) ev.value = std::string_view(static_cast<const char*>(m->payload), m->len);
    if (m->key) ev.key = std::string_view(static_cast<const char*>(m->key), m->key_len);
    ev.topic = source_.topic;
    ev.partition = m->partition;
    ev.offset = m->offset;
    ev.timestamp_ms = rd_kafka_message_timestamp(m, nullptr);
    if (!processor_.table_key(index_, ev, key_)) {
        if (!ev.value) return;  // a tombstone without a usable key deletes nothing
        dead_letter_(ev, processor_.reason());
        return;
    }
    if (!ev.value) {
        store_.erase(index_, m->partition, key_);
        return;
    }
    if (!processor_.table_value(index_, *ev.value, stored_)) {
        dead_letter_(ev, processor_.reason());
        return;
    }
    store_.upsert(index_, m->partition, key_, stored_);
}

void TableFeed::load(const std::vector<std::int32_t>& partitions) {
    std::vector<kafka::TopicPartition> tps;
    for (auto p : partitions)
        if (!next_.count(p)) tps.push_back({source_.topic, p});
    if (tps.empty()) return;
    kafka::Admin admin(settings_);
    auto marks = admin.watermarks(tps);
    std::map<std::int32_t, std::int64_t> targets;
    for (const auto& tp : tps) {
        const auto& wm = marks[tp];
        // An absolute start offset lets the fetch begin at once; a logical one first waits
        // for librdkafka's timed offset query (about 400 ms).
        next_[tp.partition] = wm.low >= 0 ? wm.low : RD_KAFKA_OFFSET_BEGINNING;
        eof_.erase(tp.partition);
        if (wm.high > wm.low) targets[tp.partition] = wm.high;
    }
    assign();
    auto last_progress = std::chrono::steady_clock::now();
    std::vector<rd_kafka_message_t*> batch(1024);
    while (!targets.empty()) {
        if (util::interrupted()) {
            Error e(ErrorKind::interrupted, "interrupted while loading table " + source_.name);
            e.signal = util::interrupt_signal();
            throw e;
        }
        std::size_t n = consumer_->poll_batch(200, batch.data(), batch.size());
        for (std::size_t i = 0; i < n; ++i) {
            struct Destroy {
                rd_kafka_message_t* m;
                ~Destroy() { rd_kafka_message_destroy(m); }
            } guard{batch[i]};
            apply(batch[i]);
        }
        if (n > 0) last_progress = std::chrono::steady_clock::now();
        for (auto it = targets.begin(); it != targets.end();) {
            auto e = eof_.find(it->first);
            bool done = next_[it->first] >= it->second || (e != eof_.end() && e->second >= it->second);
            it = done ? targets.erase(it) : std::next(it);
        }
        if (std::chrono::steady_clock::now() - last_progress > settings_.timeout)
            throw remote_error("loading table " + source_.name + " from topic \"" + source_.topic + "\" stalled for " +
                                   std::to_string(settings_.timeout.count() / 1000) + "s",
                               "check that the brokers leading its partitions are up, or raise --timeout");
    }
    log::info("table " + source_.name + ": " + std::to_string(store_.rows()) + " rows after reading " + std::to_string(read_) +
              " records of \"" + source_.topic + "\"");
}

void TableFeed::drop(const std::vector<std::int32_t>& partitions) {
    bool changed = false;
    for (auto p : partitions) {
        if (!next_.erase(p)) continue;
        store_.drop_partition(index_, p);
        changed = true;
    }
    if (changed && consumer_) assign();
}

void TableFeed::poll() {
    if (!consumer_) return;
    rd_kafka_message_t* batch[512];
    std::size_t n = consumer_->poll_batch(0, batch, 512);
    for (std::size_t i = 0; i < n; ++i) {
        try {
            apply(batch[i]);
        } catch (...) {
            for (std::size_t j = i; j < n; ++j) rd_kafka_message_destroy(batch[j]);
            throw;
        }
        rd_kafka_message_destroy(batch[i]);
    }
}

}  // namespace meshctl::pipeline
