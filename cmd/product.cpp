#include "cmd/app.hpp"

#include "core/catalog/store.hpp"

#include <filesystem>

namespace meshctl::cmd {

void register_product(CLI::App& cli, App& app) {
    auto* group = cli.add_subcommand("product", "Data product descriptors in the mesh catalog (a compacted topic)");
    require_command(group);
    group->footer("The descriptor format is documented in meshctl-product(5); examples are in examples/products/.");

    static std::vector<std::string> files_storage;  // CLI11 binds by reference
    auto* files = &files_storage;
    auto* publish = group->add_subcommand("publish", "Validate descriptor files, then write them all to the catalog");
    publish->add_option("FILE", *files, "Descriptor YAML files")->required()->check(CLI::ExistingFile);
    publish->footer("Examples:\n  meshctl product publish examples/products/*.yaml\n"
                    "Nothing is written unless every file is valid; errors name file:line:column.");
    publish->callback([&app, files] {
        std::vector<std::filesystem::path> paths(files->begin(), files->end());
        app.emit(catalog::publish_files(app.client_settings(), app.settings().catalog_topic, paths));
    });

    static std::string retire_storage;
    auto* name = &retire_storage;
    auto* retire = group->add_subcommand("retire", "Remove a product from the catalog (writes a tombstone)");
    retire->add_option("NAME", *name, "Product name")->required();
    retire->footer("Examples:\n  meshctl product retire legacy-orders\n  meshctl --context prod product retire legacy-orders");
    retire->callback([&app, name] { app.emit(catalog::retire(app.client_settings(), app.settings().catalog_topic, *name)); });

    auto* list = group->add_subcommand("list", "List the products in the catalog");
    list->footer("Examples:\n  meshctl product list\n  meshctl product list -o json");
    list->callback([&app] { app.emit(catalog::list_products(app.client_settings(), app.settings().catalog_topic)); });
}

}  // namespace meshctl::cmd
