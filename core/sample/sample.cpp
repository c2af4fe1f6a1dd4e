#include "core/sample/sample.hpp"

#include "core/error.hpp"
#include "core/expr/kafka_event.hpp"
#include "core/kafka/admin.hpp"
#include "core/kafka/consumer.hpp"
#include "core/kafka/position.hpp"
#include "core/util/job_thread.hpp"
#include "core/util/signals.hpp"
#include "core/util/time.hpp"

#include <algorithm>
#include <deque>
#include <limits>
#include <map>
#include <memory>

namespace meshctl::sample {

Strategy parse_strategy(std::string_view s) {
    if (s == "head") return Strategy::head;
    if (s == "tail") return Strategy::tail;
    if (s == "uniform") return Strategy::uniform;
    throw usage_error("unknown strategy \"" + std::string(s) + "\"", "use head, tail or uniform");
}

std::vector<std::int64_t> allocate_samples(const std::vector<std::int64_t>& sizes, std::int64_t n) {
    std::vector<std::int64_t> out(sizes.size(), 0);
    std::int64_t total = 0;
    for (auto s : sizes) total += std::max<std::int64_t>(s, 0);
    if (total == 0 || n <= 0) return out;
    if (n >= total) {
        for (std::size_t i = 0; i < sizes.size(); ++i) out[i] = std::max<std::int64_t>(sizes[i], 0);
        return out;
    }
    std::vector<std::pair<double, std::size_t>> remainders;
    std::int64_t given = 0;
    for (std::size_t i = 0; i < sizes.size(); ++i) {
        double exact = static_cast<double>(n) * static_cast<double>(std::max<std::int64_t>(sizes[i], 0)) / static_cast<double>(total);
        out[i] = static_cast<std::int64_t>(exact);
        given += out[i];
        remainders.emplace_back(exact - static_cast<double>(out[i]), i);
    }
    std::stable_sort(remainders.begin(), remainders.end(), [](const auto& a, const auto& b) { return a.first > b.first; });
    for (std::size_t k = 0; given < n && k < remainders.size(); ++k) {
        std::size_t i = remainders[k].second;
        if (out[i] < sizes[i]) {
            ++out[i];
            ++given;
        }
    }
    return out;
}

std::vector<std::int64_t> spread_offsets(std::int64_t start, std::int64_t stop, std::int64_t n) {
    std::vector<std::int64_t> out;
    std::int64_t size = stop - start;
    if (size <= 0 || n <= 0) return out;
    n = std::min(n, size);
    for (std::int64_t i = 0; i < n; ++i) {
        // The middle of the i-th of n equal slices: no two samples share an offset.
        long double pos = (static_cast<long double>(2 * i + 1) * static_cast<long double>(size)) / (2.0L * n);
        out.push_back(start + static_cast<std::int64_t>(pos));
    }
    return out;
}

namespace {

struct MessageDeleter {
    void operator()(rd_kafka_message_t* m) const { rd_kafka_message_destroy(m); }
};
using MessagePtr = std::unique_ptr<rd_kafka_message_t, MessageDeleter>;

constexpr std::size_t flush_bytes = 1 << 20;

// Evaluates --where over part of each large batch on a second thread, so that a filter costs
// about half the wall time it would on the reading thread alone. Runs one job at a time.
class FilterWorker {
public:
    explicit FilterWorker(const expr::Program& filter) : filter_(filter) {}

    /// Starts evaluating messages [begin, end) into `out` (same indexes); returns at once.
    void start(rd_kafka_message_t* const* messages, std::size_t begin, std::size_t end, std::string_view topic,
               std::vector<signed char>& out) {
        thread_.start([this, messages, begin, end, topic, &out] {
            for (std::size_t i = begin; i < end; ++i) {
                try {
                    out[i] = evaluate(filter_, evaluator_, headers_, messages[i], topic);
                } catch (...) {
                    out[i] = -1;  // the reading thread evaluates it again, where a throw is handled
                }
            }
        });
    }
    /// Waits for the job started last.
    void wait() { thread_.wait(); }

