#include "cmd/app.hpp"

#include "core/catalog/store.hpp"
#include "core/error.hpp"
#include "core/kafka/admin.hpp"
#include "core/sample/sample.hpp"
#include "core/schema/registry.hpp"
#include "core/util/log.hpp"
#include "core/util/signals.hpp"

#include <cstdio>

namespace meshctl::cmd {

namespace {

std::string origin(const std::string& topic, const sample::Origin& o) {
    return topic + "[" + std::to_string(o.partition) + "]@" + std::to_string(o.offset);
}

}  // namespace

void register_sample(CLI::App& cli, App& app) {
    auto* sub = cli.add_subcommand("sample", "Read events from a stream: by position, strategy and filter");
    struct Args {
        sample::SampleOptions opts;
        std::string strategy = "head";
        std::string format;
        std::string from, until, where;
    };
    static Args args;
    sub->add_option("STREAM", args.opts.stream, "Topic or data product")->required();
    sub->add_option("-n,--count", args.opts.count, "Number of events (0 = no limit; default 10)");
    auto* from = sub->add_option("--from", args.from, "Start: beginning, end, offset:N, -N, ISO-8601, @EPOCH_MS, -1h");
    auto* until = sub->add_option("--until", args.until, "Stop: same forms as --from (default: the end at start)");
    sub->add_option("--partition", args.opts.partitions, "Only these partitions (repeatable)");
    auto* where = sub->add_option("--where", args.where, "Filter expression (CEL), e.g. 'value.amount > 250.0'");
    sub->add_flag("--follow", args.opts.follow, "Keep reading new events (Ctrl-C to stop)");
    sub->add_option("--strategy", args.strategy, "head, tail or uniform")->check(CLI::IsMember({"head", "tail", "uniform"}));
    sub->add_option("-f,--format", args.format, "text, json, jsonl, raw, or a template like '%t %p %o %k %s %T %h'");
    sub->footer("Examples:\n"
                "  meshctl sample orders -n 5\n"
                "  meshctl sample orders --where 'value.amount > 250.0 && value.currency == \"EUR\"' -o jsonl\n"
                "  meshctl sample orders --strategy uniform -n 100 -f '%p %o %T %s'\n"
                "  meshctl sample orders --from -1h --follow");
    sub->callback([&app, from, until, where] {
        auto& o = args.opts;
        if (from->count()) o.from = args.from;
        if (until->count()) o.until = args.until;
        if (where->count()) o.where = args.where;
        o.strategy = sample::parse_strategy(args.strategy);
        // -f wins; otherwise -o json/jsonl select the envelope.
        std::string f = !args.format.empty() ? args.format : app.output == "yaml" ? "jsonl" : app.output;
        if (app.output == "yaml" && args.format.empty()) throw usage_error("sample does not write yaml", "use -o json or -o jsonl");
        o.format = sample::parse_format_spec(f);
        // A data product name resolves to its topic through the catalog, read only when
        // no topic has that name.
        o.product_topic = [&app](const std::string& name) -> std::optional<std::string> {
            kafka::Admin admin(app.client_settings());
            auto snapshot = catalog::read_catalog(admin, admin.metadata(), app.settings().catalog_topic);
            if (const auto* entry = snapshot.find(name)) return entry->descriptor.topic;
            return std::nullopt;
        };
        // Confluent-framed records are decoded with the registry's schemas (when one is configured).
        o.schema_by_id = schema::registry_lookup(app.settings());
        auto write = [](std::string_view bytes) {
            // Written per megabyte, or per batch with --follow: flushed at once either way.
            if (std::fwrite(bytes.data(), 1, bytes.size(), stdout) != bytes.size() || std::fflush(stdout) != 0)
                throw io_error("cannot write to stdout");
        };
        auto stats = sample::run_sample(o, app.client_settings(), write);
        std::fflush(stdout);
        if (stats.nothing_in_range) app.note("no events in range: --from is at or beyond the end of \"" + stats.topic + "\"");
        if (stats.not_json)
            app.note(std::to_string(stats.not_json) + " events were not JSON, so --where was false for them (first at " +
                     origin(stats.topic, stats.first_not_json) + ")");
        if (stats.eval_errors)
            app.note(std::to_string(stats.eval_errors) + " events could not be evaluated by --where and were skipped (first at " +
                     origin(stats.topic, stats.first_eval_error) + "); check the field names with -f json");
        if (stats.undecodable)
            app.note(std::to_string(stats.undecodable) + " framed events could not be decoded and are shown as they are (first at " +
                     origin(stats.topic, stats.first_undecodable) + ": " + stats.undecodable_reason + ")");
        if (stats.interrupted) {
            Error e(ErrorKind::interrupted, "interrupted after " + std::to_string(stats.written) + " events");
            e.signal = util::interrupt_signal();
            throw e;
        }
    });
}

}  // namespace meshctl::cmd
