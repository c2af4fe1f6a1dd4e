// The run loop. One thread: poll a batch of stream records, process each, write to the
// sinks; every second (or N events) flush all sinks and only then commit the next offsets
// of what was processed. A failing sink makes the loop rewind to the committed offsets and
// retry with backoff, so nothing is ever committed past what every sink acknowledged.
// A windowed join adds a second stream read by the same consumer (engine_window.cpp).
#include "core/pipeline/engine_internal.hpp"

#include "core/error.hpp"
#include "core/expr/kafka_event.hpp"
#include "core/kafka/position.hpp"
#include "core/util/log.hpp"
#include "core/util/signals.hpp"
#include "core/util/text.hpp"
#include "core/util/time.hpp"

#include <malloc.h>

#include <algorithm>
#include <chrono>
#include <thread>
#include <utility>

namespace meshctl::pipeline {

namespace detail {

Engine::Engine(const PipelineSpec& spec, const RunOptions& opts, const sinks::SinkContext& ctx, std::ostream& out)
    : spec_(spec), opts_(opts), ctx_(ctx), proc_(spec), store_(proc_.tables().size()), decoder_(opts.schema_by_id) {
    for (const auto& s : spec.sinks) sinks_.push_back(sinks::open_sink_spec(s.type, s.options, ctx, out));
    if (spec.dead_letter) dead_ = sinks::open_sink_spec(spec.dead_letter->type, spec.dead_letter->options, ctx, out);
    headers_wanted_ = proc_.uses_headers();
    use_worker_ = !spec.windowed_join() && util::second_core_available();
    look_ahead_ = proc_.can_look_ahead();
    stats_.pipeline = spec.name;
    stats_.group = opts.group ? *opts.group : spec.default_group();
    stats_.stream = spec.stream().name;
    topics_[primary] = spec.stream().topic;
    names_[primary] = spec.stream().name;
    if (const StepSpec* w = spec.windowed_join()) {
        streams_ = 2;
        topics_[joined] = spec.joined_stream()->topic;
        names_[joined] = spec.joined_stream()->name;
        window_ = std::make_unique<WindowJoin>(w->window_ms, w->grace_ms, w->join_type);
    }
    for (const auto& s : sinks_) stats_.written.emplace_back(s->describe(), 0);
}

Engine::~Engine() {
    // After run() threw, leaving the group calls on_revoked(): it must neither flush nor
    // commit, and it must run while the members it reads still exist (not in the member
    // destructors, which would take parts_ away first).
    abandoned_ = true;
    if (worker_) worker_->release();  // messages must be gone before their client
    consumer_.reset();
    drop_all_queues();
}

int Engine::stream_of(const rd_kafka_message_t* m) const {
    if (streams_ == 1 || !m->rkt) return primary;
    return topics_[joined] == rd_kafka_topic_name(m->rkt) ? joined : primary;
}

void Engine::prepare_positions() {
    kafka::Admin admin(ctx_.kafka);
    auto now = util::now_ms();
    int stream_partitions = 0;
    for (int s = 0; s < streams_; ++s) {
        const SourceSpec& source = *spec_.source(names_[s]);
        auto info = admin.topic(source.topic);
        if (s == primary) stream_partitions = static_cast<int>(info.partitions.size());
        else if (static_cast<int>(info.partitions.size()) != stream_partitions)
            log::warn("\"" + source.topic + "\" has " + std::to_string(info.partitions.size()) + " partitions and \"" +
                      topics_[primary] + "\" " + std::to_string(stream_partitions) +
                      ": the windowed join is complete only when one process reads both streams");
        std::vector<kafka::TopicPartition> tps;
        for (const auto& p : info.partitions) tps.push_back({source.topic, p.id});
        auto marks = admin.watermarks(tps);
        auto from = kafka::parse_position(opts_.from ? *opts_.from : source.from, opts_.from ? "--from" : "from", now);
        for (const auto& [tp, off] : kafka::resolve_position(admin, from, marks)) from_[s][tp.partition] = off;
        for (const auto& [tp, wm] : marks) low_[s][tp.partition] = wm.low;
        if (opts_.until) {
            if (*opts_.until == "caught-up")
                for (const auto& [tp, wm] : marks) stop_[s][tp.partition] = wm.high;
            else
                for (const auto& [tp, off] :
                     kafka::resolve_position(admin, kafka::parse_position(*opts_.until, "--until", now), marks))
                    stop_[s][tp.partition] = off;
        }
    }
    std::map<std::string, int> table_parts;
    for (const auto& src : spec_.sources)
        if (src.kind == SourceKind::table) table_parts[src.name] = static_cast<int>(admin.topic(src.topic).partitions.size());
    table_plans_ = plan_tables(spec_, stream_partitions, table_parts);
    std::vector<std::pair<TableFeed*, std::vector<std::int32_t>>> whole;
    for (std::size_t i = 0; i < proc_.tables().size(); ++i) {
        const SourceSpec& src = *spec_.source(proc_.tables()[i]);
        store_.set_partitioned(i, table_plans_[i].partitioned);
        feeds_.push_back(std::make_unique<TableFeed>(ctx_.kafka, src, i, proc_, store_,
                                                     [this](const expr::Event& ev, const std::string& r) { dead_letter(ev, r); }));
        if (!table_plans_[i].partitioned) {
            std::vector<std::int32_t> all;
            for (int p = 0; p < table_parts[src.name]; ++p) all.push_back(p);
            whole.emplace_back(feeds_.back().get(), std::move(all));
        }
        log::info("table " + src.name + ": " + table_plans_[i].why);
    }
    // Whole tables load on a thread of their own while the stream's consumer joins its group
    // and starts fetching; no event is processed before they are loaded (finish_table_loads),
    // so early events still find their rows.
    if (whole.empty()) return;
    loader_ = std::make_unique<util::JobThread>();
    loader_->start([this, whole = std::move(whole)] {
        try {
            for (const auto& [feed, partitions] : whole) feed->load(partitions);
        } catch (...) {
            load_error_ = std::current_exception();
        }
    });
}

void Engine::finish_table_loads() {
    if (!loader_) return;
    loader_->wait();
    loader_.reset();
    if (load_error_) std::rethrow_exception(std::exchange(load_error_, nullptr));
}

// Runs inside the consumer's poll: no exception may escape into librdkafka.
void Engine::on_assigned(const std::vector<kafka::TopicPartition>& tps) {
    try {
        assigned_once_ = true;
        rd_kafka_t* rk = consumer_->client().get();
        auto* list = rd_kafka_topic_partition_list_new(static_cast<int>(tps.size()));
        for (const auto& tp : tps) rd_kafka_topic_partition_list_add(list, tp.topic.c_str(), tp.partition);
        if (rd_kafka_committed(rk, list, consumer_->client().timeout_ms()) != RD_KAFKA_RESP_ERR_NO_ERROR)
            log::warn("could not read the committed offsets of group " + stats_.group + "; starting from `from`");
        std::string names;
        for (int i = 0; i < list->cnt; ++i) {
            auto& e = list->elems[i];
            int s = streams_ == 2 && topics_[joined] == e.topic ? joined : primary;
            std::int64_t start = e.offset >= 0 ? e.offset : from_[s][e.partition];
            if (opts_.from && from_used_[s].insert(e.partition).second) start = from_[s][e.partition];
            if (auto low = low_[s].find(e.partition); low != low_[s].end() && start >= 0 && start < low->second) {
                note_deleted(s, e.partition, start, low->second);
                start = low->second;
            }
            e.offset = start;
            Part p;
            p.next = p.committed = start;
            if (stop_[s].count(e.partition)) p.stop = stop_[s][e.partition];
            parts_[s][e.partition] = p;
            if (s == primary) pending_tables_.push_back(e.partition);
            names += (names.empty() ? "" : ", ") + std::string(e.topic) + "[" + std::to_string(e.partition) + "]";
        }
        rd_kafka_assign(rk, list);  // the same partitions, now from explicit offsets
        rd_kafka_topic_partition_list_destroy(list);
        log::info("assigned partitions " + names);
    } catch (const std::exception& e) {
        log::error(std::string("while taking partitions: ") + e.what());
    }
}

void Engine::on_revoked(const std::vector<kafka::TopicPartition>& tps) {
    if (abandoned_) return;  // the next owner replays from the committed offsets
    try {
        flush_and_commit(std::chrono::milliseconds(10'000));
    } catch (const std::exception& e) {
        log::warn(std::string("could not flush before giving partitions away (the next owner replays them): ") + e.what());
    }
    std::vector<std::int32_t> gone[2];
    for (const auto& tp : tps) {
        int s = streams_ == 2 && topics_[joined] == tp.topic ? joined : primary;
        parts_[s].erase(tp.partition);
        gone[s].push_back(tp.partition);
    }
    try {
        for (int s = 0; s < streams_; ++s) drop_queues(s, gone[s]);
        if (window_) {
            // The next owner rebuilds these records from the committed offsets.
            window_->drop_partitions(Side::left, gone[primary]);
            window_->drop_partitions(Side::right, gone[joined]);
        }
        for (std::size_t i = 0; i < feeds_.size(); ++i)
            if (table_plans_[i].partitioned) feeds_[i]->drop(gone[primary]);
    } catch (const std::exception& e) {
        log::warn(std::string("while dropping table partitions: ") + e.what());
    }
}

void Engine::dead_letter(const expr::Event& ev, const std::string& reason) {
    ++extra_dead_;
    write_dead(ev, reason);
}

void Engine::write_dead(const expr::Event& ev, const std::string& reason) {
    if (dead_) dead_->write(dead_letter_record(ev, reason));
    if (dead_logged_++ < 5)
        log::warn("event " + std::string(ev.topic) + "[" + std::to_string(ev.partition) + "]@" + std::to_string(ev.offset) +
                  (dead_ ? " dead-lettered: " : " dropped (no dead_letter destination): ") + reason);
    else if (dead_logged_ == 6) log::warn("more events failed; see the final summary for the count");
}

void Engine::handle(rd_kafka_message_t* m) {
    if (m->err) {
        if (m->err == RD_KAFKA_RESP_ERR__PARTITION_EOF) return;
        if (m->err == RD_KAFKA_RESP_ERR__UNKNOWN_PARTITION || m->err == RD_KAFKA_RESP_ERR_UNKNOWN_TOPIC_OR_PART)
            throw not_found_error("stream topic \"" + topics_[stream_of(m)] + "\" disappeared while reading it");
        consumer_->client().check_fatal();
        log::debug(std::string("stream: ") + rd_kafka_err2str(m->err));
        return;
    }
    auto it = parts_[primary].find(m->partition);
    if (it == parts_[primary].end()) return;  // revoked while the batch was in flight
    Part& p = it->second;
    if (!to_process(m->offset, p.next, p.stop)) return;
    ++read_[primary];
    expr::Event ev = expr::event_from_message(m, topics_[primary], headers_, headers_wanted_);
    if (!decode_framed(ev)) {
        p.next = m->offset + 1;
        ++since_flush_;
        return;
    }
    switch (proc_.process(ev, store_)) {
    case Verdict::written:
        for (std::size_t i = 0; i < sinks_.size(); ++i) sinks_[i]->write(proc_.outputs()[i]);
        break;
    case Verdict::dead_letter: write_dead(ev, proc_.reason()); break;
    default: break;
    }
    p.next = m->offset + 1;
    ++since_flush_;
}

// Processes a polled batch of the plain pipeline, in order. A large batch is split: the
// BatchWorker runs the steps on its later part meanwhile, and take() applies those outcomes
// in order afterwards. The caller destroys the messages, also when this throws, unless it
// returns true: the worker then destroys them (BatchWorker::retire).
bool Engine::process_batch(rd_kafka_message_t* const* batch, std::size_t n) {
    std::size_t mid = use_worker_ && n >= 256 ? share_with_worker(batch, n) : n;
    with_look_ahead(0, mid, look_ahead_, [&](std::size_t j, bool row) { look_ahead(batch[j], row); },
                    [&](std::size_t i) { handle(batch[i]); });
    if (mid == n) return false;
    auto own_done = std::chrono::steady_clock::now();
    // Whatever the worker has not started yet, this thread does rather than wait for it.
    worker_->help(proc_, headers_, ahead_headers_);
    worker_->wait();
    worker_busy_ = false;
    // Balance the next split so that both parts end together: the worker sits idle while
    // this thread takes its outcomes and polls, so neither should wait for the other.
    worker_share_ = worker_->finished() > own_done ? std::max(kMinShare, worker_share_ - kShareStep)
                                                   : std::min(kMaxShare, worker_share_ + kShareStep);
    for (std::size_t i = mid; i < n; ++i) take(batch[i], outcomes_[i]);
    // Freeing a batch is a serial cost the worker can bear: it does so at the start of its
    // next job, while this thread runs its own part.
    worker_->retire(batch, n);
    return true;
}

// Starts the worker on the batch's later part. It decides itself which of those messages
// handle() would process, from the partitions' positions at the start of the batch (so
// this thread touches none of them).
std::size_t Engine::share_with_worker(rd_kafka_message_t* const* batch, std::size_t n) {
    if (!worker_) {
        worker_ = std::make_unique<BatchWorker>(spec_, store_, topics_[primary], headers_wanted_);
        log::info("large batches are processed on two threads");
    }
    std::size_t mid = n - n * worker_share_ / 1000;
    if (outcomes_.size() < n) outcomes_.resize(n);
    positions_.clear();
    for (const auto& [part, p] : parts_[primary]) positions_.push_back({part, p.next, p.stop});
    worker_->start(batch, n, mid, positions_, outcomes_);
    worker_busy_ = true;
    return mid;
}

// handle() for a message the worker processed: the same bookkeeping, with its outcome.
void Engine::take(rd_kafka_message_t* m, const BatchOutcome& o) {
    if (o.state == BatchOutcome::skip) return;
    if (o.state == BatchOutcome::consumer) return handle(m);
    Part& p = parts_[primary].at(m->partition);  // no rebalance can happen within a batch
    ++read_[primary];
    if (o.verdict == Verdict::written) {
        for (std::size_t i = 0; i < sinks_.size(); ++i) sinks_[i]->write(o.records[i]);
    } else if (o.verdict == Verdict::dead_letter) {
        write_dead(expr::event_from_message(m, topics_[primary], headers_, headers_wanted_), o.reason);
    }
    p.next = m->offset + 1;
    ++since_flush_;
}

void Engine::look_ahead(const rd_kafka_message_t* m, bool row) {
    // Framed payloads are decoded by handle() (once, with its own accounting): not ahead.
    if (m->err || !m->payload || schema::is_confluent_framed(expr::payload_view(m))) return;
    proc_.look_ahead(expr::event_from_message(m, topics_[primary], ahead_headers_, headers_wanted_), store_, row);
}

bool Engine::decode_framed(expr::Event& ev) {
    if (!ev.value || !schema::is_confluent_framed(*ev.value)) return true;
    auto d = decoder_.decode(*ev.value);
    if (d.ok()) {
        ev.value = d.json;
        return true;
    }
    dead_letter(ev, std::string("cannot decode the framed value (") + schema::Decoder::status_name(d.status) +
                        (d.error.empty() ? "" : ": " + d.error) + ")");
    return false;
}

// Up to where a partition may be committed: what was processed, but with a windowed join
// no further than the records a restart needs to rebuild the window (WindowJoin::resume_offset).
std::int64_t Engine::commit_position(int stream, std::int32_t partition, const Part& p) const {
    if (!window_) return p.next;
    auto held = window_->resume_offset(stream == primary ? Side::left : Side::right, partition);
    return held ? std::min(*held, p.next) : p.next;
}

namespace {

// Commits through a private queue (as kafka::Consumer::commit does) with each partition's
// processed position as metadata: a windowed join commits behind what it processed, and
// other members judging --until caught-up need the processed position.
void commit_with_progress(kafka::Consumer& consumer, const std::map<kafka::TopicPartition, std::pair<std::int64_t, std::int64_t>>& offsets) {
    rd_kafka_t* rk = consumer.client().get();
    auto* l = rd_kafka_topic_partition_list_new(static_cast<int>(offsets.size()));
    std::vector<std::string> meta;
    meta.reserve(offsets.size());
    for (const auto& [tp, pos] : offsets) {
        auto* e = rd_kafka_topic_partition_list_add(l, tp.topic.c_str(), tp.partition);
        e->offset = pos.first;
        meta.push_back("processed=" + std::to_string(pos.second));
        e->metadata = meta.back().data();
        e->metadata_size = meta.back().size();
    }
    rd_kafka_queue_t* q = rd_kafka_queue_new(rk);
    rd_kafka_resp_err_t err = rd_kafka_commit_queue(rk, l, q, nullptr, nullptr);
    for (int i = 0; i < l->cnt; ++i) l->elems[i].metadata = nullptr;  // owned by `meta`, not by the list
    rd_kafka_topic_partition_list_destroy(l);
    if (!err) {
        rd_kafka_event_t* ev = rd_kafka_queue_poll(q, consumer.client().timeout_ms());
        if (!ev) err = RD_KAFKA_RESP_ERR__TIMED_OUT;
        else {
            err = rd_kafka_event_error(ev);
            if (!err)
                if (const rd_kafka_topic_partition_list_t* parts = rd_kafka_event_topic_partition_list(ev))
                    for (int i = 0; i < parts->cnt && !err; ++i) err = parts->elems[i].err;
            rd_kafka_event_destroy(ev);
        }
    }
    rd_kafka_queue_destroy(q);
    if (err) consumer.client().fail(err, "commit offsets");
}

}  // namespace

void Engine::commit() {
    if (!window_) {
        std::map<kafka::TopicPartition, std::int64_t> offsets;
        for (auto& [part, p] : parts_[primary])
            if (p.next > p.committed) offsets[{topics_[primary], part}] = p.next;
        if (offsets.empty()) return;
        try {
            consumer_->commit(offsets);
            for (auto& [tp, off] : offsets) parts_[primary][tp.partition].committed = off;
        } catch (const Error& e) {
            log::warn(std::string("could not commit offsets (they will be committed with the next flush): ") + e.what());
        }
        return;
    }
    std::map<kafka::TopicPartition, std::pair<std::int64_t, std::int64_t>> offsets;
    for (int s = 0; s < streams_; ++s)
        for (auto& [part, p] : parts_[s]) {
            std::int64_t at = commit_position(s, part, p);
            if (at > p.committed || p.next != p.reported) offsets[{topics_[s], part}] = {at, p.next};
        }
    if (offsets.empty()) return;
    try {
        commit_with_progress(*consumer_, offsets);
        for (auto& [tp, pos] : offsets) {
            Part& p = parts_[tp.topic == topics_[primary] ? primary : joined][tp.partition];
            p.committed = pos.first;
            p.reported = pos.second;
        }
    } catch (const Error& e) {
        log::warn(std::string("could not commit offsets (they will be committed with the next flush): ") + e.what());
    }
}

bool Engine::flush_and_commit(std::chrono::milliseconds per_sink) {
    // One flush never waits past the whole run's patience with its sinks.
    per_sink = std::min(per_sink, opts_.sink_deadline);
    try {
        for (std::size_t i = 0; i < sinks_.size(); ++i) {
            auto r = sinks_[i]->flush(per_sink);
            stats_.written[i].second += r.written;
            for (const auto& rej : r.rejected) {
                expr::Event ev;
                ev.topic = rej.record.topic;
                ev.partition = rej.record.partition;
                ev.offset = rej.record.offset;
                ev.timestamp_ms = rej.record.timestamp_ms;
                if (rej.record.key) ev.key = *rej.record.key;
                if (rej.record.value) ev.value = *rej.record.value;
                dead_letter(ev, sinks_[i]->describe() + " rejected it: " + rej.reason);
            }
        }
        if (dead_) dead_->flush(per_sink);
    } catch (const Error& e) {
        if (e.kind() != ErrorKind::remote && e.kind() != ErrorKind::io) throw;
        sink_failed(e);
        return false;
    }
    if (failing_since_) log::warn("the sinks accept writes again; continuing");
    failing_since_.reset();
    backoff_ = std::chrono::milliseconds(500);
    commit();
    since_flush_ = 0;
    last_flush_ = Clock::now();
    return true;
}

void Engine::sink_failed(const Error& e) {
    auto now = Clock::now();
    if (!failing_since_) failing_since_ = now;
    ++stats_.sink_retries;
    if (now - *failing_since_ >= opts_.sink_deadline || util::interrupted())
        throw remote_error(std::string("a sink kept failing: ") + e.what(),
                           "nothing was committed past what every sink acknowledged; run again when the sink is back");
    log::warn(std::string("a sink failed: ") + e.what() + "; retrying in " + util::format_duration(backoff_) +
              " from the last committed offsets");
    for (auto waited = std::chrono::milliseconds(0); waited < backoff_ && !util::interrupted(); waited += std::chrono::milliseconds(100))
        std::this_thread::sleep_for(std::chrono::milliseconds(100));
    backoff_ = std::min(backoff_ * 2, std::chrono::milliseconds(10'000));
    // Whatever a failed flush lost must be written again: replay from the committed offsets
    // (a window is rebuilt from them, as after a restart).
    std::vector<kafka::PartitionOffset> seek;
    for (int s = 0; s < streams_; ++s)
        for (auto& [part, p] : parts_[s]) {
            seek.push_back({{topics_[s], part}, p.committed});
            p.next = p.committed;
        }
    drop_all_queues();
    if (window_) window_->clear();
    if (!seek.empty()) consumer_->seek(seek);
    since_flush_ = 0;
    last_flush_ = Clock::now();
}

bool Engine::caught_up() {
    skip_deleted();
    if (!opts_.until || !assigned_once_) return false;
    for (int s = 0; s < streams_; ++s)
        for (const auto& [part, p] : parts_[s])
            if (p.next < p.stop) return false;
    return others_caught_up();
}

// Retention (or DeleteRecords) may remove records before they are read: a committed offset
// below the log start, or a slow run overtaken by deletion. librdkafka then resets the fetch
// to the log start, but `next` would stay below it and --until could never be reached. Once
// a fetch reports a log start above `next`, the records in between are gone: say so and move on.
void Engine::skip_deleted() {
    auto now = Clock::now();
    if (!consumer_ || now - last_deleted_check_ < std::chrono::seconds(1)) return;
    last_deleted_check_ = now;
    for (int s = 0; s < streams_; ++s)
        for (auto& [part, p] : parts_[s]) {
            if (p.next >= p.stop) continue;
            std::int64_t low = -1, high = -1;
            if (rd_kafka_get_watermark_offsets(consumer_->client().get(), topics_[s].c_str(), part, &low, &high) !=
                    RD_KAFKA_RESP_ERR_NO_ERROR ||
                low <= p.next)
                continue;
            note_deleted(s, part, p.next, low);
            p.next = low;
        }
}

void Engine::note_deleted(int s, std::int32_t part, std::int64_t from, std::int64_t low) {
    log::warn(topics_[s] + "[" + std::to_string(part) + "]: records " + std::to_string(from) + ".." + std::to_string(low - 1) +
              " were deleted (retention or delete-records) before this group read them; going on from offset " +
              std::to_string(low));
    stats_.skipped_deleted += static_cast<std::uint64_t>(low - from);
}

// "Caught up" is a property of the group, not of this member: partitions held by another
// member (possibly a crashed one whose session has not expired yet) count only once the
// group's committed offsets reach their stop offsets. Otherwise a restart right after a
// crash would stop having processed only its own share; by waiting, it keeps polling and
// takes the crashed member's partitions over at the next rebalance. A windowed join
// commits behind what it processed, so there the position processed (kept in the commit's
// metadata) is what counts.
bool Engine::others_caught_up() {
    std::vector<kafka::TopicPartition> others;
    for (int s = 0; s < streams_; ++s)
        for (const auto& [part, stop] : stop_[s])
            if (!parts_[s].count(part)) others.push_back({topics_[s], part});
    if (others.empty()) return true;
    auto now = Clock::now();
    if (now - last_group_check_ < std::chrono::seconds(1)) return false;
    last_group_check_ = now;
    std::map<kafka::TopicPartition, std::int64_t> committed;
    try {
        if (!window_) {
            if (!admin_) admin_ = std::make_unique<kafka::Admin>(ctx_.kafka);
            committed = admin_->committed_offsets(stats_.group);
        } else {
            rd_kafka_t* rk = consumer_->client().get();
            auto* list = rd_kafka_topic_partition_list_new(static_cast<int>(others.size()));
            for (const auto& tp : others) rd_kafka_topic_partition_list_add(list, tp.topic.c_str(), tp.partition);
            rd_kafka_resp_err_t err = rd_kafka_committed(rk, list, consumer_->client().timeout_ms());
            for (int i = 0; i < list->cnt && !err; ++i) {
                const auto& e = list->elems[i];
                std::int64_t at = e.offset;
                std::string meta(e.metadata ? static_cast<const char*>(e.metadata) : "", e.metadata ? e.metadata_size : 0);
                long long processed = 0;
                if (meta.rfind("processed=", 0) == 0 && util::parse_int64(meta.substr(10), processed)) at = processed;
                committed[{e.topic, e.partition}] = at;
            }
            rd_kafka_topic_partition_list_destroy(list);
            if (err) throw remote_error(rd_kafka_err2str(err));
        }
    } catch (const Error& e) {
        log::debug(std::string("reading the group's committed offsets: ") + e.what());
        return false;
    }
    std::string waiting;
    for (const auto& tp : others) {
        int s = tp.topic == topics_[primary] ? primary : joined;
        auto it = committed.find(tp);
        std::int64_t start = it != committed.end() && it->second >= 0 ? it->second : from_[s][tp.partition];
        if (start < stop_[s][tp.partition])
            waiting += (waiting.empty() ? "" : ",") + (streams_ == 2 ? tp.topic + "[" + std::to_string(tp.partition) + "]"
                                                                     : std::to_string(tp.partition));
    }
    if (waiting.empty()) return true;
    if (!waiting_logged_) {
        log::info("own partitions caught up; waiting for partitions [" + waiting + "] held by other members of group " +
                  stats_.group + " (a crashed member's partitions move here when its session times out)");
        waiting_logged_ = true;
    }
    return false;
}

void Engine::snapshot(bool final) {
    auto now = Clock::now();
    for (int s = 0; s < streams_; ++s) stats_.read[names_[s]] = read_[s];
    for (std::size_t i = 0; i < feeds_.size(); ++i) stats_.read[proc_.tables()[i]] = feeds_[i]->read();
    stats_.counts = proc_.counts();
    if (worker_) stats_.counts += worker_->counts();
    stats_.counts.dead_lettered += extra_dead_;
    if (window_) {
        const auto& w = window_->counts();
        stats_.counts.joined += w.pairs;
        stats_.counts.unmatched += w.unmatched;
        stats_.counts.left_unmatched += w.left_unmatched;
        stats_.counts.late = w.late;
        stats_.window_records = window_->size();
        stats_.window_bytes = window_->bytes();
    }
    stats_.table_rows = store_.rows();
    stats_.table_bytes = store_.bytes();
    stats_.table_memory = store_.memory();
    stats_.elapsed_s = std::chrono::duration<double>(now - started_).count();
    stats_.partitions.clear();
    stats_.lag = 0;
    for (int s = 0; s < streams_; ++s)
        for (const auto& [part, p] : parts_[s]) {
            if (s == primary) stats_.partitions.push_back(part);
            std::int64_t low = 0, high = 0;
            if (consumer_ && rd_kafka_get_watermark_offsets(consumer_->client().get(), topics_[s].c_str(), part, &low, &high) ==
                                 RD_KAFKA_RESP_ERR_NO_ERROR)
                stats_.lag += std::max<std::int64_t>(0, std::min(high, p.stop) - p.next);
        }
    std::uint64_t read = read_[primary] + read_[joined];
    double dt = std::chrono::duration<double>(now - last_rate_).count();
    if (dt >= 0.5 || final) {
        std::uint64_t out = 0;
        for (const auto& w : stats_.written) out += w.second;
        double span = final ? stats_.elapsed_s : dt;
        if (span > 0) {
            stats_.events_in_per_s = static_cast<double>(final ? read : read - rate_in_) / span;
            stats_.events_out_per_s = static_cast<double>(final ? out : out - rate_out_) / span;
        }
        rate_in_ = read;
        rate_out_ = out;
        last_rate_ = now;
    }
}

namespace {
// librdkafka's fetch buffers and its queue of fetched records make up most of what a run
// allocates, and they are freed and allocated again all the time. With glibc's defaults
// their memory goes back to the system (unmapped, or trimmed off the top of the heap) and
// is faulted in again, zeroed, for the next fetch: a pinned run spent 7% of its time in
// those page faults. Keeping freed memory in the process bounds the footprint by the
// peak instead, which the queue size below keeps small.
void keep_freed_memory() {
    mallopt(M_MMAP_THRESHOLD, 32 << 20);
    mallopt(M_TRIM_THRESHOLD, 256 << 20);
}
}  // namespace

RunStats Engine::run() {
    keep_freed_memory();
    prepare_positions();
    // A run that stops at the end offsets (--until) must not wait out a fetch in flight there
    // when it leaves the group (the broker holds it fetch.wait.max.ms), nor a whole poll on
    // a stream that has nothing.
    const int wait_ms = opts_.until ? 10 : 100;
    std::vector<std::pair<std::string, std::string>> props = {{"partition.assignment.strategy", "range"},
                                                              // A crashed process's partitions move on after 10s, not 45s.
                                                              {"session.timeout.ms", "10000"},
                                                              {"heartbeat.interval.ms", "3000"},
                                                              {"fetch.wait.max.ms", std::to_string(wait_ms)},
                                                              // Enough to keep the fetcher ahead of any pipeline (a fetch
                                                              // brings ~1 MiB per partition), few enough that the
                                                              // queue of a run slower than its fetcher stays small.
                                                              {"queued.min.messages", "40000"}};
    // The windowed join merges partitions by timestamp and must know when one has nothing more.
    if (window_) props.emplace_back("enable.partition.eof", "true");
    consumer_ = std::make_unique<kafka::Consumer>(ctx_.kafka, stats_.group, props);
    kafka::RebalanceHandler handler;
    handler.assigned = [this](const std::vector<kafka::TopicPartition>& tps) { on_assigned(tps); };
    handler.revoked = [this](const std::vector<kafka::TopicPartition>& tps) { on_revoked(tps); };
    std::vector<std::string> topics(topics_, topics_ + streams_);
    consumer_->subscribe(topics, handler);
    std::vector<rd_kafka_message_t*> batch(4096);
    // The last flush may fail too: sink_failed() then rewound to the committed offsets, and
    // what it dropped must be read and written again before the run may end.
    for (bool done = false; !done;) {
        while (!util::interrupted()) {
            if (caught_up()) {
                stats_.stopped = *opts_.until == "caught-up" ? "caught_up" : "until";
                break;
            }
            std::size_t n = consumer_->poll_batch(wait_ms, batch.data(), batch.size());
            std::size_t i = 0;
            if (loader_) {  // the first poll took the assignment and started the fetch: now wait for the tables
                try {
                    finish_table_loads();
                } catch (...) {
                    for (; i < n; ++i) rd_kafka_message_destroy(batch[i]);
                    throw;
                }
            }
            try {
                if (!pending_tables_.empty()) {
                    for (std::size_t t = 0; t < feeds_.size(); ++t)
                        if (table_plans_[t].partitioned) feeds_[t]->load(pending_tables_);
                    pending_tables_.clear();
                }
                if (window_) {
                    for (; i < n; ++i) enqueue(batch[i]);  // takes ownership
                    drain();
                } else {
                    if (process_batch(batch.data(), n)) i = n;  // the worker destroys them
                    for (; i < n; ++i) rd_kafka_message_destroy(batch[i]);
                }
            } catch (const Error& e) {
                if (worker_busy_) worker_->wait(), worker_busy_ = false;  // it may still read the batch
                for (; i < n; ++i) rd_kafka_message_destroy(batch[i]);
                if (e.kind() != ErrorKind::remote && e.kind() != ErrorKind::io) throw;
                sink_failed(e);  // a write failed: replay from the committed offsets
                continue;
            } catch (...) {
                if (worker_busy_) worker_->wait(), worker_busy_ = false;
                for (; i < n; ++i) rd_kafka_message_destroy(batch[i]);
                throw;
            }
            for (auto& f : feeds_) f->poll();
            auto now = Clock::now();
            bool due = since_flush_ >= opts_.flush_records || (now - last_flush_ >= opts_.flush_interval);
            if (due) {
                if (!failing_since_ || now - last_flush_ >= backoff_) flush_and_commit(std::chrono::milliseconds(30'000));
            }
            if (opts_.on_progress && now - last_progress_ >= std::chrono::milliseconds(200)) {
                snapshot(false);
                opts_.on_progress(stats_);
                last_progress_ = now;
            }
            if (opts_.on_stats && opts_.stats_interval.count() > 0 && now - last_stats_ >= opts_.stats_interval) {
                snapshot(false);
                opts_.on_stats(stats_);
                last_stats_ = now;
            }
        }
        finish_table_loads();  // interrupted before the first poll: a load's error (or signal) is the run's
        if (stats_.stopped.empty()) stats_.stopped = "interrupted";
        // Shut down cleanly: flush within a deadline, commit, leave the group. A failed flush
        // throws once the sinks failed past the deadline or a signal came (sink_failed).
        auto deadline = stats_.stopped == "interrupted" ? std::chrono::milliseconds(10'000) : std::chrono::milliseconds(60'000);
        done = flush_and_commit(deadline);
        if (!done) stats_.stopped.clear();
    }
    snapshot(true);
    drop_all_queues();
    if (worker_) worker_->release();
    consumer_->close();
    return stats_;
}

}  // namespace detail

RunStats run_pipeline(const PipelineSpec& spec, const RunOptions& options, const sinks::SinkContext& context,
                      std::ostream& stdout_stream) {
    if (options.until && *options.until != "caught-up")
        kafka::parse_position(*options.until, "--until", util::now_ms());  // bad input fails before anything opens
    if (options.from) kafka::parse_position(*options.from, "--from", util::now_ms());
    detail::Engine engine(spec, options, context, stdout_stream);
    return engine.run();
}

}  // namespace meshctl::pipeline
