#pragma once

#include <utility>

#include <atomic>
#include <boost/asio/executor_work_guard.hpp>
#include <boost/asio/io_context.hpp>
#include <memory>
#include <thread>
#include <vector>

namespace radarhub::ingest {

// One io_context per thread: a connection lives on one thread for its whole life, so its state
// needs no locks and the threads share nothing on the data path. Next() spreads new connections
// round-robin. Thread-safe.
class IoPool final {
 public:
  // `name` names the threads (top -H, perf, bench/fleet_profile.sh); at most 15 characters.
  IoPool(int threads, const char* name);
  ~IoPool();

  boost::asio::io_context& Next();
  boost::asio::io_context& First() { return *contexts_.front(); }
  void Start();
  // Stops every loop and joins the threads; idempotent.
  void Stop();

 private:
  using Guard = boost::asio::executor_work_guard<boost::asio::io_context::executor_type>;
  std::vector<std::unique_ptr<boost::asio::io_context>> contexts_;
  std::vector<Guard> guards_;
  std::vector<std::thread> threads_;
  std::atomic<size_t> next_{0};
  const char* const name_;
};

}  // namespace radarhub::ingest
