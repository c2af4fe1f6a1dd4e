// meshctl: the data mesh from the terminal. The command groups are registered here,
// in one visible list; cmd/app.cpp parses, runs and maps errors to exit codes.
#include "cmd/app.hpp"

int main(int argc, char** argv) {
    meshctl::cmd::App app;
    CLI::App cli{"meshctl: discover, sample, backfill and join the streams of a Kafka data mesh", "meshctl"};
    meshctl::cmd::register_globals(cli, app);
    meshctl::cmd::register_dev(cli, app);
    meshctl::cmd::register_discover(cli, app);
    meshctl::cmd::register_describe(cli, app);
    meshctl::cmd::register_schema(cli, app);
    meshctl::cmd::register_sample(cli, app);
    meshctl::cmd::register_product(cli, app);
    meshctl::cmd::register_config(cli, app);
    meshctl::cmd::register_backfill(cli, app);
    meshctl::cmd::register_pipeline(cli, app);
    meshctl::cmd::register_version(cli, app);
    meshctl::cmd::register_completion(cli, app);
    meshctl::cmd::require_command(&cli);
    return meshctl::cmd::run(cli, app, argc, argv);
}
