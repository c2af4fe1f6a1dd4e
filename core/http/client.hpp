// One HTTP client for every meshctl component that talks HTTP (Elasticsearch/OpenSearch sinks,
// the schema registry). A thin layer over libcurl:
//
// - Requests go through a Transport interface (submit / poll), so callers can keep several
//   requests in flight and unit tests can replace the network with a fake.
// - Client, the libcurl Transport, drives a curl multi handle from the caller's thread: no
//   background thread, no locks. Work progresses only inside submit()/poll()/perform(),
//   which is what a sink that is called from one consumer loop wants (see
//   core/sinks/elasticsearch_sink.cpp). Easy handles are pooled and reused, and the multi
//   handle's connection cache keeps connections alive between requests.
// - TLS verification is on unless ClientOptions::verify is false (the caller warns).
// - Failures are meshctl::Error (remote_error) naming the URL without userinfo or query
//   and the cause; credentials never appear in URLs, they go in headers built here.
#pragma once

#include "core/error.hpp"

#include <chrono>
#include <cstdint>
#include <memory>
#include <string>
#include <string_view>
#include <vector>

namespace meshctl::http {

/// How requests authenticate.
struct Auth {
    enum class Kind { none, basic, bearer, api_key };
    Kind kind = Kind::none;
    std::string username, password;  // basic
    std::string token;               // bearer token, or an API key (`id:key` or its base64 form)
};

/// Settings shared by every request of a client.
struct ClientOptions {
    std::string ca_file;                           // PEM bundle; empty = the system's
    bool verify = true;                            // TLS peer and host verification
    Auth auth;
    std::chrono::milliseconds connect_timeout{10'000};
    std::chrono::milliseconds timeout{60'000};     // whole request, including the response body
    long max_connections_per_host = 8;
    std::string user_agent = "meshctl";
};

/// One request. The body is sent as it is, or gzip-compressed when `gzip` is set.
struct Request {
    std::string method = "GET";  // GET, HEAD, PUT, POST, DELETE
    std::string url;
    std::string content_type;    // e.g. application/x-ndjson; empty = none
    std::string body;
    /// When set, sent instead of `body`: a caller that may resend the same bytes (retries)
    /// shares them instead of copying them into every attempt.
    std::shared_ptr<const std::string> shared_body;
    bool gzip = false;           // compress the body (Content-Encoding: gzip)
};

/// What came back: an HTTP status and body, or a transport failure (status 0, error set).
struct Response {
    long status = 0;
    std::string body;
    std::string error;  // connection refused, timeout, TLS failure...; empty when a response arrived
    /// True for 2xx.
    bool ok() const { return error.empty() && status >= 200 && status < 300; }
};

/// A finished request, identified by the ticket submit() returned.
struct Completion {
    std::uint64_t ticket = 0;
    Response response;
};

/// Where requests go: the network (Client) or a fake in tests.
class Transport {
public:
    virtual ~Transport() = default;
    /// Starts a request and returns its ticket; never blocks on the network.
    virtual std::uint64_t submit(Request request) = 0;
    /// Progresses transfers, waiting at most `wait` for one to finish; returns the finished ones.
    virtual std::vector<Completion> poll(std::chrono::milliseconds wait) = 0;
    /// Requests submitted and not yet returned by poll().
    virtual std::size_t in_flight() const = 0;
};

/// The libcurl transport (multi interface, pooled easy handles).
class Client : public Transport {
public:
    /// Creates a client; throws usage_error when the CA file does not exist.
    explicit Client(ClientOptions options);
    ~Client() override;
    Client(const Client&) = delete;
    Client& operator=(const Client&) = delete;

    std::uint64_t submit(Request request) override;
    std::vector<Completion> poll(std::chrono::milliseconds wait) override;
    std::size_t in_flight() const override;

    /// Runs one request to completion (other requests keep progressing; their completions
    /// are kept for the next poll()).
    Response perform(Request request);

private:
    struct Impl;
    std::unique_ptr<Impl> impl_;
};

/// The URL without userinfo and query, for messages (`http://host:9200/_bulk`).
std::string safe_url(std::string_view url);

/// The Authorization header value for `auth` (`Basic ...`, `Bearer ...`, `ApiKey ...`);
/// empty for Kind::none. API keys given as `id:key` are base64-encoded.
std::string authorization_header(const Auth& auth);

/// Standard base64 of `bytes`.
std::string base64(std::string_view bytes);

/// gzip (RFC 1952) of `data`; throws io_error when zlib is unavailable.
std::string gzip(std::string_view data);

/// A remote_error saying that `what` failed on the request's URL, with the status or the
/// transport cause and the start of the response body.
Error request_error(std::string_view what, const Request& request, const Response& response);

}  // namespace meshctl::http
