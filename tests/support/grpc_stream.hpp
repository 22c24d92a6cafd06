#pragma once

#include <grpcpp/client_context.h>
#include <grpcpp/support/sync_stream.h>

#include <chrono>
#include <condition_variable>
#include <deque>
#include <functional>
#include <memory>
#include <mutex>
#include <optional>
#include <thread>

namespace radarhub::testing {

// Reads a server-streaming call on its own thread, so a test can wait for the next message with
// a timeout and see how the stream ended. The destructor cancels the call and joins.
template <typename Response>
class StreamReader final {
 public:
  using Start = std::function<std::unique_ptr<grpc::ClientReader<Response>>(grpc::ClientContext&)>;

  // `setup` may add metadata or a deadline before `start` opens the call.
  explicit StreamReader(Start start, const std::function<void(grpc::ClientContext&)>& setup = {}) {
    if (setup) setup(context_);
    reader_ = start(context_);
    thread_ = std::thread([this] {
      Response r;
      while (reader_->Read(&r)) {
        std::lock_guard lock(mu_);
        messages_.push_back(std::move(r));
        changed_.notify_all();
      }
      grpc::Status status = reader_->Finish();
      std::lock_guard lock(mu_);
      status_ = std::move(status);
      changed_.notify_all();
    });
  }
  ~StreamReader() {
    Cancel();
    thread_.join();
  }
  StreamReader(const StreamReader&) = delete;
  StreamReader& operator=(const StreamReader&) = delete;

  std::optional<Response> Next(std::chrono::milliseconds timeout = std::chrono::seconds(5)) {
    std::unique_lock lock(mu_);
    changed_.wait_for(lock, timeout, [this] { return !messages_.empty() || status_; });
    if (messages_.empty()) return std::nullopt;
    Response r = std::move(messages_.front());
    messages_.pop_front();
    return r;
  }
  // How the call ended, once it has (waiting up to `timeout`).
  std::optional<grpc::Status> Ended(std::chrono::milliseconds timeout = std::chrono::seconds(5)) {
    std::unique_lock lock(mu_);
    changed_.wait_for(lock, timeout, [this] { return status_.has_value(); });
    return status_;
  }
  void Cancel() { context_.TryCancel(); }

 private:
  grpc::ClientContext context_;
  std::unique_ptr<grpc::ClientReader<Response>> reader_;
  std::mutex mu_;
  std::condition_variable changed_;
  std::deque<Response> messages_;       // guarded by mu_
  std::optional<grpc::Status> status_;  // guarded by mu_
  std::thread thread_;
};

}  // namespace radarhub::testing
