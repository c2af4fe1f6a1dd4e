// meshctl's own version and those of the libraries that shape its behaviour.
#pragma once

#include "core/output/emit.hpp"

namespace meshctl {

/// The result of `meshctl version`.
struct VersionInfo : output::Result {
    std::string meshctl;
    std::string librdkafka;
    nlohmann::json to_json() const override;
    void to_text(std::ostream& out, const output::TextStyle& style) const override;
};

/// meshctl's version: the release in VERSION plus `git describe` when built from a checkout.
const char* version_string();

/// Collects the versions (no I/O).
VersionInfo version_info();

}  // namespace meshctl
