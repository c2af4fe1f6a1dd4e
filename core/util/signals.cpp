#include "core/util/signals.hpp"

#include <atomic>
#include <csignal>
#include <unistd.h>

namespace meshctl::util {

namespace {
std::atomic<int> first_signal{0};

void on_signal(int sig) {
    int expected = 0;
    if (!first_signal.compare_exchange_strong(expected, sig)) _exit(128 + sig);  // second signal: force
}
}  // namespace

void install_signal_handlers() {
    struct sigaction sa {};
    sa.sa_handler = on_signal;
    sigemptyset(&sa.sa_mask);
    sigaction(SIGINT, &sa, nullptr);
    sigaction(SIGTERM, &sa, nullptr);
    std::signal(SIGPIPE, SIG_IGN);
}

bool interrupted() { return first_signal.load(std::memory_order_relaxed) != 0; }
int interrupt_signal() { return first_signal.load(); }
void request_interrupt(int signal) {
    int expected = 0;
    first_signal.compare_exchange_strong(expected, signal);
}
void reset_interrupt() { first_signal = 0; }

}  // namespace meshctl::util
