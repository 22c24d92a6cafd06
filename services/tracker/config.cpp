#include "config.hpp"

#include <sstream>

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
  service::CommandLine cli("radarhub-tracker",
                           "follows every node through the ingest and tracks its targets");
  CLI::App& app = cli.app();
  std::string ingest = "127.0.0.1:50051", grpc_listen = c.grpc_listen.ToString(),
              metrics_listen = c.metrics_listen->ToString(), nodes, resolve_interval = "10s";

  cli.Add("--ingest", ingest,
          "ingest gRPC endpoints: HOST:PORT,... or dns:///NAME:PORT (every address)");
  cli.Add("--grpc-listen", grpc_listen, "HOST:PORT for the Tracker API (port 0: any free port)");
  cli.Add("--metrics-listen", metrics_listen, "HOST:PORT for Prometheus /metrics (empty: off)");
  cli.Add("--queue-size", c.queue_size, "frames waiting per node; the oldest is dropped beyond")
      ->check(CLI::Range(size_t{1}, size_t{1} << 24));
  cli.Add("--max-nodes", c.max_nodes, "nodes tracked at most when auto-provisioning")
      ->check(CLI::Range(size_t{1}, size_t{1000000}));
  cli.Add("--nodes", nodes, "track only these node ids (comma list; empty: auto-provision)");
  cli.Add("--shard-index", c.shard_index, "this tracker's shard, 0 .. shard-count - 1");
  cli.Add("--shard-count", c.shard_count,
          "trackers sharing the nodes (rendezvous hashing of node ids)")
      ->check(CLI::Range(1u, 65536u));
  cli.Add("--resolve-interval", resolve_interval, "how often dns:/// targets are resolved again");
  cli.AddServiceSettings(c);  // --api-token also goes to the ingest unless --ingest-api-token
  app.add_option("--ingest-api-token", c.ingest_api_token,
                 "bearer token for the ingest (prefer RADARHUB_INGEST_API_TOKEN or the file)")
      ->envname("RADARHUB_INGEST_API_TOKEN");
  cli.Add("--ingest-api-token-file", c.ingest_api_token_file,
          "file holding the ingest's API token (wins over --ingest-api-token)");
  app.add_flag("--ingest-tls", c.ingest_tls.tls, "reach the ingest over TLS (system roots)")
      ->envname("RADARHUB_INGEST_TLS");
  cli.Add("--ingest-tls-ca", c.ingest_tls.ca_file, "PEM CA the ingest's certificate must chain to");
  cli.Add("--ingest-tls-cert", c.ingest_tls.cert_file,
          "PEM client certificate for the ingest (mTLS)");
  cli.Add("--ingest-tls-key", c.ingest_tls.key_file, "PEM key of --ingest-tls-cert (mode 0600)");

  if (!cli.Parse(argc, argv, exit_code)) return std::nullopt;
  exit_code = 2;
  const auto targets = ParseIngestTargets(ingest);
  if (!targets) {
    cli.Fail("--ingest", ingest, "HOST:PORT[,HOST:PORT...] or dns:///NAME:PORT");
    return std::nullopt;
  }
  c.ingest = *targets;
  if (!cli.Listen("--grpc-listen", grpc_listen, c.grpc_listen) ||
      !cli.OptionalListen("--metrics-listen", metrics_listen, c.metrics_listen) ||
      !cli.Duration("--resolve-interval", resolve_interval, c.resolve_interval)) {
    return std::nullopt;
  }
  for (const std::string& id : SplitList(nodes)) {
    if (!protocol::IsValidNodeId(id)) {
      cli.Fail("--nodes", id, "node ids [A-Za-z0-9._-]{1,64}");
      return std::nullopt;
    }
    c.nodes.push_back(id);
  }
  if (c.shard_index >= c.shard_count) {
    cli.Fail("--shard-index", std::to_string(c.shard_index), "0 .. --shard-count - 1");
    return std::nullopt;
  }
  exit_code = 0;
  return c;
}

}  // namespace radarhub::tracker
