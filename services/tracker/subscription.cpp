#include "subscription.hpp"

#include <boost/asio/post.hpp>

#include "radarhub/common/log.hpp"

namespace radarhub::tracker {

namespace asio = boost::asio;

void CallCounter::Add() {
  std::lock_guard lock(mu_);
  ++in_flight_;
}

void CallCounter::Done() {
  std::lock_guard lock(mu_);
  if (--in_flight_ == 0) idle_.notify_all();
}

void CallCounter::WaitIdle() {
  std::unique_lock lock(mu_);
  idle_.wait(lock, [this] { return in_flight_ == 0; });
}

bool CallCounter::WaitIdle(std::chrono::steady_clock::time_point deadline) {
  std::unique_lock lock(mu_);
  return idle_.wait_until(lock, deadline, [this] { return in_flight_ == 0; });
}

// One attempt: a callback-API reader that owns itself until OnDone.
class Subscription::Call final : public grpc::ClientReadReactor<v1::SubscribeResponse> {
 public:
  Call(std::shared_ptr<Subscription> owner, v1::SubscribeRequest request, bool wait_for_ready)
      : owner_(std::move(owner)), request_(std::move(request)) {
    if (const auto* token = owner_->context_.authorization) {
      // Read per attempt: a reloaded token file reaches the next reconnect.
      if (const auto authorization = token->Authorization(); !authorization->empty()) {
        context_.AddMetadata("authorization", *authorization);
      }
    }
    context_.set_wait_for_ready(wait_for_ready);
  }

  void Begin() {
    owner_->context_.stub->async()->Subscribe(&context_, &request_, this);
    StartRead(&response_);
    StartCall();
  }

  void Cancel() { context_.TryCancel(); }

  void OnReadDone(bool ok) override {
    if (!ok) return;  // the stream ended: OnDone follows
    owner_->Delivered(response_, live_);
    response_.Clear();
    StartRead(&response_);
  }

  // The call counts as done only once nothing of it or its subscription is left to run: shutdown
  // frees what they use as soon as the counter says idle.
  void OnDone(const grpc::Status& status) override {
    std::shared_ptr<Subscription> owner = std::move(owner_);
    const bool live = live_;
    owner->Detach();  // before the delete: Stop() must never cancel a freed call
    delete this;
    CallCounter* calls = owner->context_.calls;
    owner->Ended(status, live);
    owner.reset();
    calls->Done();
  }

 private:
  std::shared_ptr<Subscription> owner_;
  grpc::ClientContext context_;
  v1::SubscribeRequest request_;
  v1::SubscribeResponse response_;
  bool live_ = false;  // only touched by this call's reactions, which gRPC serializes
};

Subscription::Subscription(SubscriptionContext context,
                           std::shared_ptr<SubscriptionHandler> handler)
    : context_(std::move(context)), handler_(std::move(handler)), retry_timer_(context_.timers) {}

Subscription::~Subscription() = default;

void Subscription::Start() { Attempt(); }

void Subscription::Attempt() {
  Call* call = nullptr;
  {
    std::lock_guard lock(mu_);
    if (stopped_ || call_ != nullptr) return;
    // The first attempt fails fast, so an ingest that is not there is reported unreachable; the
    // handler has heard so (OnLive(false)) before any attempt that waits for the channel.
    call = new Call(shared_from_this(), handler_->NextRequest(),
                    context_.wait_for_ready && attempted_);
    attempted_ = true;
    call_ = call;
    context_.calls->Add();
  }
  call->Begin();  // outside mu_: reactions may run before it returns
}

void Subscription::Stop() {
  std::lock_guard lock(mu_);
  stopped_ = true;
  if (call_ != nullptr) call_->Cancel();
  // Posted work holds the subscription weakly: once its owners let go it dies at once, on their
  // thread, and never with the timers' io_context.
  asio::post(context_.timers, [weak = weak_from_this()] {
    if (auto self = weak.lock()) self->retry_timer_.cancel();
  });
}

void Subscription::RetryNow() {
  {
    std::lock_guard lock(mu_);
    if (stopped_ || call_ != nullptr) return;
    backoff_.Reset();
  }
  asio::post(context_.timers, [weak = weak_from_this()] {
    const auto self = weak.lock();
    // A wait cancelled here ends without a retry of its own (its handler sees the error).
    if (self && self->retry_timer_.cancel() > 0) self->Attempt();
  });
}

// Events first, then "live": the first response holds the node's status snapshot, so health
// never counts a fresh stream as live with a stale view of the node.
void Subscription::Delivered(v1::SubscribeResponse& response, bool& live) {
  handler_->OnResponse(response);
  if (!live) {
    live = true;
    {
      std::lock_guard lock(mu_);
      backoff_.Reset();
    }
    handler_->OnLive(true);
  }
}

void Subscription::Detach() {
  std::lock_guard lock(mu_);
  call_ = nullptr;
}

void Subscription::Ended(const grpc::Status& status, bool was_live) {
  handler_->OnLive(false);
  bool stopped = false;
  {
    std::lock_guard lock(mu_);
    stopped = stopped_;
  }
  if (!stopped) {
    // Every node's stream ends together when an ingest goes: one line per endpoint and period.
    const uint64_t n = context_.log_limiter->Admit(
        context_.endpoint + "\n" + (was_live ? "1" : "0"), std::chrono::steady_clock::now());
    const bool refused = status.error_code() == grpc::StatusCode::UNAUTHENTICATED ||
                         status.error_code() == grpc::StatusCode::PERMISSION_DENIED;
    if (n != 0) {
      common::LogWarn(refused    ? "ingest refused the tracker (check --ingest-api-token); retrying"
                      : was_live ? "ingest stream ended; reconnecting"
                                 : "ingest unreachable; retrying",
                      {{"endpoint", context_.endpoint},
                       {"code", std::to_string(static_cast<int>(status.error_code()))},
                       {"message", status.error_message()},
                       {"streams", std::to_string(n)}});
    }
    ScheduleRetry();
  }
}

void Subscription::ScheduleRetry() {
  std::chrono::milliseconds delay;
  {
    std::lock_guard lock(mu_);
    delay = backoff_.Next();
  }
  if (context_.reconnects != nullptr) context_.reconnects->fetch_add(1, std::memory_order_relaxed);
  asio::post(context_.timers, [weak = weak_from_this(), delay] {
    const auto self = weak.lock();
    if (!self) return;
    self->retry_timer_.expires_after(delay);
    self->retry_timer_.async_wait(
        [weak = std::weak_ptr<Subscription>(self)](const boost::system::error_code& ec) {
          if (ec) return;
          if (auto s = weak.lock()) s->Attempt();
        });
  });
}

}  // namespace radarhub::tracker
