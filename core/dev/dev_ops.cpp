#include "core/dev/dev_ops.hpp"

#include "core/error.hpp"
#include "core/kafka/admin.hpp"
#include "core/util/log.hpp"
#include "core/util/signals.hpp"
#include "core/util/time.hpp"

#include <fcntl.h>
#include <signal.h>
#include <sys/wait.h>
#include <unistd.h>

#include <chrono>
#include <cstring>
#include <thread>

namespace meshctl::dev {

nlohmann::json UpResult::to_json() const {
    return {{"bootstrap", bootstrap}, {"pid", pid},       {"detached", detached},
            {"context", context},     {"log", log_path},  {"seeded", {{"customers", seeded.customers}, {"orders", seeded.orders}}}};
}

void UpResult::to_text(std::ostream& out, const output::TextStyle& style) const {
    out << output::bold("embedded broker running at " + bootstrap, style) << "\n";
    out << "context \"" << context << "\" is now current; pid " << pid << (detached ? " (in the background)" : "") << "\n";
    if (seeded.orders || seeded.customers)
        out << "seeded " << seeded.customers << " customer records and " << seeded.orders
            << " orders; new orders arrive every 500 ms\n";
    if (detached) out << "stop it with: meshctl dev down\n";
    else out << "press Ctrl-C to stop\n";
}

nlohmann::json StatusResult::to_json() const {
    nlohmann::json topics_json = nlohmann::json::array();
    for (const auto& [n, p] : topics) topics_json.push_back({{"name", n}, {"partitions", p}});
    return {{"running", running},
            {"bootstrap", state.bootstrap},
            {"pid", state.pid},
            {"started_at", state.started_ms ? util::format_iso8601_ms(state.started_ms) : ""},
            {"topics", topics_json}};
}

void StatusResult::to_text(std::ostream& out, const output::TextStyle&) const {
    out << "embedded broker running at " << state.bootstrap << " (pid " << state.pid << ", up "
        << util::format_duration(std::chrono::milliseconds(util::now_ms() - state.started_ms)) << ")\n";
    for (const auto& [n, p] : topics) out << "  " << n << "  " << p << " partitions\n";
}

void ensure_not_running() {
    if (auto s = read_dev_state(); s && process_alive(s->pid))
        throw usage_error("the embedded broker already runs at " + s->bootstrap + " (pid " + std::to_string(s->pid) + ")",
                          "use it as it is, or stop it first with: meshctl dev down");
}

namespace {

void make_dev_context(const std::filesystem::path& config_path, const std::string& bootstrap) {
    config::ContextChange change;
    change.bootstrap = bootstrap;
    change.make_current = true;
    config::set_context(config_path, "dev", change);
}

}  // namespace

void run_playground(const DevOptions& options, const std::filesystem::path& config_path, const SeedHook& seed_hook,
                    const std::function<void(const UpResult&)>& on_ready) {
    EmbeddedBroker broker(options);
    UpResult r;
    r.seeded = broker.seed(util::now_ms());
    if (options.seed && seed_hook) seed_hook(broker.client_settings());
    r.bootstrap = broker.bootstrap();
    r.pid = static_cast<int>(::getpid());
    write_dev_state({r.pid, r.bootstrap, util::now_ms(), r.log_path});
    try {
        make_dev_context(config_path, r.bootstrap);
    } catch (...) {
        remove_dev_state();
        throw;
    }
    on_ready(r);
    while (!util::interrupted()) {
        std::this_thread::sleep_for(std::chrono::milliseconds(500));
        if (options.seed) broker.trickle(util::now_ms());
    }
    if (auto s = read_dev_state(); s && s->pid == r.pid) remove_dev_state();
}

UpResult start_detached(const DevOptions& options, const std::filesystem::path& config_path, const SeedHook& seed_hook) {
    auto log_path = dev_state_path().parent_path() / "dev.log";
    std::error_code ec;
    std::filesystem::create_directories(log_path.parent_path(), ec);
    int fds[2];
    if (::pipe(fds) != 0) throw io_error(std::string("cannot create a pipe: ") + std::strerror(errno));
    pid_t pid = ::fork();
    if (pid < 0) throw io_error(std::string("cannot start a background process: ") + std::strerror(errno));
    if (pid == 0) {
        ::close(fds[0]);
        ::setsid();
        int devnull = ::open("/dev/null", O_RDONLY);
        int logfd = ::open(log_path.c_str(), O_WRONLY | O_CREAT | O_TRUNC, 0600);
        ::dup2(devnull, 0);
        ::dup2(logfd, 1);
        ::dup2(logfd, 2);
        int code = 0;
        try {
            run_playground(options, config_path, seed_hook, [&](const UpResult& ready) {
                std::string line = ready.to_json().dump() + "\n";
                [[maybe_unused]] auto n = ::write(fds[1], line.data(), line.size());
                ::close(fds[1]);
            });
        } catch (const std::exception& e) {
            std::string line = std::string("ERROR ") + e.what() + "\n";
            [[maybe_unused]] auto n = ::write(fds[1], line.data(), line.size());
            code = 1;
        }
        ::_exit(code);  // the child never returns into the CLI
    }
    ::close(fds[1]);
    std::string got;
    char buf[512];
    ssize_t n;
    while ((n = ::read(fds[0], buf, sizeof buf)) > 0) {
        got.append(buf, static_cast<size_t>(n));
        if (got.find('\n') != std::string::npos) break;
    }
    ::close(fds[0]);
    while (!got.empty() && got.back() == '\n') got.pop_back();
    if (got.empty() || got.rfind("ERROR ", 0) == 0) {
        ::waitpid(pid, nullptr, WNOHANG);
        throw remote_error("the embedded broker did not start: " + (got.empty() ? std::string("no answer") : got.substr(6)),
                           "see " + log_path.string());
    }
    UpResult r;
    try {
        auto j = nlohmann::json::parse(got);
        r.bootstrap = j.at("bootstrap").get<std::string>();
        r.seeded.customers = j.at("seeded").at("customers").get<std::int64_t>();
        r.seeded.orders = j.at("seeded").at("orders").get<std::int64_t>();
    } catch (const std::exception&) {
        throw remote_error("the embedded broker answered oddly: " + got, "see " + log_path.string());
    }
    r.pid = pid;
    r.detached = true;
    r.log_path = log_path.string();
    return r;
}

StatusResult status() {
    auto s = read_dev_state();
    if (!s || !process_alive(s->pid)) {
        if (s) remove_dev_state();
        throw not_found_error("the embedded broker is not running", "start it with: meshctl dev up --detach");
    }
    StatusResult r;
    r.running = true;
    r.state = *s;
    kafka::ClientSettings cs;
    cs.bootstrap = s->bootstrap;
    cs.bootstrap_source = "the embedded broker's state file";
    cs.context_name = "dev";
    cs.timeout = std::chrono::seconds(5);
    kafka::Admin admin(cs);
    auto md = admin.metadata();
    for (const auto& t : md.topics) r.topics.emplace_back(t.name, static_cast<int>(t.partitions.size()));
    return r;
}

config::Confirmation stop() {
    auto s = read_dev_state();
    if (!s || !process_alive(s->pid)) {
        remove_dev_state();
        return config::Confirmation("the embedded broker is not running", {{"stopped", false}});
    }
    ::kill(s->pid, SIGTERM);
    for (int i = 0; i < 100 && process_alive(s->pid); ++i) {
        ::waitpid(s->pid, nullptr, WNOHANG);
        std::this_thread::sleep_for(std::chrono::milliseconds(100));
    }
    if (process_alive(s->pid)) {
        ::kill(s->pid, SIGKILL);
        log::warn("the embedded broker did not stop within 10 s and was killed");
    }
    remove_dev_state();
    return config::Confirmation("stopped the embedded broker at " + s->bootstrap, {{"stopped", true}, {"pid", s->pid}});
}

}  // namespace meshctl::dev
