#include "subscribe_pump.hpp"

#include <grpc/support/time.h>
#include <pthread.h>
#include <algorithm>

namespace radarhub::ingest {

// One Subscribe call. Everything but `queue` (fixed once admitted, and thread-safe itself) and
// `scheduled` belongs to the pump thread.
struct SubscribePump::Stream {
  grpc::ServerContext context;
  grpc::ByteBuffer request;
  grpc::ServerAsyncWriter<grpc::ByteBuffer> writer{&context};
  Tag accepted{Kind::kAccepted, this};
  Tag written{Kind::kWritten, this};
  Tag finished{Kind::kFinished, this};
  Tag done{Kind::kDone, this};

  std::shared_ptr<Stream> self;  // owns the stream until its call is over
  std::shared_ptr<hub::SubscriberQueue> queue;
  std::atomic<bool> scheduled{false};

  bool admitted = false;
  bool in_flight = false;  // a Write or Finish whose tag has not come back
  bool finishing = false;  // Finish was called
  bool over = false;       // the done tag came: the call is complete or cancelled
  bool broken = false;     // a write failed
  bool cancelled = false;  // we cancelled it (overflow while a write was stuck)
  std::vector<hub::Delivery> batch;
  SubscribeResponseEncoder encoder;
  grpc::ByteBuffer out;  // the write in flight
};

SubscribePump::SubscribePump(Settings settings, hub::Hub& hub, IngestMetrics& metrics, Admit admit)
    : settings_(settings), hub_(hub), metrics_(metrics), admit_(std::move(admit)) {}

SubscribePump::~SubscribePump() { Stop(); }

void SubscribePump::Start(std::unique_ptr<grpc::ServerCompletionQueue> cq, Request request) {
  cq_ = std::move(cq);
  request_ = std::move(request);
  Accept();
  thread_ = std::thread([this] {
    pthread_setname_np(pthread_self(), "subscribe-pump");
    Loop();
  });
}

// The pump thread shuts the queue down itself, so that no operation can start on it afterwards
// (gRPC aborts on that); the server has cancelled every call by now, so their tags all come back.
void SubscribePump::Stop() {
  if (!thread_.joinable()) return;
  {
    std::lock_guard lock(ready_mu_);
    stopping_ = true;
    WakeLoopLocked();
  }
  thread_.join();
}

void SubscribePump::Accept() {
  if (closed_) return;
  auto stream = std::make_shared<Stream>();
  stream->self = stream;
  // Before the call starts; its tag comes only if the call does (never for a refused request).
  stream->context.AsyncNotifyWhenDone(&stream->done);
  request_(&stream->context, &stream->request, &stream->writer, cq_.get(), &stream->accepted);
}

void SubscribePump::Loop() {
  void* raw = nullptr;
  bool ok = false;
  std::vector<std::shared_ptr<Stream>> ready;
  while (cq_->Next(&raw, &ok)) {
    const Tag& tag = *static_cast<Tag*>(raw);
    Stream* stream = tag.stream;
    switch (tag.kind) {
      case Kind::kAccepted:
        if (!ok) {  // the server is shutting down; no done tag will come
          stream->self.reset();
          break;
        }
        Accept();
        Open(stream->self);
        break;
      case Kind::kWritten:
        stream->in_flight = false;
        if (!ok) stream->broken = true;
        Pump(*stream);
        ReleaseIfOver(*stream);
        break;
      case Kind::kFinished:
        stream->in_flight = false;
        ReleaseIfOver(*stream);
        break;
      case Kind::kDone:
        stream->over = true;
        ReleaseIfOver(*stream);
        break;
      case Kind::kWake: {
        bool stopping = false;
        {
          std::lock_guard lock(ready_mu_);
          ready.swap(ready_);
          alarm_set_ = false;
          stopping = stopping_;
        }
        if (stopping && !closed_) {
          closed_ = true;
          cq_->Shutdown();
        }
        for (const auto& s : ready) {
          s->scheduled.store(false);
          Pump(*s);
        }
        ready.clear();  // a released stream goes with its last reference
        break;
      }
    }
  }
}

void SubscribePump::Open(const std::shared_ptr<Stream>& stream) {
  hub::SubscribeRequest request;
  grpc::Status status = admit_(stream->context, stream->request, request);
  if (status.ok()) {
    std::lock_guard lock(mu_);
    if (draining_.load()) {
      status = {grpc::StatusCode::UNAVAILABLE,
                "ingest API server going away (shutdown or rebuild): reconnect and resume"};
    } else if (streams_.size() >= settings_.max_subscribers) {
      status = {grpc::StatusCode::RESOURCE_EXHAUSTED,
                "too many subscribers (--max-subscribers " +
                    std::to_string(settings_.max_subscribers) + ")"};
    } else {
      std::weak_ptr<Stream> weak = stream;
      stream->queue = hub_.Subscribe(request, [this, weak] {
        if (auto s = weak.lock()) Wake(std::move(s));
      });
      stream->admitted = true;
      streams_.emplace(stream.get(), weak);
    }
  }
  stream->request.Clear();
  if (!status.ok()) {
    Finish(*stream, status);
    return;
  }
  metrics_.SubscriberOpened();
  Pump(*stream);  // the snapshot is queued already
}

void SubscribePump::Pump(Stream& s) {
  if (closed_ || s.finishing || s.over || !s.admitted) return;
  if (s.queue->overflowed()) {
    // The client stopped reading while status events kept coming: end the stream rather than
    // hold them without bound. A write stuck in flow control is only undone by cancelling.
    if (s.in_flight) {
      if (!s.cancelled) {
        s.cancelled = true;
        s.context.TryCancel();
      }
      return;
    }
    Finish(s, {grpc::StatusCode::RESOURCE_EXHAUSTED,
               "subscriber is not reading: its queue overflowed"});
    return;
  }
  if (s.in_flight) return;
  if (s.broken) {
    Finish(s, grpc::Status::CANCELLED);
    return;
  }
  // A response waiting on a reader that does not read holds its bytes too: with a byte budget,
  // no response is larger than the stream's share of it (but at least 64 KiB).
  const size_t share = hub_.subscriber_share();
  const size_t max_bytes =
      std::min(settings_.max_batch_bytes, std::max<size_t>(share, size_t{64} << 10));
  s.queue->Pop(s.batch, settings_.max_batch, max_bytes);
  if (s.batch.empty()) {
    if (draining_.load())
      Finish(s, {grpc::StatusCode::UNAVAILABLE,
                 "ingest API server going away (shutdown or rebuild): reconnect and resume"});
    return;
  }
  grpc::Slice slice = s.encoder.Encode(s.batch);
  s.batch.clear();  // drop our references to the events now
  s.out = grpc::ByteBuffer(&slice, 1);
  s.in_flight = true;
  s.writer.Write(s.out, &s.written);
}

void SubscribePump::Finish(Stream& s, const grpc::Status& status) {
  if (closed_) return;
  s.finishing = true;
  s.in_flight = true;
  s.writer.Finish(status, &s.finished);
}

// A stream is released once gRPC has said its call is over and holds none of its tags.
void SubscribePump::ReleaseIfOver(Stream& s) {
  if (!s.over || s.in_flight || !s.self) return;
  if (s.admitted) {
    {
      std::lock_guard lock(mu_);
      streams_.erase(&s);
    }
    hub_.Unsubscribe(s.queue);
    metrics_.SubscriberClosed();
  }
  s.self.reset();  // may destroy s: last
}

void SubscribePump::Wake(std::shared_ptr<Stream> stream) {
  if (stream->scheduled.exchange(true)) return;
  std::lock_guard lock(ready_mu_);
  if (stopping_) return;
  ready_.push_back(std::move(stream));
  WakeLoopLocked();
}

// One alarm in the queue at a time: the loop takes everything handed over when it fires.
void SubscribePump::WakeLoopLocked() {
  if (alarm_set_) return;
  alarm_set_ = true;
  alarm_.Set(cq_.get(), gpr_time_0(GPR_CLOCK_MONOTONIC), &wake_);
}

void SubscribePump::Drain() {
  draining_.store(true);
  std::vector<std::shared_ptr<Stream>> open;
  {
    std::lock_guard lock(mu_);
    for (const auto& [_, weak] : streams_) {
      if (auto s = weak.lock()) open.push_back(std::move(s));
    }
  }
  for (auto& s : open) Wake(std::move(s));
}

size_t SubscribePump::streams() const {
  std::lock_guard lock(mu_);
  return streams_.size();
}

uint64_t SubscribePump::queued_events() const {
  std::lock_guard lock(mu_);
  uint64_t total = 0;
  for (const auto& [stream, _] : streams_) total += stream->queue->size();
  return total;
}

}  // namespace radarhub::ingest
