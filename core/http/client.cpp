#include "core/http/client.hpp"

#include "core/util/log.hpp"

#include <curl/curl.h>

#include <filesystem>
#include <map>
#include <mutex>

namespace meshctl::http {

namespace {

void global_init() {
    static std::once_flag once;
    std::call_once(once, [] { curl_global_init(CURL_GLOBAL_DEFAULT); });
}

std::size_t on_body(char* data, std::size_t size, std::size_t n, void* user) {
    static_cast<std::string*>(user)->append(data, size * n);
    return size * n;
}

}  // namespace

struct Client::Impl {
    struct Transfer {
        std::uint64_t ticket = 0;
        Request request;
        Response response;
        curl_slist* headers = nullptr;
        char error[CURL_ERROR_SIZE] = {};
    };

    ClientOptions options;
    std::string auth_header;
    CURLM* multi = nullptr;
    std::vector<CURL*> idle;
    std::map<CURL*, std::unique_ptr<Transfer>> active;
    std::vector<Completion> done;  // finished but not yet handed out (perform() waits for one ticket)
    std::uint64_t next_ticket = 1;

    CURL* take_handle() {
        if (!idle.empty()) {
            CURL* h = idle.back();
            idle.pop_back();
            return h;
        }
        CURL* h = curl_easy_init();
        if (!h) throw remote_error("cannot create an HTTP handle (libcurl out of memory)");
        // Options that never change between requests are set once per handle.
        curl_easy_setopt(h, CURLOPT_NOSIGNAL, 1L);
        curl_easy_setopt(h, CURLOPT_WRITEFUNCTION, on_body);
        curl_easy_setopt(h, CURLOPT_CONNECTTIMEOUT_MS, static_cast<long>(options.connect_timeout.count()));
        curl_easy_setopt(h, CURLOPT_TIMEOUT_MS, static_cast<long>(options.timeout.count()));
        curl_easy_setopt(h, CURLOPT_SSL_VERIFYPEER, options.verify ? 1L : 0L);
        curl_easy_setopt(h, CURLOPT_SSL_VERIFYHOST, options.verify ? 2L : 0L);
        if (!options.ca_file.empty()) curl_easy_setopt(h, CURLOPT_CAINFO, options.ca_file.c_str());
        curl_easy_setopt(h, CURLOPT_USERAGENT, options.user_agent.c_str());
        curl_easy_setopt(h, CURLOPT_TCP_KEEPALIVE, 1L);
        curl_easy_setopt(h, CURLOPT_TCP_NODELAY, 1L);
        curl_easy_setopt(h, CURLOPT_PROTOCOLS_STR, "http,https");
        curl_easy_setopt(h, CURLOPT_FOLLOWLOCATION, 0L);
        return h;
    }

    void start(CURL* h, Transfer& t) {
        Request& r = t.request;
        if (r.gzip && (r.shared_body || !r.body.empty())) {
            r.body = gzip(r.shared_body ? *r.shared_body : r.body);
            r.shared_body.reset();
            t.headers = curl_slist_append(t.headers, "Content-Encoding: gzip");
        }
        if (!r.content_type.empty()) t.headers = curl_slist_append(t.headers, ("Content-Type: " + r.content_type).c_str());
        if (!auth_header.empty()) t.headers = curl_slist_append(t.headers, ("Authorization: " + auth_header).c_str());
        // A 100-continue round trip per bulk request costs more than it saves on a LAN.
        t.headers = curl_slist_append(t.headers, "Expect:");
        curl_easy_setopt(h, CURLOPT_URL, r.url.c_str());
        curl_easy_setopt(h, CURLOPT_HTTPHEADER, t.headers);
        curl_easy_setopt(h, CURLOPT_WRITEDATA, &t.response.body);
        curl_easy_setopt(h, CURLOPT_ERRORBUFFER, t.error);
        curl_easy_setopt(h, CURLOPT_PRIVATE, &t);
        curl_easy_setopt(h, CURLOPT_NOBODY, r.method == "HEAD" ? 1L : 0L);
        if (r.method == "GET" || r.method == "HEAD") {
            curl_easy_setopt(h, CURLOPT_HTTPGET, 1L);
            curl_easy_setopt(h, CURLOPT_CUSTOMREQUEST, nullptr);
            if (r.method == "HEAD") curl_easy_setopt(h, CURLOPT_NOBODY, 1L);
        } else {
            const std::string& payload = r.shared_body ? *r.shared_body : r.body;
            curl_easy_setopt(h, CURLOPT_POSTFIELDS, payload.data());
            curl_easy_setopt(h, CURLOPT_POSTFIELDSIZE_LARGE, static_cast<curl_off_t>(payload.size()));
            curl_easy_setopt(h, CURLOPT_CUSTOMREQUEST, r.method == "POST" ? nullptr : r.method.c_str());
        }
        CURLMcode mc = curl_multi_add_handle(multi, h);
        if (mc != CURLM_OK)
            throw remote_error("cannot start HTTP request to " + safe_url(r.url) + ": " + curl_multi_strerror(mc));
    }

