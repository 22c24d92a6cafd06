#pragma once

#include <boost/asio/io_context.hpp>
#include <boost/asio/signal_set.hpp>

#include <chrono>
#include <condition_variable>
#include <functional>
#include <mutex>
#include <thread>

namespace radarhub::tools {

// SIGINT, SIGTERM and SIGHUP (its terminal closed) for a CLI tool, through asio::signal_set on a
// thread of its own: the action set with OnStop runs there once, at the first signal, and may take
// locks, cancel calls or stop I/O loops (a signal handler may do none of these). Later signals are
// absorbed while the tool winds down, and ignored once it is destroyed, so a SIGTERM after a
// Ctrl-C cannot kill the tool half-way or on its way out.
class StopSignals final {
 public:
  StopSignals();
  ~StopSignals();
  StopSignals(const StopSignals&) = delete;
  StopSignals& operator=(const StopSignals&) = delete;

  // What the first signal does; runs at once if one came already. Once OnStop({}) returns, the
  // previous action is not running and never will, so it may refer to locals.
  void OnStop(std::function<void()> on_stop);
  bool stopped() const;
  // Sleeps up to `timeout`; true as soon as a signal has arrived.
  bool WaitFor(std::chrono::milliseconds timeout);

 private:
  void Arm();

  boost::asio::io_context io_;
  boost::asio::signal_set signals_;
  mutable std::mutex mutex_;  // held while the action runs
  std::function<void()> on_stop_;
  std::condition_variable changed_;
  bool stopped_ = false;
  std::thread thread_;
};

// Sets a StopSignals action for a scope, such as cancelling a call whose context is a local.
class ScopedStopAction final {
 public:
  ScopedStopAction(StopSignals& stop, std::function<void()> action) : stop_(stop) {
    stop_.OnStop(std::move(action));
  }
  ~ScopedStopAction() { stop_.OnStop({}); }
  ScopedStopAction(const ScopedStopAction&) = delete;
  ScopedStopAction& operator=(const ScopedStopAction&) = delete;

 private:
  StopSignals& stop_;
};

}  // namespace radarhub::tools
