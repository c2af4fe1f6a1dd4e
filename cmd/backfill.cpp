#include "cmd/app.hpp"

#include "core/backfill/replay.hpp"
#include "core/backfill/reset.hpp"
#include "core/backfill/status.hpp"
#include "core/error.hpp"
#include "core/util/time.hpp"

#include <iostream>

namespace meshctl::cmd {

namespace {

void emit_reset(App& app, const backfill::ResetResult& r) {
    app.emit(r);
    if (!r.executed) app.note("dry run: nothing was committed; add --execute to commit these offsets");
    if (!r.failed.empty()) throw backfill::partial_commit_error(r);
}

std::function<void(const std::string&, const std::string&)> rollback_note(App& app) {
    return [&app](const std::string& csv, const std::string& json) {
        app.note("rollback file written before committing: " + csv + " (and " + json + "); undo with 'meshctl backfill undo " +
                 json + " --execute'");
    };
}

void register_reset(CLI::App* group, App& app) {
    static backfill::ResetOptions opts;
    static std::string export_path, rollback;
    auto* o = &opts;
    auto* cmd = group->add_subcommand("reset", "Plan (and with --execute commit) a consumer group offset reset");
    cmd->add_option("GROUP", o->group, "Consumer group")->required();
    cmd->add_option("--topic", o->topics, "Topic, optionally with partitions: T or T:0,1,2 (repeatable)")->type_name("T[:P,...]");
    cmd->add_flag("--all-topics", o->all_topics, "Every topic the group has committed offsets for");
    cmd->add_option("--to", o->to, "earliest, latest, offset:N, shift:+N, shift:-N, an ISO-8601 time, or a duration back (36h)")
        ->required()->type_name("TARGET");
    cmd->add_flag("--execute", o->execute, "Commit the plan (default: dry run)");
    cmd->add_flag("--allow-new-group", o->allow_new_group, "Allow creating a group that does not exist yet");
    auto* ex = cmd->add_option("--export", export_path, "Also write the plan as CSV (kafka-consumer-groups --from-file) or .json");
    auto* rb = cmd->add_option("--rollback-file", rollback, "Where to write the rollback CSV (JSON beside it)");
    cmd->footer("Examples:\n  meshctl backfill reset billing --topic orders --to 36h\n"
                "  meshctl backfill reset billing --topic orders:0,1 --to 2024-05-01T00:00:00Z --execute\n"
                "  meshctl backfill reset billing --all-topics --to shift:-1000 --export plan.csv");
    cmd->callback([&app, o, ex, rb] {
        if (ex->count()) o->export_path = export_path;
        if (rb->count()) o->rollback_file = rollback;
        o->on_rollback_written = rollback_note(app);
        auto cluster = backfill::kafka_cluster(app.client_settings());
        emit_reset(app, backfill::reset_offsets(*cluster, *o, util::now_ms()));
    });
}

void register_undo(CLI::App* group, App& app) {
    static backfill::UndoOptions opts;
    static std::string file, group_name, rollback;
    auto* o = &opts;
    auto* cmd = group->add_subcommand("undo", "Restore a group's offsets from a rollback or exported file");
    cmd->add_option("FILE", file, "Rollback .json/.csv written by reset, or a kafka-consumer-groups export")->required();
    auto* g = cmd->add_option("--group", group_name, "Group (needed for CSV files of topic,partition,offset)");
    cmd->add_flag("--execute", o->execute, "Commit (default: dry run)");
    cmd->add_flag("--allow-new-group", o->allow_new_group, "Allow creating a group that does not exist yet");
    auto* rb = cmd->add_option("--rollback-file", rollback, "Where to write the rollback of this undo");
    cmd->footer("Examples:\n"
                "  meshctl backfill undo ~/.local/state/meshctl/backfill/billing-20240501T100000.000Z.json\n"
                "  meshctl backfill undo ~/.local/state/meshctl/backfill/billing-20240501T100000.000Z.json --execute\n"
                "  meshctl backfill undo offsets.csv --group billing --execute");
    cmd->callback([&app, o, g, rb] {
        o->file = file;
        if (g->count()) o->group = group_name;
        if (rb->count()) o->rollback_file = rollback;
        o->on_rollback_written = rollback_note(app);
        auto cluster = backfill::kafka_cluster(app.client_settings());
        emit_reset(app, backfill::undo_offsets(*cluster, *o, util::now_ms()));
    });
}

void register_status(CLI::App* group, App& app) {
    static std::string group_name, interval = "3s";
    static bool watch = false;
    auto* cmd = group->add_subcommand("status", "Committed and end offsets, lag, rate and time to catch up");
    cmd->add_option("GROUP", group_name, "Consumer group")->required();
    cmd->add_flag("--watch,-w", watch, "Keep sampling every --interval until interrupted");
    cmd->add_option("--interval", interval, "Time between samples; 0 takes one sample without rates (default 3s)");
    cmd->footer("Examples:\n  meshctl backfill status billing\n  meshctl backfill status billing --watch --interval 10s\n"
                "  meshctl backfill status billing --interval 0 -o json");
    cmd->callback([&app] {
        auto every = interval == "0" ? std::chrono::milliseconds(0) : util::parse_duration(interval, "--interval");
        if (watch && every.count() <= 0) throw usage_error("--watch needs an --interval above 0", "e.g. --interval 5s");
        auto cluster = backfill::kafka_cluster(app.client_settings());
        if (!watch) {
            app.emit(backfill::group_status(*cluster, group_name, every));
            return;
        }
        bool first = true;
        backfill::group_status(*cluster, group_name, every, [&](const backfill::StatusResult& r) {
            if (!first && app.format() == output::Format::text) std::cout << "\n";
            first = false;
            app.emit(r);
            std::cout.flush();
        });
    });
}

void register_replay(CLI::App* group, App& app) {
    static backfill::ReplayOptions opts;
    static std::string where, checkpoint, consumer_group, dead_letter;
    auto* o = &opts;
    auto* cmd = group->add_subcommand("replay", "Replay a bounded window of a stream into a sink, resumably");
    cmd->add_option("STREAM", o->stream, "Topic to replay")->required();
    cmd->add_option("--into", o->sink, "Sink: -, file:PATH.jsonl, kafka:TOPIC, sqlite:PATH.db[?table=NAME], elasticsearch+http(s)://HOST:PORT/INDEX")->required();
    cmd->add_option("--from", o->from, "Start: beginning, offset:N, -N, an ISO-8601 time, @EPOCH_MS or -1h (default beginning)");
    cmd->add_option("--until", o->until, "End (exclusive): end, offset:N, a time, ... (default: the end when the replay starts)");
    auto* w = cmd->add_option("--where", where, "Only records matching this expression");
    auto* g = cmd->add_option("--group", consumer_group, "Checkpoint in this consumer group's offsets (resumes from them)");
    auto* c = cmd->add_option("--checkpoint", checkpoint, "Checkpoint in this file (resumes from it)");
    cmd->add_option("--partition", o->partitions, "Only these partitions (repeatable)");
    auto* d = cmd->add_option("--dead-letter", dead_letter, "Sink for records the sink rejects or --where cannot evaluate (same forms as --into)");
    cmd->footer("Exit codes: 0 done, 1 failed, 2 bad usage, 3 stream not found, 5 done but some records were rejected or\n"
                "unreadable (dead-lettered or listed on stderr), 130/143 interrupted (progress committed).\n"
                "Examples:\n  meshctl backfill replay orders --into file:orders.jsonl --from 2024-05-01 --until 2024-05-02 "
                "--checkpoint orders.ckpt\n  meshctl backfill replay orders --into kafka:orders-v2 --group replay-orders-v2");
    cmd->callback([&app, o, w, g, c, d] {
        if (w->count()) o->where = where;
        if (d->count()) o->dead_letter = dead_letter;
        if (g->count()) o->group = consumer_group;
        if (c->count()) o->checkpoint_file = checkpoint;
        if (g->count() && c->count()) throw usage_error("--group and --checkpoint are alternatives", "choose one place to checkpoint");
        bool json_summary = app.format() != output::Format::text && o->sink != "-";
        auto summary = backfill::replay(app.client_settings(), *o, std::cout, util::now_ms());
        if (json_summary) app.emit(summary);
        else {
            std::ostringstream text;
            summary.to_text(text, {});
            std::cerr << text.str();
        }
        if (summary.interrupted_by) {
            Error e(ErrorKind::interrupted, "interrupted by signal " + std::to_string(summary.interrupted_by) +
                                                "; committed what the sink flushed, run the same command again to resume");
            e.signal = summary.interrupted_by;
            throw e;
        }
        if (auto bad = summary.records_rejected + summary.records_unreadable; bad > 0)
            throw Error(ErrorKind::dead_letter,
                        std::to_string(bad) + " records were not written (" + std::to_string(summary.records_rejected) +
                            " rejected by the sink, " + std::to_string(summary.records_unreadable) + " unreadable by --where); first: " +
                            summary.first_problem,
                        summary.dead_letter.empty() ? "add --dead-letter file:PATH.jsonl to keep them"
                                                    : "they are in " + summary.dead_letter);
    });
}

}  // namespace

void register_backfill(CLI::App& cli, App& app) {
    auto* group = cli.add_subcommand("backfill", "Kappa-style backfills: reset group offsets, undo, watch, replay");
    require_command(group);
    register_reset(group, app);
    register_undo(group, app);
    register_status(group, app);
    register_replay(group, app);
}

}  // namespace meshctl::cmd
