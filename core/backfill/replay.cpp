#include "core/backfill/replay.hpp"

#include "core/error.hpp"
#include "core/expr/expr.hpp"
#include "core/kafka/consumer.hpp"
#include "core/kafka/position.hpp"
#include "core/output/table.hpp"
#include "core/output/terminal.hpp"
#include "core/sinks/sink.hpp"
#include "core/util/log.hpp"
#include "core/util/signals.hpp"
#include "core/util/text.hpp"
#include "core/util/time.hpp"

#include <nlohmann/json.hpp>

#include <cerrno>
#include <csignal>
#include <cstring>
#include <fstream>
#include <set>
#include <sstream>

namespace meshctl::backfill {

namespace fs = std::filesystem;

std::map<int, std::int64_t> read_checkpoint(const fs::path& path, const std::string& stream) {
    std::map<int, std::int64_t> out;
    std::ifstream in(path);
    if (!in) return out;
    try {
        auto j = nlohmann::json::parse(in);
        auto s = j.at("stream").get<std::string>();
        if (s != stream)
            throw usage_error("checkpoint " + path.string() + " belongs to stream \"" + s + "\", not \"" + stream + "\"",
                              "use another --checkpoint file for this stream");
        for (const auto& [k, v] : j.at("offsets").items()) out[std::stoi(k)] = v.get<std::int64_t>();
    } catch (const nlohmann::json::exception& e) {
        throw usage_error("checkpoint " + path.string() + " is not a meshctl checkpoint: " + e.what(),
                          "delete it to start over, or pass another --checkpoint");
    }
    return out;
}

void write_checkpoint(const fs::path& path, const std::string& stream, const std::map<int, std::int64_t>& next) {
    nlohmann::json offsets = nlohmann::json::object();
    for (const auto& [p, off] : next) offsets[std::to_string(p)] = off;
    nlohmann::json j = {{"kind", "meshctl.backfill.checkpoint"}, {"stream", stream}, {"offsets", offsets},
                        {"updated_at", util::format_iso8601_ms(util::now_ms())}};
    fs::path tmp = path;
    tmp += ".tmp";
    {
        std::ofstream out(tmp, std::ios::trunc);
        out << j.dump(2) << "\n";
        out.flush();
        if (!out) throw io_error("cannot write checkpoint " + tmp.string() + ": " + std::strerror(errno));
    }
    std::error_code ec;
    fs::rename(tmp, path, ec);
    if (ec) throw io_error("cannot write checkpoint " + path.string() + ": " + ec.message());
}

namespace {

struct Range {
    std::int64_t start = 0, end = 0, next = 0;
    bool done() const { return next >= end; }
};

std::string progress_text(const ReplaySummary& s, std::int64_t done, std::int64_t total, double elapsed_s) {
    double rate = elapsed_s > 0 ? static_cast<double>(done) / elapsed_s : 0;
    int pct = total > 0 ? static_cast<int>(100.0 * static_cast<double>(done) / static_cast<double>(total)) : 100;
    std::string bar(20, ' ');
    for (int i = 0; i < pct / 5; ++i) bar[i] = '#';
    std::string line = "replay " + s.stream + " [" + bar + "] " + std::to_string(pct) + "% " + output::thousands(done) + "/" +
                       output::thousands(total) + " records, " + output::thousands(static_cast<long long>(rate)) + "/s";
    if (rate > 0 && total > done)
        line += ", ETA " + util::format_duration(std::chrono::milliseconds(
                               static_cast<std::int64_t>(static_cast<double>(total - done) / rate * 1000)));
    return line;
}

}  // namespace

ReplaySummary replay(const kafka::ClientSettings& settings, const ReplayOptions& o, std::ostream& stdout_stream,
                     std::int64_t now_ms) {
    ReplaySummary s;
    s.stream = o.stream;
    s.sink = o.sink;
    s.checkpoint = o.group ? "group " + *o.group : o.checkpoint_file ? "file " + o.checkpoint_file->string() : "none";
    // Everything that can be refused is checked before anything is read or written.
    auto from = kafka::parse_position(o.from.empty() ? "beginning" : o.from, "--from", now_ms);
    std::optional<kafka::Position> until;
    if (!o.until.empty()) until = kafka::parse_position(o.until, "--until", now_ms);
    std::optional<expr::Program> where;
    if (o.where) where = expr::Program::compile(*o.where);

    kafka::Admin admin(settings);
    // All topics, not just this one: naming a missing topic would let the broker auto-create it.
    auto md = admin.metadata();
    const auto* found = md.find(o.stream);
    if (!found || found->partitions.empty())
        throw not_found_error("stream \"" + o.stream + "\" not found" + util::did_you_mean(o.stream, md.topic_names()),
                              "list streams with: meshctl discover");
    const auto& topic = *found;
    std::vector<kafka::TopicPartition> tps;
    std::set<int> wanted(o.partitions.begin(), o.partitions.end());
    for (int p : wanted)
        if (p < 0 || p >= static_cast<int>(topic.partitions.size()))
            throw usage_error("partition " + std::to_string(p) + " of topic \"" + o.stream + "\" does not exist",
                              "topic \"" + o.stream + "\" has partitions 0 to " + std::to_string(topic.partitions.size() - 1));
    for (const auto& p : topic.partitions)
        if (wanted.empty() || wanted.count(p.id)) tps.push_back({o.stream, p.id});
    auto marks = admin.watermarks(tps);
    auto starts = kafka::resolve_position(admin, from, marks);
    std::map<kafka::TopicPartition, std::int64_t> ends;
    if (until) ends = kafka::resolve_position(admin, *until, marks);
    else
        for (const auto& [tp, wm] : marks) ends[tp] = wm.high;

    std::map<int, std::int64_t> checkpoint;
    if (o.group) {
        for (const auto& [tp, off] : admin.committed_offsets(*o.group))
            if (tp.topic == o.stream && off >= 0) checkpoint[tp.partition] = off;
    } else if (o.checkpoint_file) {
        checkpoint = read_checkpoint(*o.checkpoint_file, o.stream);
    }

    std::map<int, Range> ranges;
    std::vector<kafka::PartitionOffset> assign;
    for (const auto& tp : tps) {
        Range r{starts[tp], std::max(ends[tp], starts[tp]), 0};
        if (auto it = checkpoint.find(tp.partition); it != checkpoint.end()) {
            s.resumed = true;
            if (it->second < marks[tp].low)
                log::warn("checkpoint of " + o.stream + "[" + std::to_string(tp.partition) + "] is at offset " +
                          std::to_string(it->second) + ", before the log start " + std::to_string(marks[tp].low) +
                          ": those records were deleted, resuming at the log start");
            r.start = std::clamp(it->second, marks[tp].low, std::max(r.end, marks[tp].low));
        }
        r.next = r.start;
        ranges[tp.partition] = r;
        s.ranges[tp.partition] = {r.start, r.end};
        s.records_planned += r.end - r.start;
        if (!r.done()) assign.push_back({tp, r.start});
    }
    s.partitions = ranges.size();
    if (s.resumed) log::info("resuming " + o.stream + " from " + s.checkpoint);

    sinks::SinkContext sink_context{settings};
    auto sink = sinks::open_sink(o.sink, sink_context, stdout_stream);
    std::unique_ptr<sinks::Sink> dead;
    if (o.dead_letter) {
        if (*o.dead_letter == o.sink) throw usage_error("--dead-letter must differ from --into", "e.g. --dead-letter file:rejected.jsonl");
        dead = sinks::open_sink(*o.dead_letter, sink_context, stdout_stream);
        s.dead_letter = *o.dead_letter;
    }
    // Unreadable and rejected records: counted, kept in the dead-letter sink when there is one.
    auto problem = [&](const sinks::Record& origin, const std::string& reason) {
        std::string where_from = origin.topic + "[" + std::to_string(origin.partition) + "]@" + std::to_string(origin.offset);
        if (s.first_problem.empty()) s.first_problem = where_from + ": " + reason;
        if (dead) {
            dead->write(sinks::dead_letter_record(origin, reason));
            ++s.records_dead_lettered;
        } else if (s.records_rejected + s.records_unreadable <= 10) {
            log::warn(where_from + " not written: " + reason);
        }
    };
    std::optional<kafka::Consumer> consumer;
    consumer.emplace(settings, o.group, std::vector<std::pair<std::string, std::string>>{{"enable.partition.eof", "true"}});
    if (!assign.empty()) consumer->assign(assign);

    std::map<int, std::int64_t> flushed;  // what the sink has acknowledged, per partition
    auto checkpoint_now = [&]() {
        auto fr = sink->flush(settings.timeout);
        s.records_written += fr.written;
        for (const auto& rej : fr.rejected) {
            ++s.records_rejected;
            problem(rej.record, sink->describe() + " rejected it: " + rej.reason);
        }
        // The dead letters must be durable before the offsets that skip them are committed.
        if (dead) {
            auto dr = dead->flush(settings.timeout);
            if (!dr.rejected.empty())
                throw remote_error("the dead-letter sink " + dead->describe() + " rejected " + std::to_string(dr.rejected.size()) +
                                   " records: " + dr.rejected.front().reason,
                                   "nothing was committed past them; fix the dead-letter destination and run again");
        }
        std::map<kafka::TopicPartition, std::int64_t> commit;
        std::map<int, std::int64_t> changed;
        for (const auto& [p, r] : ranges) {
            auto it = flushed.find(p);
            if (it == flushed.end() || it->second != r.next) {
                commit[{o.stream, p}] = r.next;
                changed[p] = r.next;
            }
        }
        if (commit.empty()) return;
        if (o.group) consumer->commit(commit);
        if (o.checkpoint_file) {
            std::map<int, std::int64_t> all;
            for (const auto& [p, r] : ranges) all[p] = r.next;
            write_checkpoint(*o.checkpoint_file, o.stream, all);
        }
        for (const auto& [p, off] : changed) flushed[p] = off;
    };

    output::ProgressLine progress;
    expr::Evaluator evaluator;
    std::vector<expr::Header> headers;
    sinks::Record rec;
    auto started = std::chrono::steady_clock::now();
    auto last_commit = started;
    // A bounded read gets records or end-of-partition events while the cluster answers;
    // neither for a whole timeout means it is gone: fail rather than wait forever.
    auto last_progress = started;
    std::size_t open = assign.size();
    while (open > 0 && !util::interrupted()) {
        auto m = consumer->poll(200);
        auto now = std::chrono::steady_clock::now();
        if (m) {
            auto it = ranges.find(m->partition());
            if (m->is_partition_eof()) {
                // The end of the log as it was at the start bounds every range.
                if (it != ranges.end() && !it->second.done() && m->offset() >= it->second.end) {
                    it->second.next = it->second.end;
                    --open;
                }
            } else if (m->is_error()) {
                if (m->error() == RD_KAFKA_RESP_ERR_UNKNOWN_TOPIC_OR_PART || m->error() == RD_KAFKA_RESP_ERR_TOPIC_AUTHORIZATION_FAILED)
                    consumer->client().fail(m->error(), "read", "topic \"" + o.stream + "\"");
                log::debug("consumer: " + m->error_text());
            } else if (it != ranges.end() && !it->second.done()) {
                Range& r = it->second;
                if (m->offset() < r.end) {
                    ++s.records_read;
                    bool keep = true;
                    auto fill = [&] {
                        rec.topic = o.stream;
                        rec.partition = m->partition();
                        rec.offset = m->offset();
                        rec.timestamp_ms = m->timestamp();
                        rec.id = sinks::default_record_id(rec.topic, rec.partition, rec.offset);
                        auto k = m->key();
                        auto v = m->value();
                        rec.key = k ? std::optional<std::string>(std::string(*k)) : std::nullopt;
                        rec.value = v ? std::optional<std::string>(std::string(*v)) : std::nullopt;
                    };
                    if (where) {
                        headers.clear();
                        for (const auto& [name, value] : m->headers()) headers.push_back({name, value});
                        expr::Event ev{m->value(), m->key(), headers, m->topic(), m->partition(), m->offset(), m->timestamp()};
                        auto outcome = evaluator.test(*where, ev);
                        keep = outcome == expr::Outcome::match;
                        if (outcome == expr::Outcome::no_match) ++s.records_filtered;
                        else if (!keep) {
                            ++s.records_unreadable;
                            fill();
                            problem(rec, outcome == expr::Outcome::not_json ? "--where: the value is not JSON"
                                                                             : "--where could not be evaluated on this record");
                        }
                    }
                    if (keep) {
                        fill();
                        sink->write(rec);
                    }
                }
                r.next = std::max(r.next, m->offset() + 1);
                if (r.done()) {
                    r.next = r.end;
                    --open;
                }
            }
        }
        if (m && (!m->is_error() || m->is_partition_eof())) last_progress = std::chrono::steady_clock::now();
        else if (now - last_progress > settings.timeout)
            consumer->client().fail(RD_KAFKA_RESP_ERR__TIMED_OUT, "read", "topic \"" + o.stream + "\"");
        if (now - last_commit >= o.commit_interval) {
            checkpoint_now();
            last_commit = now;
            // Time spent waiting for the sink is not the source's silence: credit it, and only
            // it (moving last_progress to now would reset the timeout every commit interval,
            // so a cluster gone for good would never be reported).
            last_progress += std::chrono::steady_clock::now() - now;
        }
        if (progress.active()) {
            std::int64_t done = 0;
            for (const auto& [p, r] : ranges) done += r.next - r.start;
            progress.update(progress_text(s, done, s.records_planned, std::chrono::duration<double>(now - started).count()));
        }
    }
    progress.clear();
    if (util::interrupted()) s.interrupted_by = util::interrupt_signal();
    checkpoint_now();
    consumer->close();
    for (const auto& [p, r] : ranges) s.committed[p] = r.next;
    s.status = s.interrupted_by                                   ? "interrupted"
               : s.records_rejected + s.records_unreadable > 0 ? "completed_with_dead_letters"
                                                               : "completed";
    s.duration_ms = std::chrono::duration_cast<std::chrono::milliseconds>(std::chrono::steady_clock::now() - started).count();
    return s;
}

nlohmann::json ReplaySummary::to_json() const {
    nlohmann::json parts = nlohmann::json::array();
    for (const auto& [p, r] : ranges) {
        auto c = committed.find(p);
        parts.push_back({{"partition", p}, {"start_offset", r.first}, {"end_offset", r.second},
                         {"next_offset", c == committed.end() ? nlohmann::json() : nlohmann::json(c->second)}});
    }
    double secs = static_cast<double>(duration_ms) / 1000.0;
    return {{"stream", stream},
            {"sink", sink},
            {"status", status},
            {"resumed", resumed},
            {"checkpoint", checkpoint},
            {"records_planned", records_planned},
            {"records_read", records_read},
            {"records_written", records_written},
            {"records_filtered", records_filtered},
            {"records_unreadable", records_unreadable},
            {"records_rejected", records_rejected},
            {"records_dead_lettered", records_dead_lettered},
            {"dead_letter", dead_letter.empty() ? nlohmann::json() : nlohmann::json(dead_letter)},
            {"first_problem", first_problem.empty() ? nlohmann::json() : nlohmann::json(first_problem)},
            {"partitions", parts},
            {"duration_ms", duration_ms},
            {"records_per_second", secs > 0 ? static_cast<std::int64_t>(static_cast<double>(records_read) / secs) : 0},
            {"interrupted_by", interrupted_by ? nlohmann::json(interrupted_by == SIGTERM ? "SIGTERM" : "SIGINT") : nlohmann::json()}};
}

void ReplaySummary::to_text(std::ostream& out, const output::TextStyle&) const {
    out << "replay " << status << ": stream=" << stream << " sink=" << sink << " records_read=" << records_read
        << " records_written=" << records_written << " records_filtered=" << records_filtered
        << " records_unreadable=" << records_unreadable << " records_rejected=" << records_rejected
        << " records_dead_lettered=" << records_dead_lettered
        << " records_planned=" << records_planned << " partitions=" << ranges.size() << " duration_ms=" << duration_ms
        << " resumed=" << (resumed ? "true" : "false") << " checkpoint=\"" << checkpoint << "\"\n";
}

}  // namespace meshctl::backfill
