#include "config.hpp"

#include <CLI/CLI.hpp>
#include <iostream>
#include <thread>

#include "radarhub/common/duration.hpp"

namespace radarhub::ingest {

std::optional<IngestConfig> ParseIngestCommandLine(int argc, char** argv, int& exit_code) {
  IngestConfig c;
  c.io_threads = static_cast<int>(std::max(1u, std::thread::hardware_concurrency()));
  CLI::App app{"radarhub-ingest: terminates the radar nodes' TCP protocol and republishes frames"};
  app.option_defaults()->always_capture_default();
  app.failure_message([](const CLI::App*, const CLI::Error& e) {
    return "radarhub-ingest: invalid setting: " + std::string(e.what()) + "\n";
  });
  std::string node_listen = c.node_listen.ToString(), grpc_listen = c.grpc_listen.ToString(),
              metrics_listen = c.metrics_listen->ToString();
  std::string auth_timeout = "5s", idle_timeout = "30s", shutdown_grace = "10s";
  std::string log_format = "text", log_level = "info";

  auto opt = [&](const char* name, auto& value, const char* help) {
    return app.add_option(name, value, help)->envname(common::EnvName(name));
  };
  opt("--node-listen", node_listen, "HOST:PORT for radar nodes (port 0: any free port)");
  opt("--grpc-listen", grpc_listen, "HOST:PORT for the gRPC API");
  opt("--metrics-listen", metrics_listen, "HOST:PORT for Prometheus /metrics (empty: off)");
  opt("--io-threads", c.io_threads, "I/O threads (default: number of cores)")
      ->check(CLI::Range(1, 256));
  opt("--max-line-bytes", c.max_line_bytes, "longest accepted line, newline excluded")
      ->check(CLI::Range(size_t{64}, size_t{1} << 30));
  opt("--max-detections", c.max_detections, "most detections in one frame");
  opt("--auth-timeout", auth_timeout, "time to complete the first line");
  opt("--idle-timeout", idle_timeout, "close connections silent this long");
  opt("--max-connections", c.max_connections, "open node connections above which new ones close")
      ->check(CLI::Range(size_t{1}, size_t{10000000}));
  app.add_flag("--tcp-nodelay,!--no-tcp-nodelay", c.tcp_nodelay, "TCP_NODELAY on node sockets")
      ->envname("RADARHUB_TCP_NODELAY");
  opt("--tokens-file", c.tokens_file, "node tokens: 'node_id token' lines, '* token' shared");
  app.add_option("--token", c.token, "shared node token (prefer RADARHUB_TOKEN)")
      ->envname("RADARHUB_TOKEN");
  app.add_flag("--auto-provision,!--no-auto-provision", c.auto_provision,
               "register unknown nodes that present the shared token")
      ->envname("RADARHUB_AUTO_PROVISION");
  app.add_flag("--allow-unauthenticated", c.allow_unauthenticated,
               "accept nodes when no token is configured")
      ->envname("RADARHUB_ALLOW_UNAUTHENTICATED");
  opt("--replay-frames", c.replay_frames, "frames kept per node for resume");
  opt("--subscriber-queue", c.subscriber_queue, "events queued per subscriber")
      ->check(CLI::Range(size_t{1}, size_t{1} << 24));
  opt("--max-batch", c.max_batch, "most events in one SubscribeResponse")
      ->check(CLI::Range(size_t{1}, size_t{65536}));
  opt("--max-subscribers", c.max_subscribers, "concurrent Subscribe streams");
  app.add_option("--api-token", c.api_token,
                 "bearer token gRPC clients must send (prefer RADARHUB_API_TOKEN or the file)")
      ->envname("RADARHUB_API_TOKEN");
  opt("--api-token-file", c.api_token_file, "file holding the API token (wins over --api-token)");
  opt("--tls-cert", c.tls_cert, "PEM certificate chain: serve gRPC over TLS");
  opt("--tls-key", c.tls_key, "PEM private key of --tls-cert (mode 0600)");
  opt("--tls-client-ca", c.tls_client_ca, "PEM CA: require client certificates it signed (mTLS)");
  opt("--shutdown-grace", shutdown_grace, "time to drain on SIGTERM");
  opt("--log-format", log_format, "text|json")->check(CLI::IsMember({"text", "json"}));
  opt("--log-level", log_level, "debug|info|warn|error")
      ->check(CLI::IsMember({"debug", "info", "warn", "warning", "error"}));

  try {
    app.parse(argc, argv);
  } catch (const CLI::ParseError& e) {
    exit_code = app.exit(e) == 0 ? 0 : 2;  // --help is 0; every bad setting is 2, like ours
    return std::nullopt;
  }
  exit_code = 2;
  auto fail = [&](const std::string& setting, const std::string& value, const char* expected) {
    std::cerr << "radarhub-ingest: invalid " << setting << " '" << value << "': expected "
              << expected << "\n";
    return std::nullopt;
  };
  const auto node = ParseHostPort(node_listen);
  if (!node) return fail("--node-listen", node_listen, "HOST:PORT");
  c.node_listen = *node;
  const auto grpc = ParseHostPort(grpc_listen);
  if (!grpc) return fail("--grpc-listen", grpc_listen, "HOST:PORT");
  c.grpc_listen = *grpc;
  if (metrics_listen.empty()) {
    c.metrics_listen.reset();
  } else {
    const auto metrics = ParseHostPort(metrics_listen);
    if (!metrics) return fail("--metrics-listen", metrics_listen, "HOST:PORT or empty");
    c.metrics_listen = *metrics;
  }
  struct DurationSetting {
    const char* name;
    const std::string& text;
    std::chrono::milliseconds& into;
  };
  for (const DurationSetting& d :
       {DurationSetting{"--auth-timeout", auth_timeout, c.auth_timeout},
        DurationSetting{"--idle-timeout", idle_timeout, c.idle_timeout},
        DurationSetting{"--shutdown-grace", shutdown_grace, c.shutdown_grace}}) {
    const auto parsed = common::ParseDuration(d.text);
    if (!parsed || *parsed <= std::chrono::nanoseconds::zero()) {
      return fail(d.name, d.text, "a positive duration such as 250ms, 5s or 2m");
    }
    d.into = std::chrono::duration_cast<std::chrono::milliseconds>(*parsed);
    if (d.into.count() == 0) d.into = std::chrono::milliseconds(1);
  }
  common::ParseLogFormat(log_format, c.log_format);
  common::ParseLogLevel(log_level, c.log_level);
  exit_code = 0;
  return c;
}

}  // namespace radarhub::ingest
