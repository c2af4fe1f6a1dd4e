// libFuzzer entry for the json_scan target; the work is in fuzz/targets.hpp, shared with the
// regression test.
#include "fuzz/targets.hpp"

#include <cstddef>
#include <cstdint>

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
    meshctl::fuzz::run_json_scan({reinterpret_cast<const char*>(data), size});
    return 0;
}
