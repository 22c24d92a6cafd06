// radarhub-tracker: wiring only (see tracker_app.hpp).
#include <utility>

#include <boost/asio/io_context.hpp>
#include <boost/asio/signal_set.hpp>
#include <csignal>
#include <fstream>
#include <functional>
#include <iostream>

#include "config.hpp"
#include "replay.hpp"
#include "tracker_app.hpp"

int main(int argc, char** argv) {
  int exit_code = 0;
  const auto config = radarhub::tracker::ParseTrackerCommandLine(argc, argv, exit_code);
  if (!config) return exit_code;
  radarhub::common::Logger::Configure(config->log_level, config->log_format);
  std::signal(SIGPIPE, SIG_IGN);

  if (!config->replay.empty()) {
    std::ifstream file;
    if (config->replay != "-") {
      file.open(config->replay);
      if (!file) {
        std::cerr << "radarhub-tracker: cannot read --replay " << config->replay << "\n";
        return 2;
      }
    }
    std::istream& in = config->replay == "-" ? std::cin : file;
    const auto report = radarhub::tracker::Replay(in, *config);
    if (in.bad()) {
      std::cerr << "radarhub-tracker: error reading --replay " << config->replay << "\n";
      return 1;
    }
    std::cout << radarhub::tracker::Summary(report, *config) << std::endl;
    return report.track_lines_lost == 0 ? 0 : 1;
  }

  radarhub::tracker::TrackerApp app(*config);
  // Caught from before "started" is logged: a SIGTERM right after it must drain, not kill.
  boost::asio::io_context signals_context;
  boost::asio::signal_set signals(signals_context, SIGINT, SIGTERM, SIGHUP);
  std::string error;
  if (!app.Start(error)) {
    std::cerr << "radarhub-tracker: " << error << "\n";
    return 2;
  }
  std::function<void(const boost::system::error_code&, int)> on_signal =
      [&](const boost::system::error_code& ec, int signal) {
        if (ec) return;
        if (signal == SIGHUP) {
          std::string reload_error;
          if (app.ReloadTokens(reload_error)) {
            radarhub::common::LogInfo("tokens reloaded");
          } else {
            radarhub::common::LogError("tokens reload failed; previous tokens stay",
                                       {{"error", reload_error}});
          }
          signals.async_wait(on_signal);
          return;
        }
        app.Stop();  // this thread drives no gRPC or Asio loop of the app
      };
  signals.async_wait(on_signal);
  signals_context.run();
  return 0;
}
