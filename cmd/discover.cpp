#include "cmd/app.hpp"

#include "core/catalog/discover.hpp"

namespace meshctl::cmd {

void register_discover(CLI::App& cli, App& app) {
    auto* cmd = cli.add_subcommand("discover", "Search the mesh: catalog products and live topics");
    struct Args {
        std::vector<std::string> terms;
        std::string owner, domain, tag, field;
        bool all_contexts = false;
        bool include_internal = false;
    };
    static Args args_storage;
    auto* args = &args_storage;
    cmd->add_option("TERMS", args->terms, "Words to match against names, tags, owners, fields and descriptions");
    auto* owner = cmd->add_option("--owner", args->owner, "Only products of this owning team (or contact)");
    auto* domain = cmd->add_option("--domain", args->domain, "Only products of this domain");
    auto* tag = cmd->add_option("--tag", args->tag, "Only products with this tag");
    auto* field = cmd->add_option("--field", args->field, "Only products whose declared schema has this field");
    cmd->add_flag("--all-contexts", args->all_contexts, "Search every context of the config at once");
    cmd->add_flag("--include-internal", args->include_internal, "Also show topics whose name starts with '_'");
    cmd->footer("Examples:\n  meshctl discover\n  meshctl discover orders\n  meshctl discover --field customer_id\n"
                "  meshctl discover payments --all-contexts -o json\n"
                "Exit code 3 when a search finds nothing (with the nearest names).");
    cmd->callback([&app, args, owner, domain, tag, field] {
        catalog::Query q;
        q.terms = args->terms;
        if (owner->count()) q.owner = args->owner;
        if (domain->count()) q.domain = args->domain;
        if (tag->count()) q.tag = args->tag;
        if (field->count()) q.field = args->field;
        q.include_internal = args->include_internal;
        std::vector<catalog::ContextTarget> targets;
        if (args->all_contexts) targets = catalog::all_context_targets(app.global, app.env);
        else targets.push_back(catalog::current_target(app.settings()));
        app.emit(catalog::discover(targets, q));
    });
}

}  // namespace meshctl::cmd
