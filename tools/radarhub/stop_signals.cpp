#include "stop_signals.hpp"

#include <csignal>
#include <utility>

namespace radarhub::tools {

StopSignals::StopSignals() : signals_(io_, SIGINT, SIGTERM, SIGHUP) {
  Arm();
  thread_ = std::thread([this] { io_.run(); });
}

StopSignals::~StopSignals() {
  io_.stop();
  thread_.join();
  // The tool is exiting: a late signal must not kill it on the way out (which emptying the set
  // alone would let it do, as that restores the default action).
  boost::system::error_code ignored;
  signals_.clear(ignored);
  for (const int signal : {SIGINT, SIGTERM, SIGHUP}) std::signal(signal, SIG_IGN);
}

void StopSignals::Arm() {
  signals_.async_wait([this](const boost::system::error_code& ec, int) {
    if (ec) return;
    {
      const std::lock_guard lock(mutex_);
      if (!std::exchange(stopped_, true) && on_stop_) on_stop_();
    }
    changed_.notify_all();
    Arm();
  });
}

void StopSignals::OnStop(std::function<void()> on_stop) {
  const std::lock_guard lock(mutex_);
  on_stop_ = std::move(on_stop);
  if (stopped_ && on_stop_) on_stop_();
}

bool StopSignals::stopped() const {
  const std::lock_guard lock(mutex_);
  return stopped_;
}

bool StopSignals::WaitFor(std::chrono::milliseconds timeout) {
  std::unique_lock lock(mutex_);
  return changed_.wait_for(lock, timeout, [this] { return stopped_; });
}

}  // namespace radarhub::tools
