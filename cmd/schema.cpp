// `meshctl schema`: the schema registry, declared schemas, and observed ones.
#include "cmd/app.hpp"

#include "core/catalog/store.hpp"
#include "core/kafka/admin.hpp"
#include "core/schema/infer.hpp"
#include "core/schema/registry.hpp"
#include "core/schema/registry_ops.hpp"

namespace meshctl::cmd {

namespace {

/// The settings with --subject-strategy applied (checked here so a typo fails before any I/O).
config::Settings with_strategy(App& app, const std::string& strategy) {
    config::Settings s = app.settings();
    if (!strategy.empty()) s.subject_strategy = schema::to_string(schema::parse_subject_strategy(strategy));
    return s;
}

constexpr const char* strategy_help =
    "Subject naming: topic (<topic>-value, the default), record (<record name>) or topic-record "
    "(<topic>-<record name>); default from the context's subject-strategy";

void add_show(CLI::App& group, App& app) {
    auto* sub = group.add_subcommand("show", "The schema of a stream: registry, else catalog, else inferred from events");
    struct Args {
        schema::ShowOptions opts;
        std::string strategy;
        std::int64_t samples = 1000;
    };
    static Args args;
    sub->add_option("STREAM", args.opts.stream, "Topic, data product or registry subject")->required();
    auto* version = sub->add_option("--version", args.opts.version, "Registry version (a number or latest; default latest)");
    sub->add_option("--source", args.opts.source, "Only this source: registry, catalog or inferred")
        ->check(CLI::IsMember({"registry", "catalog", "inferred"}));
    sub->add_flag("--json-schema", args.opts.as_json_schema, "Print the schema converted to JSON Schema (draft 2020-12)");
    sub->add_option("--samples", args.samples, "Events to read when the schema is inferred (default 1000)");
    sub->add_option("--subject-strategy", args.strategy, strategy_help);
    sub->footer("Examples:\n"
                "  meshctl schema show orders\n"
                "  meshctl schema show orders --version 2 -o json\n"
                "  meshctl schema show orders --json-schema\n"
                "  meshctl schema show customers --source inferred --samples 500\n"
                "  meshctl schema show com.acme.Order --subject-strategy record\n"
                "The source used is named on stderr and in the JSON form (source, via).\n"
                "Exit code 3 when no source has a schema for the stream.");
    sub->callback([&app, version] {
        auto settings = with_strategy(app, args.strategy);
        auto client = app.client_settings();
        auto opts = args.opts;
        if (!version->count()) opts.version = "latest";
        opts.infer = [&app, &settings, client, stream = opts.stream] {
            schema::ObserveOptions o;
            o.stream = stream;
            o.samples = args.samples;
            o.product_topic = [&app, client](const std::string& name) -> std::optional<std::string> {
                kafka::Admin admin(client);
                auto snapshot = catalog::read_catalog(admin, admin.metadata(), app.settings().catalog_topic);
                if (const auto* entry = snapshot.find(name)) return entry->descriptor.topic;
                return std::nullopt;
            };
            return schema::infer_stream(o, client, schema::registry_lookup(settings)).schema;
        };
        auto result = schema::show_schema(settings, client, opts);
        app.emit(result);
        app.note("schema of \"" + opts.stream + "\": " + result.provenance());
    });
}

void add_check(CLI::App& group, App& app) {
    auto* sub = group.add_subcommand("check", "Whether a proposed schema is compatible with the stream's registry subject");
    struct Args {
        schema::CheckOptions opts;
        std::string file, strategy;
    };
    static Args args;
    sub->add_option("STREAM", args.opts.stream, "Topic, data product or registry subject")->required();
    sub->add_option("--file", args.file, "The proposed schema (.avsc, .json or .proto)")->required();
    sub->add_option("--type", args.opts.type, "Schema type when the file does not tell: avro, json or protobuf")
        ->check(CLI::IsMember({"avro", "json", "protobuf", "AVRO", "JSON", "PROTOBUF"}));
    sub->add_option("--subject-strategy", args.strategy, strategy_help);
    sub->footer("Examples:\n"
                "  meshctl schema check orders --file orders-v4.avsc\n"
                "  meshctl schema check payments --file payment.json --type json -o json\n"
                "Exit code 4 when the registry finds the schema incompatible (its reasons are printed),\n"
                "3 when the registry has no subject for the stream.");
    sub->callback([&app] {
        auto settings = with_strategy(app, args.strategy);
        auto opts = args.opts;
        opts.file = args.file;
        auto result = schema::check_schema(settings, app.client_settings(), opts);
        app.emit(result);
        if (!result.compatible)
            throw check_failed("the schema in " + args.file + " is not compatible with subject \"" + result.subject + "\"" +
                                   (result.level.empty() ? "" : " (" + result.level + ")"),
                               "see the reasons above; a breaking change needs a new subject or a migration");
    });
}

void add_registry_listing(CLI::App& group, App& app) {
    auto* list = group.add_subcommand("list", "Subjects in the schema registry");
    list->footer("Examples:\n  meshctl schema list\n  meshctl schema list --registry http://localhost:8081 -o json");
    list->callback([&app] { app.emit(schema::list_subjects(app.settings())); });

    auto* versions = group.add_subcommand("versions", "Versions of a registry subject, with their ids and types");
    static std::string subject;
    versions->add_option("SUBJECT", subject, "Registry subject, e.g. orders-value")->required();
    versions->footer("Examples:\n  meshctl schema versions orders-value\n  meshctl schema versions orders-value -o json\n"
                     "Exit code 3 when the subject does not exist.");
    versions->callback([&app] { app.emit(schema::list_versions(app.settings(), subject)); });
}

}  // namespace

void register_schema(CLI::App& cli, App& app) {
    auto* group = cli.add_subcommand("schema", "Schemas: registry subjects, declared and observed schemas, drift");
    group->footer("Examples:\n"
                  "  meshctl schema list\n"
                  "  meshctl schema show orders\n"
                  "  meshctl schema check orders --file orders-v4.avsc\n"
                  "The registry is --registry, MESHCTL_REGISTRY or the context's registry (credentials in its\n"
                  "registry-auth, CA bundle in registry-ca-file, naming in subject-strategy).");
    add_show(*group, app);
    add_registry_listing(*group, app);
    add_check(*group, app);
    add_schema_observe(*group, app);
    require_command(group);
}

}  // namespace meshctl::cmd