    /// The outcome of `m` by the filter, or -1 when the reading thread must evaluate it
    /// (an error event, or a framed payload, whose decoding is not shared between threads).
    static signed char evaluate(const expr::Program& filter, expr::Evaluator& evaluator, std::vector<expr::Header>& headers,
                                const rd_kafka_message_t* m, std::string_view topic) {
        if (m->err || schema::is_confluent_framed(expr::payload_view(m))) return -1;
        expr::Event ev = expr::event_from_message(m, topic, headers, filter.uses_headers());
        return static_cast<signed char>(evaluator.test(filter, ev));
    }

private:
    const expr::Program& filter_;
    expr::Evaluator evaluator_;
    std::vector<expr::Header> headers_;
    util::JobThread thread_;  // last: destroyed (joined) first
};

// Holds the filter and the output buffer shared by all strategies.
class Runner {
public:
    Runner(const SampleOptions& o, const Writer& w, std::optional<expr::Program> filter)
        : opts_(o), write_(w), formatter_(o.format), filter_(std::move(filter)), decoder_(o.schema_by_id) {
        buffer_.reserve(flush_bytes + 65536);
        if (opts_.format.format == RecordFormat::json) buffer_ += "[";
    }

    // Evaluates --where ahead for a batch just polled, half of it on a FilterWorker when
    // the batch is large; passes() then takes the outcomes in order.
    void prepare(rd_kafka_message_t* const* batch, std::size_t n) {
        ahead_ = nullptr;
        if (!filter_ || n < parallel_from) return;
        if (!worker_) worker_ = std::make_unique<FilterWorker>(*filter_);
        outcomes_.assign(n, -1);
        std::size_t mid = n / 2;
        worker_->start(batch, mid, n, stats.topic, outcomes_);
        for (std::size_t i = 0; i < mid; ++i)
            outcomes_[i] = FilterWorker::evaluate(*filter_, evaluator_, headers_, batch[i], stats.topic);
        worker_->wait();
        ahead_ = batch;
        ahead_n_ = n;
        cursor_ = 0;
    }

    // True when the record passes --where (not-JSON and errors count as false).
    bool passes(const rd_kafka_message_t* m) {
        if (!filter_) return true;
        switch (outcome(m)) {
            case expr::Outcome::match: return true;
            case expr::Outcome::no_match: return false;
            case expr::Outcome::not_json:
                if (stats.not_json++ == 0) stats.first_not_json = {m->partition, m->offset};
                return false;
            case expr::Outcome::error:
                if (stats.eval_errors++ == 0) stats.first_eval_error = {m->partition, m->offset};
                return false;
        }
        return false;
    }

    void emit(const rd_kafka_message_t* m) {
        if (opts_.format.format == RecordFormat::json && stats.written > 0) buffer_ += ",\n";
        else if (opts_.format.format == RecordFormat::json) buffer_ += "\n";
        // -f raw keeps the bytes as they are; every other format shows framed records decoded.
        formatter_.append(m, buffer_, opts_.format.format == RecordFormat::raw ? std::nullopt : decoded(m));
        if (opts_.format.format == RecordFormat::jsonl) buffer_ += '\n';
        ++stats.written;
        if (buffer_.size() >= flush_bytes) flush();
    }

    void flush() {
        if (!buffer_.empty()) write_(buffer_);
        buffer_.clear();
    }

    void finish() {
        if (opts_.format.format == RecordFormat::json) buffer_ += stats.written ? "\n]\n" : "]\n";
        flush();
    }

    bool full() const { return opts_.count > 0 && stats.written >= opts_.count; }

    // The outcome prepared for `m`, else evaluated now.
    expr::Outcome outcome(const rd_kafka_message_t* m) {
        if (ahead_) {
            while (cursor_ < ahead_n_ && ahead_[cursor_] != m) ++cursor_;
            if (cursor_ < ahead_n_ && outcomes_[cursor_] >= 0) return static_cast<expr::Outcome>(outcomes_[cursor_]);
        }
        expr::Event ev = expr::event_from_message(m, stats.topic, headers_, filter_->uses_headers());
        if (auto v = decoded(m)) ev.value = v;
        return evaluator_.test(*filter_, ev);
    }

