// JSON-lines sinks: a file (appended, fsync'd on flush) and stdout.
#include "core/error.hpp"
#include "core/sinks/sink.hpp"
#include "core/util/json_text.hpp"

#include <fcntl.h>
#include <unistd.h>

#include <cerrno>
#include <charconv>
#include <cstring>

namespace meshctl::sinks {

void append_default_record_id(std::string_view topic, std::int32_t partition, std::int64_t offset, std::string& out) {
    char digits[24];
    out += topic;
    out += '-';
    out.append(digits, std::to_chars(digits, digits + sizeof digits, partition).ptr);
    out += '-';
    out.append(digits, std::to_chars(digits, digits + sizeof digits, offset).ptr);
}

std::string default_record_id(std::string_view topic, std::int32_t partition, std::int64_t offset) {
    std::string id;
    append_default_record_id(topic, partition, offset, id);
    return id;
}

void append_json_line(const Record& r, std::string& out) {
    out += "{\"id\":";
    util::append_json_string(r.id, out);
    out += ",\"topic\":";
    util::append_json_string(r.topic, out);
    out += ",\"partition\":";
    out += std::to_string(r.partition);
    out += ",\"offset\":";
    out += std::to_string(r.offset);
    out += ",\"timestamp\":";
    out += std::to_string(r.timestamp_ms);
    out += ",\"key\":";
    if (r.key) util::append_json_string(*r.key, out);
    else out += "null";
    out += ",\"value\":";
    if (!r.value) out += "null";
    else if (r.value_is_json || util::is_json(*r.value)) out += *r.value;  // original bytes, no DOM round trip
    else util::append_json_string(*r.value, out);
    out += "}\n";
}

namespace {

class FileSink : public Sink {
public:
    explicit FileSink(std::string path) : path_(std::move(path)) {
        fd_ = ::open(path_.c_str(), O_WRONLY | O_CREAT | O_APPEND | O_CLOEXEC, 0644);
        if (fd_ < 0)
            throw io_error("cannot open sink file " + path_ + ": " + std::strerror(errno),
                           "check that the folder exists and is writable");
        acknowledged_size_ = ::lseek(fd_, 0, SEEK_END);
    }
    ~FileSink() override {
        if (fd_ >= 0) ::close(fd_);
    }
    std::string describe() const override { return "file:" + path_; }
    void write(const Record& r) override {
        append_json_line(r, buffer_);
        ++pending_;
        if (buffer_.size() >= (1u << 20)) drain();
    }
    FlushResult flush(std::chrono::milliseconds) override {
        drain();
        if (::fsync(fd_) != 0 && errno != EINVAL) {
            pending_ = 0;  // not acknowledged: the caller writes them again
            throw io_error("cannot sync sink file " + path_ + ": " + std::strerror(errno));
        }
        acknowledged_size_ = ::lseek(fd_, 0, SEEK_END);
        FlushResult r;
        r.written = pending_;
        pending_ = 0;
        return r;
    }

private:
    void drain() {
        std::size_t off = 0;
        while (off < buffer_.size()) {
            ssize_t n = ::write(fd_, buffer_.data() + off, buffer_.size() - off);
            if (n < 0) {
                if (errno == EINTR) continue;
                int e = errno;
                // Nothing past the last flush was acknowledged, so nothing past it was
                // committed: cut the file back there, so that no torn line is left for the
                // next run to append to (it writes those records again).
                if (acknowledged_size_ >= 0 && ::ftruncate(fd_, acknowledged_size_) != 0) {
                    // The error below already says the file is unusable; the torn tail stays.
                }
                // The records since the last flush are gone with the buffer: they are not
                // counted as written, and the caller, which committed nothing past them,
                // writes them again.
                buffer_.clear();
                pending_ = 0;
                throw io_error("cannot write sink file " + path_ + ": " + std::strerror(e),
                               e == ENOSPC ? "the disk is full; free space and run again (offsets were not committed past "
                                             "what was written)"
                                           : "");
            }
            off += static_cast<std::size_t>(n);
        }
#ifdef SYNC_FILE_RANGE_WRITE
        // Starts writing these pages to disk now, without waiting: the fsync of the next
        // flush then waits only for what is still in flight, not for every page since the
        // last one. Advice only: an error (a pipe, /dev/null) changes nothing here, and fsync
        // reports real ones.
        // (The file is opened O_APPEND: the bytes just written end at the file position.)
        if (off_t end = ::lseek(fd_, 0, SEEK_CUR); off > 0 && end >= static_cast<off_t>(off))
            (void)::sync_file_range(fd_, end - static_cast<off_t>(off), static_cast<off_t>(off), SYNC_FILE_RANGE_WRITE);
#endif
        buffer_.clear();
    }
    std::string path_;
    int fd_ = -1;
    std::string buffer_;
    std::uint64_t pending_ = 0;
    off_t acknowledged_size_ = -1;  // file size at the last flush (or at open)
};

class StreamSink : public Sink {
public:
    explicit StreamSink(std::ostream& out) : out_(out) {}
    std::string describe() const override { return "stdout"; }
    void write(const Record& r) override {
        line_.clear();
        append_json_line(r, line_);
        out_ << line_;
        ++pending_;
    }
    FlushResult flush(std::chrono::milliseconds) override {
        out_.flush();
        if (!out_) throw io_error("cannot write to stdout (closed pipe?)");
        FlushResult r;
        r.written = pending_;
        pending_ = 0;
        return r;
    }

private:
    std::ostream& out_;
    std::string line_;
    std::uint64_t pending_ = 0;
};

}  // namespace

std::unique_ptr<Sink> make_file_sink(const std::string& path) { return std::make_unique<FileSink>(path); }
std::unique_ptr<Sink> make_stream_sink(std::ostream& out) { return std::make_unique<StreamSink>(out); }

}  // namespace meshctl::sinks
