#include "cmd/app.hpp"
#include "core/schema/registry.hpp"

#include "core/error.hpp"
#include "core/output/terminal.hpp"
#include "core/pipeline/engine.hpp"
#include "core/pipeline/explain.hpp"
#include "core/pipeline/loader.hpp"
#include "core/util/log.hpp"
#include "core/util/signals.hpp"
#include "core/util/time.hpp"

#include <iostream>
#include <unistd.h>

namespace meshctl::cmd {

namespace {

struct PipelineArgs {
    std::string file, from, until, group, stats_interval, flush_interval, sink_deadline;
    int count = 10;
    std::uint64_t flush_every = pipeline::RunOptions{}.flush_records;
};

class Validated : public output::Result {
public:
    pipeline::PipelineSpec spec;
    nlohmann::json to_json() const override {
        return {{"file", spec.file}, {"pipeline", spec.name}, {"valid", true}, {"sources", spec.sources.size()},
                {"steps", spec.steps.size()}, {"sinks", spec.sinks.size()}};
    }
    void to_text(std::ostream& out, const output::TextStyle&) const override {
        out << spec.file << ": pipeline " << spec.name << " is valid (" << spec.sources.size() << " sources, "
            << spec.steps.size() << " steps, " << spec.sinks.size() << " sinks)\n";
    }
};

sinks::SinkContext sink_context(App& app) {
    sinks::SinkContext ctx{app.client_settings(), {}};
    ctx.other_context = [&app](const std::string& name) {
        config::GlobalOptions g = app.global;
        g.context = name;
        g.bootstrap.reset();
        // MESHCTL_BOOTSTRAP names the run's own cluster, like -b: it must not send a sink
        // meant for context NAME to the run's cluster instead.
        config::Getenv env = [&app](std::string_view var) -> std::optional<std::string> {
            if (var == "MESHCTL_BOOTSTRAP") return std::nullopt;
            return app.env(var);
        };
        return kafka::ClientSettings::from(config::resolve_settings(g, env));
    };
    return ctx;
}

// The same flags mean the same policy for `run` and for `explain`.
pipeline::FlushPolicy flush_policy(const PipelineArgs& a) {
    if (a.flush_every == 0) throw usage_error("--flush-every must be at least 1");
    pipeline::FlushPolicy f;
    f.records = a.flush_every;
    if (!a.flush_interval.empty()) f.interval = util::parse_duration(a.flush_interval, "--flush-interval");
    return f;
}

void run_command(App& app, PipelineArgs& a, CLI::App* sub) {
    auto spec = pipeline::load_pipeline(a.file);
    pipeline::RunOptions o;
    if (sub->get_option("--from")->count()) o.from = a.from;
    if (sub->get_option("--until")->count()) o.until = a.until;
    if (!a.group.empty()) o.group = a.group;
    auto flush = flush_policy(a);
    o.schema_by_id = schema::registry_lookup(app.settings());  // Confluent-framed records decode with it
    o.flush_records = flush.records;
    o.flush_interval = flush.interval;
    if (!a.sink_deadline.empty()) o.sink_deadline = util::parse_duration(a.sink_deadline, "--sink-deadline");
    if (!a.stats_interval.empty()) {
        o.stats_interval = util::parse_duration(a.stats_interval, "--stats-interval");
        o.on_stats = [](const pipeline::RunStats& s) { std::cerr << s.to_json().dump() << "\n" << std::flush; };
    }
    output::ProgressLine progress;
    if (progress.active() && app.global.quiet == 0)
        o.on_progress = [&progress](const pipeline::RunStats& s) { progress.update(s.progress_line()); };
    bool sink_on_stdout = false;
    for (const auto& s : spec.sinks) sink_on_stdout |= s.type == "stdout";
    auto stats = pipeline::run_pipeline(spec, o, sink_context(app), std::cout);
    progress.clear();
    std::cout.flush();
    // The summary is data only when stdout carries no records.
    if (app.format() != output::Format::text && !sink_on_stdout) app.emit(stats);
    else if (app.global.quiet == 0) stats.to_text(std::cerr, output::TextStyle{});
    if (stats.stopped == "interrupted") {
        Error e(ErrorKind::interrupted, "pipeline " + spec.name + " stopped by a signal after committing what its sinks acknowledged");
        e.signal = util::interrupt_signal();
        throw e;
    }
    if (stats.counts.dead_lettered > 0)
        throw Error(ErrorKind::dead_letter,
                    std::to_string(stats.counts.dead_lettered) + " events of pipeline " + spec.name +
                        (spec.dead_letter ? " went to the dead-letter destination " + spec.dead_letter->describe()
                                          : " failed and were dropped (no dead_letter destination)"),
                    "the warnings above show the first reasons");
}

}  // namespace

void register_pipeline(CLI::App& cli, App& app) {
    auto* group = cli.add_subcommand("pipeline", "Declarative join/filter pipelines from YAML (see meshctl-pipeline(5))");
    require_command(group);
    static PipelineArgs args;
    auto* a = &args;

    auto* validate = group->add_subcommand("validate", "Check a pipeline file and its expressions (no network)");
    validate->add_option("FILE", a->file, "Pipeline YAML file")->required();
    validate->footer("Examples:\n  meshctl pipeline validate examples/pipelines/platinum-orders.yaml\n"
                     "  meshctl pipeline validate orders.yaml -o json");
    validate->callback([&app, a] {
        Validated v;
        v.spec = pipeline::load_pipeline(a->file);
        app.emit(v);
    });

    auto* explain = group->add_subcommand("explain", "Show the plan: sources, positions, tables, joins, sinks, delivery");
    explain->add_option("FILE", a->file, "Pipeline YAML file")->required();
    explain->add_option("--group", a->group, "Consumer group (default: the file's group or meshctl-pipeline-NAME)");
    explain->add_option("--from", a->from, "Explain a run started with --from POS");
    explain->add_option("--flush-interval", a->flush_interval, "Explain a run with this --flush-interval (default 1s)");
    explain->add_option("--flush-every", a->flush_every, "Explain a run with this --flush-every (default " + std::to_string(a->flush_every) + ")");
    explain->footer("Examples:\n  meshctl pipeline explain examples/pipelines/platinum-orders.yaml\n"
                    "  meshctl pipeline explain orders.yaml --from -1h --group orders-enricher\n"
                    "  meshctl pipeline explain examples/pipelines/paid-orders.yaml --flush-interval 5s -o json");
    explain->callback([&app, a, explain] {
        auto spec = pipeline::load_pipeline(a->file);
        std::optional<std::string> g, f;
        if (!a->group.empty()) g = a->group;
        if (explain->get_option("--from")->count()) f = a->from;
        app.emit(pipeline::explain_pipeline(spec, app.client_settings(), g, f, flush_policy(*a)));
    });

    auto* preview = group->add_subcommand("preview", "Run on the last N events and print what the sinks would receive");
    preview->add_option("FILE", a->file, "Pipeline YAML file")->required();
    preview->add_option("-n,--count", a->count, "Number of stream events (default 10)");
    preview->footer("Examples:\n  meshctl pipeline preview examples/pipelines/platinum-orders.yaml\n"
                    "  meshctl pipeline preview orders.yaml -n 50 -o jsonl");
    preview->callback([&app, a] {
        auto spec = pipeline::load_pipeline(a->file);
        auto result = pipeline::preview_pipeline(spec, a->count, app.client_settings());
        app.emit(result);
        if (app.format() == output::Format::text)
            app.note("preview of " + std::to_string(result.counts.processed) + " events: " + std::to_string(result.counts.written) +
                     " emitted, " + std::to_string(result.counts.filtered) + " filtered, " + std::to_string(result.counts.unmatched) +
                     " unmatched, " + std::to_string(result.counts.dead_lettered) + " would be dead-lettered; nothing was written");
    });

    auto* run = group->add_subcommand("run", "Run the pipeline (at least once; effectively once with idempotent sinks)");
    run->add_option("FILE", a->file, "Pipeline YAML file")->required();
    run->add_option("--from", a->from, "Start here instead of the committed offsets: beginning, end, -N, -1h, ISO-8601...");
    run->add_option("--until", a->until, "Stop at this position, or `caught-up` (the end offsets seen at start)");
    run->add_option("--group", a->group, "Consumer group; processes with the same group share the partitions");
    run->add_option("--flush-interval", a->flush_interval, "Flush sinks and commit at least this often (default 1s)");
    run->add_option("--flush-every", a->flush_every, "Flush sinks and commit after this many events (default " + std::to_string(a->flush_every) + ")");
    run->add_option("--stats-interval", a->stats_interval, "Write JSON stats lines to stderr this often, e.g. 5s");
    run->add_option("--sink-deadline", a->sink_deadline,
                    "Give up (exit 1) when a sink keeps failing this long, retrying with backoff until then (default 5m)");
    run->footer("Examples:\n"
                "  meshctl pipeline run examples/pipelines/platinum-orders.yaml --until caught-up\n"
                "  meshctl pipeline run orders.yaml --group orders-enricher --stats-interval 10s\n"
                "  meshctl pipeline run orders.yaml --until caught-up --sink-deadline 30s");
    run->callback([&app, a, run] { run_command(app, *a, run); });
}

}  // namespace meshctl::cmd
