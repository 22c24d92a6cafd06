#include "config.hpp"

#include <CLI/CLI.hpp>
#include <iostream>
#include <sstream>

#include "radarhub/common/duration.hpp"
#include "radarhub/protocol/node_id.hpp"

namespace radarhub::tracker {

namespace {

std::vector<std::string> SplitList(const std::string& text) {
  std::vector<std::string> out;
  std::stringstream in(text);
  std::string item;
  while (std::getline(in, item, ',')) {
    const auto first = item.find_first_not_of(' ');
    const auto last = item.find_last_not_of(' ');
    if (first != std::string::npos) out.push_back(item.substr(first, last - first + 1));
  }
  return out;
}

}  // namespace

std::optional<std::vector<IngestTarget>> ParseIngestTargets(const std::string& text) {
  std::vector<IngestTarget> targets;
  for (const std::string& entry : SplitList(text)) {
    constexpr std::string_view kDns = "dns:///";
    const bool dns = entry.rfind(kDns, 0) == 0;
    const auto address = ParseHostPort(dns ? entry.substr(kDns.size()) : entry);
    if (!address || address->host.empty() || address->port == 0) return std::nullopt;
    targets.push_back({*address, dns});
  }
  if (targets.empty()) return std::nullopt;
  return targets;
}

std::optional<TrackerConfig> ParseTrackerCommandLine(int argc, char** argv, int& exit_code) {
  TrackerConfig c;
  CLI::App app{"radarhub-tracker: follows every node through the ingest and tracks its targets"};
  app.option_defaults()->always_capture_default();
  app.failure_message([](const CLI::App*, const CLI::Error& e) {
    return "radarhub-tracker: invalid setting: " + std::string(e.what()) + "\n";
  });
  std::string ingest = "127.0.0.1:50051", grpc_listen = c.grpc_listen.ToString(),
              metrics_listen = c.metrics_listen->ToString(), nodes;
  std::string resolve_interval = "10s", shutdown_grace = "10s";
  std::string log_format = "text", log_level = "info";

  auto opt = [&](const char* name, auto& value, const char* help) {
    return app.add_option(name, value, help)->envname(common::EnvName(name));
  };
  opt("--ingest", ingest,
      "ingest gRPC endpoints: HOST:PORT,... or dns:///NAME:PORT (every address)");
  opt("--grpc-listen", grpc_listen, "HOST:PORT for the Tracker API (port 0: any free port)");
  opt("--metrics-listen", metrics_listen, "HOST:PORT for Prometheus /metrics (empty: off)");
  opt("--queue-size", c.queue_size, "frames waiting per node; the oldest is dropped beyond")
      ->check(CLI::Range(size_t{1}, size_t{1} << 24));
  opt("--max-nodes", c.max_nodes, "nodes tracked at most when auto-provisioning")
      ->check(CLI::Range(size_t{1}, size_t{1000000}));
  opt("--nodes", nodes, "track only these node ids (comma list; empty: auto-provision)");
  opt("--shard-index", c.shard_index, "this tracker's shard, 0 .. shard-count - 1");
  opt("--shard-count", c.shard_count, "trackers sharing the nodes (rendezvous hashing of node ids)")
      ->check(CLI::Range(1u, 65536u));
  opt("--resolve-interval", resolve_interval, "how often dns:/// targets are resolved again");
  app.add_option("--api-token", c.api_token,
                 "bearer token Tracker API clients must send; also sent to the ingest unless "
                 "--ingest-api-token is given (prefer RADARHUB_API_TOKEN or the file)")
      ->envname("RADARHUB_API_TOKEN");
  opt("--api-token-file", c.api_token_file, "file holding the API token (wins over --api-token)");
  opt("--tls-cert", c.tls_cert, "PEM certificate chain: serve gRPC over TLS");
  opt("--tls-key", c.tls_key, "PEM private key of --tls-cert (mode 0600)");
  opt("--tls-client-ca", c.tls_client_ca, "PEM CA: require client certificates it signed (mTLS)");
  app.add_option("--ingest-api-token", c.ingest_api_token,
                 "bearer token for the ingest (prefer RADARHUB_INGEST_API_TOKEN or the file)")
      ->envname("RADARHUB_INGEST_API_TOKEN");
  opt("--ingest-api-token-file", c.ingest_api_token_file,
      "file holding the ingest's API token (wins over --ingest-api-token)");
  app.add_flag("--ingest-tls", c.ingest_tls.tls, "reach the ingest over TLS (system roots)")
      ->envname("RADARHUB_INGEST_TLS");
  opt("--ingest-tls-ca", c.ingest_tls.ca_file, "PEM CA the ingest's certificate must chain to");
  opt("--ingest-tls-cert", c.ingest_tls.cert_file, "PEM client certificate for the ingest (mTLS)");
  opt("--ingest-tls-key", c.ingest_tls.key_file, "PEM key of --ingest-tls-cert (mode 0600)");
  opt("--shutdown-grace", shutdown_grace, "time to drain on SIGTERM");
  opt("--log-format", log_format, "text|json")->check(CLI::IsMember({"text", "json"}));
  opt("--log-level", log_level, "debug|info|warn|error")
      ->check(CLI::IsMember({"debug", "info", "warn", "warning", "error"}));

  try {
    app.parse(argc, argv);
  } catch (const CLI::ParseError& e) {
    exit_code = app.exit(e) == 0 ? 0 : 2;
    return std::nullopt;
  }
  exit_code = 2;
  auto fail = [&](const std::string& setting, const std::string& value, const char* expected) {
    std::cerr << "radarhub-tracker: invalid " << setting << " '" << value << "': expected "
              << expected << "\n";
    return std::nullopt;
  };
  const auto targets = ParseIngestTargets(ingest);
  if (!targets) return fail("--ingest", ingest, "HOST:PORT[,HOST:PORT...] or dns:///NAME:PORT");
  c.ingest = *targets;
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
  for (const std::string& id : SplitList(nodes)) {
    if (!protocol::IsValidNodeId(id)) return fail("--nodes", id, "node ids [A-Za-z0-9._-]{1,64}");
    c.nodes.push_back(id);
  }
  if (c.shard_index >= c.shard_count) {
    return fail("--shard-index", std::to_string(c.shard_index), "0 .. --shard-count - 1");
  }
  struct DurationSetting {
    const char* name;
    const std::string& text;
    std::chrono::milliseconds& into;
  };
  for (const DurationSetting& d :
       {DurationSetting{"--resolve-interval", resolve_interval, c.resolve_interval},
        DurationSetting{"--shutdown-grace", shutdown_grace, c.shutdown_grace}}) {
    const auto parsed = common::ParseDuration(d.text);
    if (!parsed || *parsed <= std::chrono::nanoseconds::zero()) {
      return fail(d.name, d.text, "a positive duration such as 250ms, 5s or 2m");
    }
    d.into = std::max(std::chrono::milliseconds(1),
                      std::chrono::duration_cast<std::chrono::milliseconds>(*parsed));
  }
  common::ParseLogFormat(log_format, c.log_format);
  common::ParseLogLevel(log_level, c.log_level);
  exit_code = 0;
  return c;
}

}  // namespace radarhub::tracker
