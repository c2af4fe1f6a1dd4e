#include "cmd/app.hpp"

#include "core/version.hpp"

namespace meshctl::cmd {

void register_version(CLI::App& cli, App& app) {
    auto* sub = cli.add_subcommand("version", "Show meshctl's version and librdkafka's");
    sub->footer("Examples:\n  meshctl version\n  meshctl version -o json");
    sub->callback([&app] { app.emit(version_info()); });
}

}  // namespace meshctl::cmd
