#pragma once

#include <utility>

#include <grpcpp/grpcpp.h>

#include <boost/asio/any_io_executor.hpp>
#include <boost/asio/post.hpp>

namespace radarhub::tracker {

// A server stream whose state lives on one "control" thread (WatchHealth, StreamTracks): the
// next write starts when the last one is done, so flow control paces it; reactions hop to the
// control thread, and the stream ends once what it holds is written. Derived classes keep what is
// pending and say what comes next. Control thread, but for the gRPC reactions.
template <typename Message>
class ControlThreadWriter : public grpc::ServerWriteReactor<Message> {
 public:
  explicit ControlThreadWriter(boost::asio::any_io_executor control)
      : control_(std::move(control)) {}

  // Control thread: finish with UNAVAILABLE once everything pending is written.
  void Drain() {
    draining_ = true;
    Wake();
  }

  void OnWriteDone(bool ok) override {
    boost::asio::post(control_, [this, ok] {
      writing_ = false;
      if (!ok) {
        FinishOnce(grpc::Status(grpc::StatusCode::CANCELLED, "stream ended"));
        return;
      }
      Next();
    });
  }
  void OnCancel() override {
    boost::asio::post(control_, [this] {
      if (!writing_) FinishOnce(grpc::Status::CANCELLED);
      draining_ = true;  // a write in flight fails and finishes the stream
    });
  }
  void OnDone() override {
    boost::asio::post(control_, [this] {
      Forget();
      delete this;
    });
  }

 protected:
  // Control thread: the next message into `out`; false when nothing is pending.
  virtual bool TakeNext(Message& out) = 0;
  // Control thread: the stream is done; nothing may reach it any more.
  virtual void Forget() = 0;
  // Control thread: something became pending.
  void Wake() {
    if (!writing_) Next();
  }
  bool finished() const { return finished_; }

 private:
  void Next() {
    if (finished_) return;
    if (TakeNext(message_)) {
      writing_ = true;
      this->StartWrite(&message_);
      return;
    }
    if (draining_) FinishOnce(grpc::Status(grpc::StatusCode::UNAVAILABLE, "tracker shutting down"));
  }
  void FinishOnce(const grpc::Status& status) {
    if (finished_) return;
    finished_ = true;
    this->Finish(status);
  }

  const boost::asio::any_io_executor control_;
  Message message_;
  bool writing_ = false, finished_ = false, draining_ = false;
};

}  // namespace radarhub::tracker
