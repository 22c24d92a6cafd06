#include "subscribe_reactor.hpp"

#include <grpcpp/server_context.h>

#include <boost/asio/post.hpp>

namespace radarhub::ingest {

SubscribeReactor::SubscribeReactor(Settings settings, grpc::CallbackServerContext& context,
                                   hub::Hub& hub, boost::asio::io_context& pump,
                                   std::function<void(SubscribeReactor*)> done)
    : settings_(settings), context_(context), hub_(hub), pump_(pump), done_(std::move(done)) {}

SubscribeReactor* SubscribeReactor::Start(Settings settings, grpc::CallbackServerContext& context,
                                          hub::Hub& hub, boost::asio::io_context& pump,
                                          const hub::SubscribeRequest& request,
                                          std::function<void(SubscribeReactor*)> done) {
  auto reactor = std::make_shared<SubscribeReactor>(settings, context, hub, pump, std::move(done));
  reactor->self_ = reactor;
  std::weak_ptr<SubscribeReactor> weak = reactor;
  auto queue = hub.Subscribe(request, [weak] {
    if (auto r = weak.lock()) r->Schedule();
  });
  {
    std::lock_guard lock(reactor->mu_);
    reactor->queue_ = std::move(queue);
  }
  reactor->Schedule();  // the snapshot is queued already; writes before binding are backlogged
  return reactor.get();
}

void SubscribeReactor::Schedule() {
  if (scheduled_.exchange(true)) return;
  boost::asio::post(pump_, [self = shared_from_this()] { self->Pump(); });
}

void SubscribeReactor::Pump() {
  scheduled_.store(false);
  std::unique_lock lock(mu_);
  if (finished_ || !queue_) return;
  if (queue_->overflowed()) {
    // The client stopped reading while status events kept coming: end the stream rather than
    // hold them without bound. A write stuck in flow control is only undone by cancelling.
    if (writing_) {
      if (cancelled_) return;
      cancelled_ = true;
      lock.unlock();
      context_.TryCancel();
      return;
    }
    finished_ = true;
    lock.unlock();
    Finish(grpc::Status(grpc::StatusCode::RESOURCE_EXHAUSTED,
                        "subscriber is not reading: its queue overflowed"));
    return;
  }
  if (writing_) return;
  if (broken_) {
    finished_ = true;
    lock.unlock();
    Finish(grpc::Status::CANCELLED);
    return;
  }
  queue_->Pop(batch_, settings_.max_batch, settings_.max_batch_bytes);
  if (batch_.empty()) {
    if (!draining_) return;
    finished_ = true;
    lock.unlock();
    Finish(grpc::Status(grpc::StatusCode::UNAVAILABLE, "ingest is shutting down"));
    return;
  }
  grpc::Slice slice = encoder_.Encode(batch_);
  batch_.clear();  // drop our references to the events now
  out_ = grpc::ByteBuffer(&slice, 1);
  writing_ = true;
  lock.unlock();
  StartWrite(&out_);
}

void SubscribeReactor::OnWriteDone(bool ok) {
  {
    std::lock_guard lock(mu_);
    writing_ = false;
    if (!ok) broken_ = true;
  }
  Pump();
}

void SubscribeReactor::OnCancel() {
  {
    std::lock_guard lock(mu_);
    broken_ = true;
  }
  Schedule();
}

void SubscribeReactor::Drain() {
  {
    std::lock_guard lock(mu_);
    draining_ = true;
  }
  Schedule();
}

size_t SubscribeReactor::queued() const {
  std::lock_guard lock(mu_);
  return queue_ ? queue_->size() : 0;
}

void SubscribeReactor::OnDone() {
  std::shared_ptr<hub::SubscriberQueue> queue;
  {
    std::lock_guard lock(mu_);
    queue = std::move(queue_);
  }
  if (queue) hub_.Unsubscribe(queue);
  if (done_) done_(this);
  self_.reset();  // may destroy this: last
}

}  // namespace radarhub::ingest
