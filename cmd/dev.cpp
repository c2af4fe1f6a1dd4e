#include "cmd/app.hpp"

#include "core/catalog/demo_products.hpp"
#include "core/dev/dev_ops.hpp"
#include "core/error.hpp"
#include "core/util/signals.hpp"

namespace meshctl::cmd {

void register_dev(CLI::App& cli, App& app) {
    auto* group = cli.add_subcommand("dev", "An embedded playground broker seeded with the demo data products");
    require_command(group);
    group->footer("The playground keeps everything in memory (about 5 MiB per partition) and forgets it on exit.");

    struct UpArgs {
        bool detach = false;
        bool no_seed = false;
        int port = 0;
    };
    static UpArgs up_args;
    auto* args = &up_args;
    auto* up = group->add_subcommand("up", "Start the playground and make the \"dev\" context current");
    up->add_flag("--detach", args->detach, "Run in the background");
    up->add_option("--port", args->port, "Also listen on this fixed port (127.0.0.1)")->check(CLI::Range(1, 65535));
    up->add_flag("--no-seed", args->no_seed, "Start empty, without the demo data");
    up->footer("Examples:\n  meshctl dev up --detach\n  meshctl dev up --port 9092");
    up->callback([&app, args] {
        dev::DevOptions opts;
        opts.port = args->port;
        opts.seed = !args->no_seed;
        auto config_path = config::resolve_config_path(app.global, app.env);
        dev::ensure_not_running();
        // The demo descriptors go to the default catalog topic: the dev context sets no other.
        dev::SeedHook seed = [](const kafka::ClientSettings& s) {
            catalog::seed_demo_catalog(s, std::string(config::default_catalog_topic));
        };
        if (args->detach) {
            app.emit(dev::start_detached(opts, config_path, seed));
            return;
        }
        dev::run_playground(opts, config_path, seed, [&app](const dev::UpResult& r) { app.emit(r); });
        Error e(ErrorKind::interrupted, "the embedded broker stopped");
        e.signal = util::interrupt_signal();
        throw e;
    });

    auto* status = group->add_subcommand("status", "Show whether the playground runs, and where");
    status->footer("Examples:\n  meshctl dev status\n  meshctl dev status -o json");
    status->callback([&app] { app.emit(dev::status()); });
    auto* down = group->add_subcommand("down", "Stop the background playground");
    down->footer("Examples:\n  meshctl dev down");
    down->callback([&app] { app.emit(dev::stop()); });
}

}  // namespace meshctl::cmd
