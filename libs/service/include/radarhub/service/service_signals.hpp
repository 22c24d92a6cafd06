#pragma once

#include <boost/asio/io_context.hpp>
#include <boost/asio/signal_set.hpp>

#include <functional>
#include <string>

namespace radarhub::service {

// A service's signals (operations.md, "Shutdown"): SIGINT and SIGTERM stop it, SIGHUP reloads its
// tokens. Caught from construction on, so construct it before the service logs "started": a
// SIGTERM right after that line then drains the service instead of killing it.
class ServiceSignals final {
 public:
  ServiceSignals() : signals_(io_, SIGINT, SIGTERM, SIGHUP) {}

  // Blocks until SIGINT or SIGTERM, then calls `stop` on this thread (which drives no I/O loop of
  // the service, so `stop` may wait for the drain). Each SIGHUP calls `reload` and logs how it
  // went; a failed reload keeps the previous tokens.
  void Run(const std::function<void()>& stop,
           const std::function<bool(std::string& error)>& reload);

 private:
  boost::asio::io_context io_;
  boost::asio::signal_set signals_;
};

}  // namespace radarhub::service
