#include "cmd/app.hpp"

#include "core/catalog/describe.hpp"

namespace meshctl::cmd {

void register_describe(CLI::App& cli, App& app) {
    auto* cmd = cli.add_subcommand("describe", "One stream or data product in depth");
    static std::string stream_storage;  // CLI11 binds by reference
    auto* stream = &stream_storage;
    cmd->add_option("STREAM", *stream, "Topic or data product name")->required();
    cmd->footer("Examples:\n  meshctl describe orders\n  meshctl describe customers -o json\n"
                "Exit code 3 when neither a topic nor a product has that name.");
    cmd->callback([&app, stream] {
        app.emit(catalog::describe(app.client_settings(), app.settings().catalog_topic, *stream));
    });
}

}  // namespace meshctl::cmd
