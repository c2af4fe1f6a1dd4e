// Every secret meshctl resolves is registered here, and every line of diagnostics passes
// through redact() before it reaches a terminal or a log, so a secret cannot leak even
// through a library's error text that happens to echo it.
#pragma once

#include <string>
#include <string_view>

namespace meshctl::util {

/// The text shown in place of a secret.
inline constexpr std::string_view redacted = "***";

/// Remembers a resolved secret value so redact() masks it (values under 3 bytes are
/// not masked: too short to recognise without mangling ordinary text).
void register_secret(std::string_view value);

/// Returns `text` with every registered secret replaced by `***`.
std::string redact(std::string_view text);

/// True when a property or field name denotes a secret (password, secret, token, key
/// material, API key), e.g. `sasl.password`, `ssl.key.pem`, `api_key`.
bool is_secret_name(std::string_view name);

}  // namespace meshctl::util
