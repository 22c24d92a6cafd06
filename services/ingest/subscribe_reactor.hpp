#pragma once

#include <utility>

#include <grpcpp/support/byte_buffer.h>
#include <grpcpp/support/server_callback.h>

#include <atomic>
#include <boost/asio/io_context.hpp>
#include <functional>
#include <memory>
#include <mutex>
#include <vector>

#include "radarhub/hub/hub.hpp"
#include "subscribe_response.hpp"

namespace radarhub::ingest {

// One Subscribe stream (api.md): drains its hub queue into the gRPC stream. At most one write is
// in flight and the next starts from OnWriteDone, so HTTP/2 flow control is the backpressure:
// when the client reads slowly the hub queue fills and drops its oldest frames instead of
// anything growing. Whatever is queued when a write may start goes out as one SubscribeResponse
// (up to max_batch events): one event at a time while the client keeps up, batches while it lags.
//
// Threads: the hub's wakeup runs on a producer thread under a hub lock, so it only posts Pump to
// the `pump` executor; Pump and the reactions run on that executor or gRPC's threads and never
// hold mu_ while calling into gRPC (a write may complete inline). The reactor owns itself through
// self_ until OnDone, and posted work holds a reference, so late wakeups are harmless.
class SubscribeReactor final : public grpc::ServerWriteReactor<grpc::ByteBuffer>,
                               public std::enable_shared_from_this<SubscribeReactor> {
 public:
  struct Settings {
    size_t max_batch = 256;
    // Bytes of events per response (one event always fits): well under the 4 MiB gRPC clients
    // accept by default, however large the frames.
    size_t max_batch_bytes = 1 << 20;
  };
  // Subscribes to the hub and starts streaming; `done` runs once from OnDone.
  static SubscribeReactor* Start(Settings settings, grpc::CallbackServerContext& context,
                                 hub::Hub& hub, boost::asio::io_context& pump,
                                 const hub::SubscribeRequest& request,
                                 std::function<void(SubscribeReactor*)> done);

  // Shutdown: send what is queued, then end the stream with UNAVAILABLE. Thread-safe.
  void Drain();
  // Events waiting in this stream's queue. Thread-safe.
  size_t queued() const;

  void OnWriteDone(bool ok) override;
  void OnCancel() override;
  void OnDone() override;

  // Use Start; public only for std::make_shared.
  SubscribeReactor(Settings settings, grpc::CallbackServerContext& context, hub::Hub& hub,
                   boost::asio::io_context& pump, std::function<void(SubscribeReactor*)> done);

 private:
  void Schedule();
  void Pump();

  const Settings settings_;
  grpc::CallbackServerContext& context_;
  hub::Hub& hub_;
  boost::asio::io_context& pump_;
  const std::function<void(SubscribeReactor*)> done_;
  std::shared_ptr<SubscribeReactor> self_;  // released in OnDone
  std::atomic<bool> scheduled_{false};

  mutable std::mutex mu_;
  std::shared_ptr<hub::SubscriberQueue> queue_;  // guarded by mu_
  bool writing_ = false;                         // guarded by mu_: a write is in flight
  bool draining_ = false;                        // guarded by mu_
  bool broken_ = false;                          // guarded by mu_: cancelled or a write failed
  bool finished_ = false;                        // guarded by mu_: Finish was called
  bool cancelled_ = false;                       // guarded by mu_: we cancelled (overflow)
  std::vector<hub::Delivery> batch_;             // guarded by mu_
  SubscribeResponseEncoder encoder_;             // guarded by mu_
  grpc::ByteBuffer out_;  // the write in flight; touched only by whoever set writing_
};

}  // namespace radarhub::ingest