    void finish(CURL* h, CURLcode code) {
        auto it = active.find(h);
        if (it == active.end()) return;
        Transfer& t = *it->second;
        if (code == CURLE_OK) {
            curl_easy_getinfo(h, CURLINFO_RESPONSE_CODE, &t.response.status);
        } else {
            t.response.status = 0;
            t.response.error = t.error[0] ? std::string(t.error) : std::string(curl_easy_strerror(code));
        }
        curl_multi_remove_handle(multi, h);
        curl_slist_free_all(t.headers);
        t.headers = nullptr;
        curl_easy_setopt(h, CURLOPT_ERRORBUFFER, nullptr);
        done.push_back({t.ticket, std::move(t.response)});
        active.erase(it);
        idle.push_back(h);
    }

    void drive() {
        int running = 0;
        curl_multi_perform(multi, &running);
        int left = 0;
        while (CURLMsg* m = curl_multi_info_read(multi, &left))
            if (m->msg == CURLMSG_DONE) finish(m->easy_handle, m->data.result);
    }
};

Client::Client(ClientOptions options) : impl_(std::make_unique<Impl>()) {
    global_init();
    if (!options.ca_file.empty() && !std::filesystem::exists(options.ca_file))
        throw usage_error("CA file " + options.ca_file + " does not exist", "give the path of a PEM bundle");
    impl_->options = std::move(options);
    impl_->auth_header = authorization_header(impl_->options.auth);
    impl_->multi = curl_multi_init();
    if (!impl_->multi) throw remote_error("cannot create an HTTP client (libcurl out of memory)");
    curl_multi_setopt(impl_->multi, CURLMOPT_MAX_HOST_CONNECTIONS, impl_->options.max_connections_per_host);
}

Client::~Client() {
    for (auto& [h, t] : impl_->active) {
        curl_multi_remove_handle(impl_->multi, h);
        curl_slist_free_all(t->headers);
        curl_easy_cleanup(h);
    }
    for (CURL* h : impl_->idle) curl_easy_cleanup(h);
    curl_multi_cleanup(impl_->multi);
}

std::uint64_t Client::submit(Request request) {
    CURL* h = impl_->take_handle();
    auto t = std::make_unique<Impl::Transfer>();
    t->ticket = impl_->next_ticket++;
    t->request = std::move(request);
    auto ticket = t->ticket;
    auto& ref = *t;
    impl_->active.emplace(h, std::move(t));
    try {
        impl_->start(h, ref);
    } catch (...) {
        curl_slist_free_all(ref.headers);
        impl_->active.erase(h);
        impl_->idle.push_back(h);
        throw;
    }
    impl_->drive();  // get the connection going now, not at the next poll
    return ticket;
}

std::vector<Completion> Client::poll(std::chrono::milliseconds wait) {
    auto until = std::chrono::steady_clock::now() + wait;
    impl_->drive();
    while (impl_->done.empty() && !impl_->active.empty()) {
        auto left = std::chrono::duration_cast<std::chrono::milliseconds>(until - std::chrono::steady_clock::now());
        if (left.count() <= 0) break;
        int fds = 0;
        curl_multi_poll(impl_->multi, nullptr, 0, static_cast<int>(std::min<long long>(left.count(), 1000)), &fds);
        impl_->drive();
    }
    std::vector<Completion> out;
    out.swap(impl_->done);
    return out;
}

std::size_t Client::in_flight() const { return impl_->active.size() + impl_->done.size(); }

Response Client::perform(Request request) {
    auto ticket = submit(std::move(request));
    for (;;) {
        for (auto it = impl_->done.begin(); it != impl_->done.end(); ++it) {
            if (it->ticket == ticket) {
                Response r = std::move(it->response);
                impl_->done.erase(it);
                return r;
            }
        }
        int fds = 0;
        curl_multi_poll(impl_->multi, nullptr, 0, 1000, &fds);
        impl_->drive();
    }
}

std::string safe_url(std::string_view url) {
    std::string u(url.substr(0, url.find_first_of("?#")));
    auto scheme = u.find("://");
    std::size_t host = scheme == std::string::npos ? 0 : scheme + 3;
    auto slash = u.find('/', host);
    auto at = u.rfind('@', slash == std::string::npos ? u.size() : slash);
    if (at != std::string::npos && at >= host) u.erase(host, at + 1 - host);
    return u;
}

std::string base64(std::string_view in) {
    static constexpr char table[] = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";
    std::string out;
    out.reserve((in.size() + 2) / 3 * 4);
    std::size_t i = 0;
    for (; i + 2 < in.size(); i += 3) {
        unsigned v = (static_cast<unsigned char>(in[i]) << 16) | (static_cast<unsigned char>(in[i + 1]) << 8) |
                     static_cast<unsigned char>(in[i + 2]);
        out += table[v >> 18];
        out += table[(v >> 12) & 63];
        out += table[(v >> 6) & 63];
        out += table[v & 63];
    }
    if (i < in.size()) {
        unsigned v = static_cast<unsigned char>(in[i]) << 16;
        if (i + 1 < in.size()) v |= static_cast<unsigned char>(in[i + 1]) << 8;
        out += table[v >> 18];
        out += table[(v >> 12) & 63];
        out += i + 1 < in.size() ? table[(v >> 6) & 63] : '=';
        out += '=';
    }
    return out;
}

std::string authorization_header(const Auth& auth) {
    switch (auth.kind) {
        case Auth::Kind::none: return {};
        case Auth::Kind::basic: return "Basic " + base64(auth.username + ":" + auth.password);
        case Auth::Kind::bearer: return "Bearer " + auth.token;
        case Auth::Kind::api_key:
            // Elasticsearch prints keys as id and secret; the header wants base64(id:secret).
            return "ApiKey " + (auth.token.find(':') != std::string::npos ? base64(auth.token) : auth.token);
    }
    return {};
}

Error request_error(std::string_view what, const Request& request, const Response& response) {
    std::string msg = std::string(what) + " failed on " + request.method + " " + safe_url(request.url) + ": ";
    if (!response.error.empty()) {
        msg += response.error;
        return remote_error(msg, "check that the server is running and reachable from here");
    }
    msg += "HTTP " + std::to_string(response.status);
    std::string hint;
    if (response.status == 401 || response.status == 403) {
        msg += response.status == 401 ? ": the credentials were rejected" : ": the credentials are not allowed to do this";
        hint = "check the credentials (auth, username/password, api_key or bearer token)";
    }
    if (!response.body.empty()) msg += ": " + response.body.substr(0, 300);
    return remote_error(msg, hint);
}

}  // namespace meshctl::http
