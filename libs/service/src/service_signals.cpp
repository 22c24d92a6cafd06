#include "radarhub/service/service_signals.hpp"

#include <csignal>

#include "radarhub/common/log.hpp"

namespace radarhub::service {

void ServiceSignals::Run(const std::function<void()>& stop,
                         const std::function<bool(std::string& error)>& reload) {
  std::function<void(const boost::system::error_code&, int)> on_signal =
      [&](const boost::system::error_code& ec, int signal) {
        if (ec) return;
        if (signal != SIGHUP) {
          stop();
          return;
        }
        std::string error;
        if (reload(error)) {
          common::LogInfo("tokens reloaded");
        } else {
          common::LogError("tokens reload failed; previous tokens stay", {{"error", error}});
        }
        signals_.async_wait(on_signal);
      };
  signals_.async_wait(on_signal);
  io_.run();
}

}  // namespace radarhub::service
