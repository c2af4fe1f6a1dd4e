#include "core/version.hpp"

#include "core/kafka/client.hpp"

namespace meshctl {

nlohmann::json VersionInfo::to_json() const { return {{"meshctl", meshctl}, {"librdkafka", librdkafka}}; }

void VersionInfo::to_text(std::ostream& out, const output::TextStyle&) const {
    out << "meshctl " << meshctl << "\nlibrdkafka " << librdkafka << "\n";
}

const char* version_string() { return MESHCTL_VERSION; }

VersionInfo version_info() {
    VersionInfo v;
    v.meshctl = version_string();
    v.librdkafka = kafka::librdkafka_version();
    return v;
}

}  // namespace meshctl
