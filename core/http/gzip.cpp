// gzip for request bodies. zlib is loaded at run time (libz.so.1 is always present: libcurl
// itself depends on it) because the build links only the libraries the top-level CMake file
// names, and a run-time load keeps gzip optional: without zlib only `gzip: true` fails.
#include "core/http/client.hpp"

#include <zlib.h>

#include <dlfcn.h>

#include <mutex>

namespace meshctl::http {

namespace {

struct Zlib {
    decltype(&deflateInit2_) init = nullptr;
    decltype(&deflate) run = nullptr;
    decltype(&deflateEnd) end = nullptr;
    decltype(&deflateBound) bound = nullptr;
};

const Zlib* zlib() {
    static Zlib z;
    static bool ok = false;
    static std::once_flag once;
    std::call_once(once, [] {
        void* lib = dlopen("libz.so.1", RTLD_NOW | RTLD_LOCAL);
        if (!lib) return;
        z.init = reinterpret_cast<decltype(z.init)>(dlsym(lib, "deflateInit2_"));
        z.run = reinterpret_cast<decltype(z.run)>(dlsym(lib, "deflate"));
        z.end = reinterpret_cast<decltype(z.end)>(dlsym(lib, "deflateEnd"));
        z.bound = reinterpret_cast<decltype(z.bound)>(dlsym(lib, "deflateBound"));
        ok = z.init && z.run && z.end && z.bound;
    });
    return ok ? &z : nullptr;
}

}  // namespace

std::string gzip(std::string_view data) {
    const Zlib* z = zlib();
    if (!z) throw io_error("gzip compression needs zlib (libz.so.1), which could not be loaded", "turn gzip off or install zlib");
    z_stream s{};
    // Level 1: bulk bodies are repetitive, and the fastest level already shrinks them ~5x.
    if (z->init(&s, 1, Z_DEFLATED, 15 + 16, 8, Z_DEFAULT_STRATEGY, ZLIB_VERSION, static_cast<int>(sizeof(z_stream))) != Z_OK)
        throw io_error("gzip compression could not start (zlib)");
    std::string out;
    out.resize(z->bound(&s, static_cast<uLong>(data.size())) + 32);
    s.next_in = reinterpret_cast<Bytef*>(const_cast<char*>(data.data()));
    s.avail_in = static_cast<uInt>(data.size());
    s.next_out = reinterpret_cast<Bytef*>(out.data());
    s.avail_out = static_cast<uInt>(out.size());
    int rc = z->run(&s, Z_FINISH);
    z->end(&s);
    if (rc != Z_STREAM_END) throw io_error("gzip compression failed (zlib error " + std::to_string(rc) + ")");
    out.resize(s.total_out);
    return out;
}

}  // namespace meshctl::http
