#include "io_pool.hpp"

#include <pthread.h>

#include <boost/asio/steady_timer.hpp>
#include <exception>

#include "radarhub/common/log.hpp"

namespace radarhub::ingest {

IoPool::IoPool(int threads, const char* name) : name_(name) {
  for (int i = 0; i < std::max(threads, 1); ++i) {
    contexts_.push_back(std::make_unique<boost::asio::io_context>(1));
    guards_.emplace_back(contexts_.back()->get_executor());
    // Asio makes a context's reactor (an epoll and an eventfd) with its first timer or socket,
    // which may come while a flood holds every descriptor, and that throws: make it now.
    boost::asio::steady_timer reactor_now(*contexts_.back());
  }
}

IoPool::~IoPool() { Stop(); }

boost::asio::io_context& IoPool::Next() {
  return *contexts_[next_.fetch_add(1, std::memory_order_relaxed) % contexts_.size()];
}

void IoPool::Start() {
  for (auto& context : contexts_) {
    threads_.emplace_back([&io = *context, name = name_] {
      pthread_setname_np(pthread_self(), name);
      // A handler that throws (a descriptor or memory ran out) costs its own work, not the
      // thread: run() resumes after it.
      for (;;) {
        try {
          io.run();
          return;
        } catch (const std::exception& e) {
          common::LogError("handler failed", {{"thread", name}, {"error", e.what()}});
        }
      }
    });
  }
}

void IoPool::Stop() {
  guards_.clear();
  for (auto& context : contexts_) context->stop();
  for (auto& thread : threads_) {
    if (thread.joinable()) thread.join();
  }
  threads_.clear();
}

}  // namespace radarhub::ingest
