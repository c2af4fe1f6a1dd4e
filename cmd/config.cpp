#include "cmd/app.hpp"

#include "core/config/context_ops.hpp"

namespace meshctl::cmd {

void register_config(CLI::App& cli, App& app) {
    auto* group = cli.add_subcommand("config", "Contexts: named clusters with their registry and credentials");
    require_command(group);
    auto path = [&app] { return config::resolve_config_path(app.global, app.env); };

    auto* view = group->add_subcommand("view", "Show the config file, secrets as ***");
    view->footer("Examples:\n  meshctl config view\n  meshctl --config ./staging.yaml config view -o json");
    view->callback([&app, path] { app.emit(config::view_config(path())); });
    auto* list = group->add_subcommand("get-contexts", "List contexts; * marks the current one");
    list->footer("Examples:\n  meshctl config get-contexts\n  meshctl config get-contexts -o json");
    list->callback([&app, path] { app.emit(config::list_contexts(path())); });

    auto* use = group->add_subcommand("use-context", "Make a context current");
    static std::string use_name_storage;  // CLI11 binds by reference
    auto* use_name = &use_name_storage;
    use->add_option("NAME", *use_name, "Context name")->required();
    use->footer("Examples:\n  meshctl config use-context prod\n  meshctl config use-context dev");
    use->callback([&app, path, use_name] { app.emit(config::use_context(path(), *use_name)); });

    auto* set = group->add_subcommand("set-context", "Create or update a context");
    set->footer("Examples:\n"
                "  meshctl config set-context prod --bootstrap kafka-1:9092,kafka-2:9092 --registry http://registry:8081\n"
                "  meshctl config set-context prod --property security.protocol=SASL_SSL \\\n"
                "      --property 'sasl.password=${env:KAFKA_PASSWORD}'");
    struct SetArgs {
        std::string name;
        config::ContextChange change;
        std::string bootstrap, registry, catalog_topic;
    };
    static SetArgs set_args;
    auto* args = &set_args;
    set->add_option("NAME", args->name, "Context name")->required();
    auto* b = set->add_option("--bootstrap", args->bootstrap, "Kafka bootstrap servers of this context");
    auto* r = set->add_option("--registry", args->registry, "Schema registry URL of this context");
    auto* c = set->add_option("--catalog-topic", args->catalog_topic, "Catalog topic (default _meshctl.catalog)");
    set->add_option("--property", args->change.properties,
                    "librdkafka property key=value (repeatable); secrets only as ${env:NAME} or ${file:/path}");
    set->add_flag("--current", args->change.make_current, "Also make it the current context");
    set->callback([&app, path, args, b, r, c] {
        if (b->count()) args->change.bootstrap = args->bootstrap;
        if (r->count()) args->change.registry = args->registry;
        if (c->count()) args->change.catalog_topic = args->catalog_topic;
        app.emit(config::set_context(path(), args->name, args->change));
    });
}

}  // namespace meshctl::cmd
