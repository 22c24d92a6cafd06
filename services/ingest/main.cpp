// radarhub-ingest: wiring only (see ingest_app.hpp).
#include <utility>

#include <malloc.h>
#include <sys/resource.h>
#include <csignal>
#include <iostream>

#include "config.hpp"
#include "ingest_app.hpp"
#include "radarhub/service/service_signals.hpp"

int main(int argc, char** argv) {
  using radarhub::common::Logger;
  int exit_code = 0;
  const auto config = radarhub::ingest::ParseIngestCommandLine(argc, argv, exit_code);
  if (!config) return exit_code;
  Logger::Configure(config->log_level, config->log_format);
  std::signal(SIGPIPE, SIG_IGN);
  // Line buffers of hostile peers can reach --max-line-bytes: allocations that large are mapped
  // and unmapped on their own, so memory they held goes back to the system when they close. (A
  // fixed threshold also stops glibc from raising it after the first such free.)
  mallopt(M_MMAP_THRESHOLD, 256 * 1024);
  // Every node is a descriptor (--max-connections 10,000), and a shell's soft limit is often
  // 1024: take what the hard limit allows.
  if (rlimit limit{}; getrlimit(RLIMIT_NOFILE, &limit) == 0 && limit.rlim_cur < limit.rlim_max) {
    limit.rlim_cur = limit.rlim_max;
    setrlimit(RLIMIT_NOFILE, &limit);
  }

  radarhub::ingest::IngestApp app(*config);
  radarhub::service::ServiceSignals signals;  // before "started" is logged
  std::string error;
  if (!app.Start(error)) {
    std::cerr << "radarhub-ingest: " << error << "\n";
    return 2;
  }
  signals.Run([&] { app.Stop(); }, [&](std::string& e) { return app.ReloadTokens(e); });
  return 0;
}
