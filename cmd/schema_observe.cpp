// `meshctl schema infer` and `schema diff`: what the events of a stream look like, and how
// that differs from the declared schema.
#include "cmd/app.hpp"

#include "core/catalog/store.hpp"
#include "core/error.hpp"
#include "core/kafka/admin.hpp"
#include "core/schema/diff.hpp"
#include "core/schema/infer.hpp"
#include "core/schema/registry.hpp"
#include "core/util/signals.hpp"

namespace meshctl::cmd {

namespace {

// A data product name resolves to its topic through the catalog, read only when no topic
// has that name.
void resolve_products(schema::ObserveOptions& o, App& app) {
    o.product_topic = [&app](const std::string& name) -> std::optional<std::string> {
        kafka::Admin admin(app.client_settings());
        auto snapshot = catalog::read_catalog(admin, admin.metadata(), app.settings().catalog_topic);
        if (const auto* entry = snapshot.find(name)) return entry->descriptor.topic;
        return std::nullopt;
    };
}

void notes(App& app, const std::string& topic, std::int64_t observed, std::int64_t bad, bool interrupted) {
    if (observed == 0) app.note("no events in \"" + topic + "\" from the chosen position: nothing to look at");
    if (bad) app.note(std::to_string(bad) + " events could not be read as JSON; they are listed in the report");
    if (interrupted) {
        Error e(ErrorKind::interrupted, "interrupted after " + std::to_string(observed) + " events");
        e.signal = util::interrupt_signal();
        throw e;
    }
}

}  // namespace

void add_schema_observe(CLI::App& schema, App& app) {
    struct Args {
        schema::ObserveOptions observe;
        std::string from;
        schema::DiffOptions diff;
    };
    static Args infer_args, diff_args;

    auto* infer = schema.add_subcommand("infer", "Infer a JSON Schema (draft 2020-12) from the events of a stream");
    infer->add_option("STREAM", infer_args.observe.stream, "Topic or data product")->required();
    infer->add_option("--samples", infer_args.observe.samples, "Events to read, spread over partitions and time (default 1000)");
    auto* from = infer->add_option("--from", infer_args.from,
                                   "Observe from: beginning, end, offset:N, -N, ISO-8601, @EPOCH_MS, -1h (default beginning)");
    infer->footer("Examples:\n"
                  "  meshctl schema infer orders\n"
                  "  meshctl schema infer orders --samples 5000 --from -24h\n"
                  "  meshctl schema infer orders -o json | jq .schema > orders.schema.json");
    infer->callback([&app, from] {
        auto& o = infer_args.observe;
        if (from->count()) o.from = infer_args.from;
        resolve_products(o, app);
        auto result = schema::infer_stream(o, app.client_settings(), schema::registry_lookup(app.settings()));
        app.emit(result);
        notes(app, result.topic, result.observed, result.bad.total(), result.interrupted);
    });

    auto* diff = schema.add_subcommand("diff", "Compare a stream's events with its declared schema; exit 4 on drift");
    diff->add_option("STREAM", diff_args.observe.stream, "Topic or data product")->required();
    diff->add_option("--samples", diff_args.observe.samples, "Events to read, spread over partitions and time (default 1000)");
    auto* diff_from = diff->add_option("--from", diff_args.from, "Observe from: same forms as for infer (default beginning)");
    diff->add_option("--max-violations", diff_args.diff.max_violations,
                     "Example events (partition:offset) listed per finding; all are counted (default 5)");
    diff->footer("The declared schema comes from the schema registry (the context's subject naming\n"
                 "strategy), else from the data product's descriptor in the catalog. Exit codes: 0 no\n"
                 "drift, 4 drift (the report is written first), 3 nothing declared.\n\n"
                 "Examples:\n"
                 "  meshctl schema diff orders\n"
                 "  meshctl schema diff orders --samples 10000 --max-violations 3 -o json\n"
                 "  meshctl schema diff payments --from -1h || echo 'schema drift in payments'");
    diff->callback([&app, diff_from] {
        auto& o = diff_args.observe;
        if (diff_from->count()) o.from = diff_args.from;
        resolve_products(o, app);
        auto report = schema::diff_stream(app.settings(), o, diff_args.diff);
        app.emit(report);
        notes(app, report.topic, report.observed, 0, report.interrupted);
        if (report.drift()) {
            std::int64_t total = 0;
            for (const auto& f : report.findings) total += f.count;
            throw check_failed("schema drift in \"" + report.stream + "\": " + std::to_string(report.findings.size()) +
                                   (report.findings.size() == 1 ? " finding" : " findings") + " (" + std::to_string(total) +
                                   " violations) in " + std::to_string(report.observed) + " events",
                               "the report above lists each finding with example partition:offset; 'meshctl sample " +
                                   report.topic + " --partition P --from offset:N -n 1' shows one");
        }
    });
}

}  // namespace meshctl::cmd
