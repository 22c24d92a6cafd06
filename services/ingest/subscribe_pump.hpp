#pragma once

#include <utility>

#include <grpcpp/alarm.h>
#include <grpcpp/server_context.h>
#include <grpcpp/support/async_stream.h>
#include <grpcpp/support/byte_buffer.h>

#include <atomic>
#include <functional>
#include <memory>
#include <mutex>
#include <thread>
#include <unordered_map>
#include <vector>

#include "ingest_metrics.hpp"
#include "radarhub/hub/hub.hpp"
#include "subscribe_response.hpp"

namespace radarhub::ingest {

// Every Subscribe stream (api.md), on gRPC's async API and one thread: that thread owns the
// completion queue, so it starts each write and sees it complete without a thread hop, which the
// callback API costs per frame (bench/grpc_floor.sh: 14 against 22-25 µs of CPU and 0.35 against
// 1.5-3.7 context switches per frame at 1,000 streams x 10 Hz). Producers hand a stream over
// through one grpc::Alarm per batch, not per frame.
//
// Per stream, at most one write is in flight and the next starts when it completes, so HTTP/2
// flow control is the backpressure: a slow reader's hub queue fills and drops its oldest frames
// instead of anything growing. Whatever is queued when a write may start goes out as one
// SubscribeResponse (up to max_batch events, max_batch_bytes): one event at a time while the
// client keeps up, batches while it lags.
class SubscribePump final {
 public:
  struct Settings {
    size_t max_batch = 256;
    // Bytes of events per response (one event always fits): well under the 4 MiB gRPC clients
    // accept by default, however large the frames.
    size_t max_batch_bytes = 1 << 20;
    size_t max_subscribers = 1000;
  };
  // Checks a new stream's credentials and request; OK fills `request`. Runs on the pump thread.
  using Admit = std::function<grpc::Status(const grpc::ServerContext&, const grpc::ByteBuffer&,
                                           hub::SubscribeRequest&)>;
  // Asks gRPC for the next Subscribe call (the generated RequestSubscribe of the raw async
  // method), its tag to come out of `cq`.
  using Request = std::function<void(grpc::ServerContext*, grpc::ByteBuffer*,
                                     grpc::ServerAsyncWriter<grpc::ByteBuffer>*,
                                     grpc::ServerCompletionQueue*, void* tag)>;

  SubscribePump(Settings settings, hub::Hub& hub, IngestMetrics& metrics, Admit admit);
  ~SubscribePump();
  SubscribePump(const SubscribePump&) = delete;
  SubscribePump& operator=(const SubscribePump&) = delete;

  // Starts the thread serving calls from `cq` (the server's, from ServerBuilder).
  void Start(std::unique_ptr<grpc::ServerCompletionQueue> cq, Request request);
  // Refuse new streams with UNAVAILABLE; open ones send what they hold, then end with
  // UNAVAILABLE. Thread-safe.
  void Drain();
  // After grpc::Server::Shutdown (which ends every call): shuts the queue down, drains it, joins
  // the thread. Idempotent.
  void Stop();

  // Admitted streams still open. Thread-safe.
  size_t streams() const;
  // Events waiting in all streams' queues. Thread-safe.
  uint64_t queued_events() const;

 private:
  struct Stream;
  enum class Kind { kAccepted, kWritten, kFinished, kDone, kWake };
  struct Tag {
    Kind kind;
    Stream* stream;
  };

  void Loop();
  void Accept();
  void Open(const std::shared_ptr<Stream>& stream);
  void Pump(Stream& stream);
  void Finish(Stream& stream, const grpc::Status& status);
  void ReleaseIfOver(Stream& stream);
  // Any thread: queue `stream` for a Pump on the pump thread.
  void Wake(std::shared_ptr<Stream> stream);
  // Under ready_mu_: makes the loop take the kWake tag soon.
  void WakeLoopLocked();

  const Settings settings_;
  hub::Hub& hub_;
  IngestMetrics& metrics_;
  const Admit admit_;
  Request request_;
  std::unique_ptr<grpc::ServerCompletionQueue> cq_;
  std::thread thread_;
  std::atomic<bool> draining_{false};
  bool closed_ = false;  // pump thread: the queue is shut down, no operation may start

  mutable std::mutex mu_;
  // Admitted streams, for Drain and the gauges; each is owned by its own `self` until its call
  // is over.
  std::unordered_map<Stream*, std::weak_ptr<Stream>> streams_;  // guarded by mu_

  std::mutex ready_mu_;  // taken under the hub's lock (Wake): nothing else is taken under it
  std::vector<std::shared_ptr<Stream>> ready_;  // guarded by ready_mu_
  bool alarm_set_ = false;                      // guarded by ready_mu_
  bool stopping_ = false;                       // guarded by ready_mu_: Stop was called
  grpc::Alarm alarm_;                           // Set under ready_mu_
  Tag wake_{Kind::kWake, nullptr};
};

}  // namespace radarhub::ingest
