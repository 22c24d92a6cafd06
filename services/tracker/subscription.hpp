#pragma once

#include <utility>

#include <atomic>
#include <boost/asio/any_io_executor.hpp>
#include <boost/asio/steady_timer.hpp>
#include <condition_variable>
#include <memory>
#include <mutex>
#include <string>

#include "radarhub/common/backoff.hpp"
#include "radarhub/common/log.hpp"
#include "radarhub/rpc/api_token.hpp"
#include "radarhub/v1/radarhub.grpc.pb.h"

namespace radarhub::tracker {

// What one Subscribe stream asks for and where its events go. Called on gRPC's callback threads,
// never concurrently for one subscription.
class SubscriptionHandler {
 public:
  virtual ~SubscriptionHandler() = default;
  // The request of the next attempt; resume positions are read at that moment.
  virtual v1::SubscribeRequest NextRequest() = 0;
  // Events in stream order; the handler may move frames out.
  virtual void OnResponse(v1::SubscribeResponse& response) = 0;
  // live: the stream delivered its first response. Not live: an attempt ended (or failed).
  virtual void OnLive(bool live) = 0;
};

// Counts streams in flight so shutdown can wait for the last OnDone. Thread-safe.
class CallCounter {
 public:
  void Add();
  // Touches nothing after a waiter may see the count reach zero.
  void Done();
  // True when none are left before the deadline.
  bool WaitIdle(std::chrono::steady_clock::time_point deadline);
  // Cancelled calls end promptly (gRPC guarantees OnDone), so shutdown may wait for all of them.
  void WaitIdle();

 private:
  std::mutex mu_;
  int64_t in_flight_ = 0;  // guarded by mu_
  std::condition_variable idle_;
};

struct SubscriptionContext {
  std::shared_ptr<v1::Ingest::Stub> stub;
  boost::asio::any_io_executor timers;  // one thread: retry timers are only touched there
  std::string endpoint;                 // for logs
  const rpc::BearerToken* authorization = nullptr;  // null or empty: none; read per attempt
  CallCounter* calls = nullptr;
  common::RateLimiter* log_limiter = nullptr;  // one "stream ended" line per endpoint per period
  std::atomic<uint64_t>* reconnects = nullptr;
  // Attempts after the first wait for the channel to connect instead of failing while it cannot
  // (gRPC wait_for_ready): the discovery stream starts the moment an ingest answers again.
  bool wait_for_ready = false;
};

// One Subscribe stream kept open against one ingest endpoint: whenever it ends it is opened again
// after 1, 2, 4, 8, 16, then 30 s with jitter (the schedule restarts once a stream was live).
// Each stream is its own HTTP/2 stream on the endpoint's channel with its own flow-control
// window, so one node's burst or stall never holds up another's. Thread-safe.
class Subscription final : public std::enable_shared_from_this<Subscription> {
 public:
  Subscription(SubscriptionContext context, std::shared_ptr<SubscriptionHandler> handler);
  ~Subscription();

  void Start();
  // Cancels the stream and any pending retry; the handler hears OnLive(false) once it ends.
  void Stop();
  // The endpoint answers again (another stream on its channel went live): a stream waiting out
  // its backoff tries at once, with the schedule restarted. No effect on a stream in flight.
  void RetryNow();

 private:
  class Call;
  void Attempt();
  // The call in flight is ending: forget it, so Stop() no longer reaches it.
  void Detach();
  void Delivered(v1::SubscribeResponse& response, bool& first);
  void Ended(const grpc::Status& status, bool was_live);
  void ScheduleRetry();

  const SubscriptionContext context_;
  const std::shared_ptr<SubscriptionHandler> handler_;
  std::mutex mu_;
  Call* call_ = nullptr;                   // guarded by mu_: the attempt in flight, if any
  bool stopped_ = false;                   // guarded by mu_
  bool attempted_ = false;                 // guarded by mu_
  common::Backoff backoff_;                // guarded by mu_
  boost::asio::steady_timer retry_timer_;  // only on context_.timers
};

}  // namespace radarhub::tracker
