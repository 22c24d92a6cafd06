// radarhub-tracker: wiring only (see tracker_app.hpp).
#include <utility>

#include <csignal>
#include <fstream>
#include <iostream>

#include "config.hpp"
#include "radarhub/service/service_signals.hpp"
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
  radarhub::service::ServiceSignals signals;  // before "started" is logged
  std::string error;
  if (!app.Start(error)) {
    std::cerr << "radarhub-tracker: " << error << "\n";
    return 2;
  }
  signals.Run([&] { app.Stop(); }, [&](std::string& e) { return app.ReloadTokens(e); });
  return 0;
}
