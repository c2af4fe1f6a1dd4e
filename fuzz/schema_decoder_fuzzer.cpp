// libFuzzer entry for the schema_decoder target; the work is in fuzz/targets.hpp, shared with the
// regression test.
#include "fuzz/targets.hpp"

#include <cstddef>
#include <cstdint>

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
    meshctl::fuzz::run_schema_decoder({reinterpret_cast<const char*>(data), size});
    return 0;
}
