// Cooperative interruption: the first SIGINT/SIGTERM sets a flag that loops check, so
// shutdown paths (flush, commit, close) run; a second one forces the exit at once.
#pragma once

namespace meshctl::util {

/// Installs the handlers (idempotent).
void install_signal_handlers();
/// True once SIGINT or SIGTERM arrived.
bool interrupted();
/// The signal that arrived first (SIGINT or SIGTERM), or 0.
int interrupt_signal();
/// Pretends a signal arrived (tests, and internal stop requests).
void request_interrupt(int signal);
/// Clears the flag (tests).
void reset_interrupt();

}  // namespace meshctl::util