    // The JSON of a Confluent-framed payload (cached for the last record); nullopt for
    // unframed payloads, which are used as they are, and for framed ones that fail to decode.
    std::optional<std::string_view> decoded(const rd_kafka_message_t* m) {
        if (!schema::is_confluent_framed(expr::payload_view(m))) return std::nullopt;
        if (m == last_ && last_offset_ == m->offset && last_partition_ == m->partition) return last_json_;
        last_ = m;
        last_offset_ = m->offset;
        last_partition_ = m->partition;
        auto d = decoder_.decode({static_cast<const char*>(m->payload), m->len});
        if (d.ok()) {
            ++stats.decoded;
            last_json_ = d.json;
        } else {
            if (stats.undecodable++ == 0) {
                stats.first_undecodable = {m->partition, m->offset};
                stats.undecodable_reason = d.error.empty() ? schema::Decoder::status_name(d.status) : d.error;
            }
            last_json_.reset();
        }
        return last_json_;
    }

    SampleStats stats;

private:
    const SampleOptions& opts_;
    const Writer& write_;
    RecordFormatter formatter_;
    std::optional<expr::Program> filter_;
    expr::Evaluator evaluator_;
    std::vector<expr::Header> headers_;
    std::string buffer_;
    schema::Decoder decoder_;
    const rd_kafka_message_t* last_ = nullptr;
    std::int64_t last_offset_ = -1;
    std::int32_t last_partition_ = -1;
    std::optional<std::string_view> last_json_;
    // Outcomes evaluated ahead for the current batch (prepare()), by batch index.
    static constexpr std::size_t parallel_from = 256;
    std::unique_ptr<FilterWorker> worker_;
    std::vector<signed char> outcomes_;
    rd_kafka_message_t* const* ahead_ = nullptr;
    std::size_t ahead_n_ = 0, cursor_ = 0;
};

struct PartitionRange {
    kafka::TopicPartition tp;
    std::int64_t start = 0;
    std::int64_t stop = 0;  // exclusive; max for follow
    bool done = false;
};

// Reads all ranges, calling `on_record` for each record inside its range; `on_record`
// returns false to stop everything. Ends when every range is done (or on interrupt).
template <typename OnRecord>
void read_ranges(kafka::Consumer& consumer, std::vector<PartitionRange>& ranges, Runner& runner, OnRecord on_record,
                 bool follow) {
    std::map<std::int32_t, PartitionRange*> by_partition;
    std::vector<kafka::PartitionOffset> assignment;
    std::size_t open = 0;
    for (auto& r : ranges) {
        if (r.start >= r.stop) {
            r.done = true;
            continue;
        }
        by_partition[r.tp.partition] = &r;
        assignment.push_back({r.tp, r.start});
        ++open;
    }
    if (open == 0) return;
    consumer.assign(assignment);
    std::vector<rd_kafka_message_t*> batch(1024);
    // A bounded read gets records or end-of-partition events while the cluster answers;
    // neither for a whole timeout means it is gone: fail rather than wait forever.
    auto last_progress = std::chrono::steady_clock::now();
    while (open > 0 && !util::interrupted()) {
        std::size_t n = consumer.poll_batch(200, batch.data(), batch.size());
        runner.prepare(batch.data(), n);
        bool stop_all = false, progress = false;
        for (std::size_t i = 0; i < n; ++i) {
            MessagePtr m(batch[i]);
            progress = progress || !m->err || m->err == RD_KAFKA_RESP_ERR__PARTITION_EOF;
            if (stop_all) continue;
            auto it = by_partition.find(m->partition);
            if (it == by_partition.end() || it->second->done) continue;
            PartitionRange& r = *it->second;
            if (m->err == RD_KAFKA_RESP_ERR__PARTITION_EOF) {
                if (!follow) {
                    r.done = true;
                    --open;
                }
                continue;
            }
            if (m->err) {
                if (m->err == RD_KAFKA_RESP_ERR__UNKNOWN_PARTITION || m->err == RD_KAFKA_RESP_ERR_UNKNOWN_TOPIC_OR_PART)
                    throw not_found_error("topic \"" + r.tp.topic + "\" or its partition " + std::to_string(r.tp.partition) +
                                          " disappeared while reading");
                consumer.client().check_fatal();
                continue;  // transient errors are retried by librdkafka
            }
            if (m->offset >= r.stop) {
                r.done = true;
                --open;
                continue;
            }
            ++runner.stats.read;
            if (!on_record(std::move(m), r)) stop_all = true;
        }
        // A callback closes a range (start = stop) when it saw its last record, so a
        // bounded read needs no end-of-partition event.
        for (auto& r : ranges)
            if (!r.done && r.start >= r.stop) {
                r.done = true;
                --open;
            }
        if (stop_all) break;
        if (follow && n > 0) runner.flush();  // following: show records as they come, not per megabyte
        if (progress || follow) last_progress = std::chrono::steady_clock::now();
        else if (std::chrono::steady_clock::now() - last_progress > consumer.client().settings().timeout)
            consumer.client().fail(RD_KAFKA_RESP_ERR__TIMED_OUT, "read", "topic \"" + ranges.front().tp.topic + "\"");
    }
    if (util::interrupted()) runner.stats.interrupted = true;
}

}  // namespace

SampleStats run_sample(const SampleOptions& o, const kafka::ClientSettings& settings, const Writer& write) {
    // Everything the user typed is checked before the first network call.
    std::optional<expr::Program> filter;
    if (o.where) filter = expr::Program::compile(*o.where);
    const std::int64_t now = util::now_ms();
    std::optional<kafka::Position> from, until;
    if (o.from) from = kafka::parse_position(*o.from, "--from", now);
    if (o.until) until = kafka::parse_position(*o.until, "--until", now);
    if (o.count < 0) throw usage_error("-n must be 0 (no limit) or more");
    if (o.follow && o.strategy != Strategy::head) throw usage_error("--follow works only with --strategy head");

    kafka::Admin admin(settings);
    std::string topic = o.stream;
    kafka::TopicInfo info;
    try {
        info = admin.topic(topic);
    } catch (const Error& e) {
        std::optional<std::string> product = e.kind() == ErrorKind::not_found && o.product_topic ? o.product_topic(o.stream) : std::nullopt;
        if (!product) throw;
        topic = *product;
        info = admin.topic(topic);
    }
    std::vector<kafka::TopicPartition> tps;
    if (o.partitions.empty()) {
        for (const auto& p : info.partitions) tps.push_back({topic, p.id});
    } else {
        for (auto p : o.partitions) {
            if (p < 0 || p >= static_cast<std::int32_t>(info.partitions.size()))
                throw not_found_error("partition " + std::to_string(p) + " of topic \"" + topic + "\" does not exist",
                                      "it has " + std::to_string(info.partitions.size()) + " partitions: 0 to " +
                                          std::to_string(info.partitions.size() - 1));
            tps.push_back({topic, p});
        }
    }
    auto marks = admin.watermarks(tps);
    kafka::Position default_from{o.follow && !o.from ? kafka::Position::Kind::end : kafka::Position::Kind::beginning, 0, ""};
    auto starts = kafka::resolve_position(admin, from ? *from : default_from, marks);
    std::map<kafka::TopicPartition, std::int64_t> stops;
    if (until) stops = kafka::resolve_position(admin, *until, marks);
    else
        for (const auto& [tp, wm] : marks) stops[tp] = o.follow ? std::numeric_limits<std::int64_t>::max() : wm.high;

    Runner runner(o, write, std::move(filter));
    runner.stats.topic = topic;
    std::vector<PartitionRange> ranges;
    bool any = false;
    for (const auto& tp : tps) {
        ranges.push_back({tp, starts[tp], stops[tp], false});
        any |= starts[tp] < stops[tp];
    }
    if (!any && !o.follow) {
        runner.stats.nothing_in_range = true;
        runner.finish();
        return runner.stats;
    }

    kafka::Consumer consumer(settings, std::nullopt,
                             {{"enable.partition.eof", "true"}, {"fetch.wait.max.ms", "50"}, {"queued.min.messages", "100000"}});
    switch (o.strategy) {
        case Strategy::head: {
            read_ranges(consumer, ranges, runner, [&](MessagePtr m, PartitionRange& r) {
                if (m->offset + 1 >= r.stop) r.start = r.stop;  // last record of the range
                if (runner.passes(m.get())) runner.emit(m.get());
                return !runner.full();
            }, o.follow);
            break;
        }
        case Strategy::tail: {
            // Without a filter, the last N of each partition suffice; with one, scan the
            // range and keep a ring of the last N matches (bounded memory).
            if (!o.where && o.count > 0)
                for (auto& r : ranges) r.start = std::max(r.start, r.stop - o.count);
            std::deque<MessagePtr> ring;
            read_ranges(consumer, ranges, runner, [&](MessagePtr m, PartitionRange& r) {
                if (m->offset + 1 >= r.stop) r.start = r.stop;
                if (runner.passes(m.get())) {
                    ring.push_back(std::move(m));
                    // Keep up to count per partition until the merge below picks the newest.
                    if (o.count > 0 && ring.size() > static_cast<std::size_t>(o.count) * ranges.size()) ring.pop_front();
                }
                return true;
            }, false);
            std::vector<MessagePtr> all(std::make_move_iterator(ring.begin()), std::make_move_iterator(ring.end()));
            std::stable_sort(all.begin(), all.end(), [](const MessagePtr& a, const MessagePtr& b) {
                return rd_kafka_message_timestamp(a.get(), nullptr) < rd_kafka_message_timestamp(b.get(), nullptr);
            });
            std::size_t first = o.count > 0 && all.size() > static_cast<std::size_t>(o.count) ? all.size() - o.count : 0;
            for (std::size_t i = first; i < all.size(); ++i) runner.emit(all[i].get());
            break;
        }
        case Strategy::uniform: {
            std::vector<std::int64_t> sizes;
            for (const auto& r : ranges) sizes.push_back(std::max<std::int64_t>(0, r.stop - r.start));
            auto counts = allocate_samples(sizes, o.count > 0 ? o.count : 100);
            std::map<std::int32_t, std::pair<std::vector<std::int64_t>, std::size_t>> targets;  // offsets, next index
            for (std::size_t i = 0; i < ranges.size(); ++i) {
                auto offs = spread_offsets(ranges[i].start, ranges[i].stop, counts[i]);
                if (offs.empty()) {
                    ranges[i].stop = ranges[i].start;  // nothing to sample here
                    continue;
                }
                ranges[i].start = offs.front();
                targets[ranges[i].tp.partition] = {std::move(offs), 0};
            }
            read_ranges(consumer, ranges, runner, [&](MessagePtr m, PartitionRange& r) {
                auto& [offs, next] = targets[r.tp.partition];
                if (next >= offs.size() || m->offset < offs[next]) return true;  // stale record from before a seek
                // A record at or after the target: take it if it passes (else try the next records until the next target).
                std::int64_t next_target = next + 1 < offs.size() ? offs[next + 1] : r.stop;
                if (m->offset >= next_target) {
                    while (next < offs.size() && offs[next] <= m->offset) ++next;  // skipped past targets without a match
                }
                if (next < offs.size() && m->offset >= offs[next] && runner.passes(m.get())) {
                    runner.emit(m.get());
                    ++next;
                    if (next < offs.size() && offs[next] > m->offset + 1) consumer.seek({{r.tp, offs[next]}});
                }
                if (next >= offs.size() || m->offset + 1 >= r.stop) r.start = r.stop;
                return true;
            }, false);
            break;
        }
    }
    runner.finish();
    return runner.stats;
}

}  // namespace meshctl::sample
