#include "core/util/redact.hpp"

#include "core/util/text.hpp"

#include <algorithm>
#include <mutex>
#include <vector>

namespace meshctl::util {

namespace {
std::mutex& secrets_mutex() {
    static std::mutex m;
    return m;
}
std::vector<std::string>& secrets() {
    static std::vector<std::string> s;
    return s;
}
}  // namespace

void register_secret(std::string_view value) {
    if (value.size() < 3) return;
    std::lock_guard lock(secrets_mutex());
    auto& s = secrets();
    if (std::find(s.begin(), s.end(), value) == s.end()) {
        s.emplace_back(value);
        // Longest first, so a secret that contains another is masked whole.
        std::sort(s.begin(), s.end(), [](const auto& a, const auto& b) { return a.size() > b.size(); });
    }
}

std::string redact(std::string_view text) {
    std::string out(text);
    std::lock_guard lock(secrets_mutex());
    for (const auto& secret : secrets()) {
        std::size_t pos = 0;
        while ((pos = out.find(secret, pos)) != std::string::npos) {
            out.replace(pos, secret.size(), redacted);
            pos += redacted.size();
        }
    }
    return out;
}

bool is_secret_name(std::string_view name) {
    std::string n = lower(name);
    static const char* const markers[] = {"password", "secret", "token", "api_key", "apikey", "api-key",
                                          "ssl.key.pem", "private", "credential", "sasl.jaas"};
    for (const char* m : markers)
        if (n.find(m) != std::string::npos) return true;
    return false;
}

}  // namespace meshctl::util
