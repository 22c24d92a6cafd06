#include "config.hpp"

#include <sstream>
#include <thread>

#include "radarhub/cli/cli.hpp"
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
              metrics_listen = c.metrics_listen->ToString(), nodes, resolve_interval = "10s",
              forget_after = "1h";

  cli.Add("--ingest", ingest,
          "ingest gRPC endpoints: HOST:PORT,... or dns:///NAME:PORT (every address)");
  cli.Add("--grpc-listen", grpc_listen, "HOST:PORT for the Tracker API (port 0: any free port)");
  cli.Add("--metrics-listen", metrics_listen, "HOST:PORT for Prometheus /metrics (empty: off)");
  cli.Add("--queue-size", c.queue_size, "frames waiting per node; the oldest is dropped beyond")
      ->check(CLI::Range(size_t{1}, size_t{1} << 24));
  cli.Add("--max-nodes", c.max_nodes, "nodes tracked at most when auto-provisioning")
      ->check(CLI::Range(size_t{1}, size_t{1000000}));
  cli.Add("--forget-after", forget_after,
          "stop tracking an auto-provisioned node unhealthy this long, freeing its place under "
          "--max-nodes (0: never)");
  cli.Add("--nodes", nodes, "track only these node ids (comma list; empty: auto-provision)");
  cli.Add("--shard-index", c.shard_index, "this tracker's shard, 0 .. shard-count - 1")
      ->check(CLI::Range(0u, 65535u));
  cli.Add("--shard-count", c.shard_count,
          "trackers sharing the nodes (rendezvous hashing of node ids)")
      ->check(CLI::Range(1u, 65536u));
  cli.Add("--resolve-interval", resolve_interval, "how often dns:/// targets are resolved again");
  c.worker_threads = std::max(1u, std::thread::hardware_concurrency());  // shown by --help
  cli.Add("--worker-threads", c.worker_threads,
          "threads that run every node's tracking (default: the number of cores)")
      ->check(CLI::Range(size_t{1}, size_t{256}));
  std::string tracks_dir, node_transmitters, max_coast = "20s";
  tracking::TrackerSettings& t = c.tracking.tracker;
  cli.Add("--tracks-dir", tracks_dir,
          "write confirmed tracks as JSON lines to DIR/<node_id>/<YYYY-MM-DD>.jsonl (empty: off)");
  cli.Add("--replay", c.replay,
          "track a file of node-protocol lines offline as fast as possible, write --tracks-dir, "
          "print a summary and exit (no ports opened)");
  cli.Add("--transmitter-hz", t.transmitter_hz,
          "the illuminator's frequency (Doppler = -range rate / wavelength)")
      ->check(cli::FiniteRange(1e6, 1e11));
  cli.Add("--node-transmitter-hz", node_transmitters,
          "per-node illuminators where they differ: ID=HZ,ID=HZ,...");
  cli.Add("--track-min-snr", t.min_snr_db, "detections below this SNR (dB) are ignored")
      ->check(cli::FiniteRange(-100.0, 100.0));
  cli.Add("--track-pd", t.pd,
          "probability that a target outside the zero-Doppler notch is detected")
      ->check(cli::FiniteRange(0.05, 0.999));
  cli.Add("--track-notch", t.notch_hz, "|Doppler| (Hz) below which a target is never detected")
      ->check(cli::FiniteRange(0.0, 100.0));
  cli.Add("--track-sigma-delay", t.sigma_delay_km, "delay noise (km) at --track-snr-ref")
      ->check(cli::FiniteRange(1e-4, 100.0));
  cli.Add("--track-sigma-doppler", t.sigma_doppler_hz, "Doppler noise (Hz) at --track-snr-ref")
      ->check(cli::FiniteRange(1e-4, 100.0));
  cli.Add("--track-snr-ref", t.snr_ref_db, "the SNR (dB) at which the noise above applies")
      ->check(cli::FiniteRange(-100.0, 100.0));
  cli.Add("--track-jerk", t.jerk_hz_s2,
          "straight-flight model: white jerk of the range, as Doppler acceleration (Hz/s^2)")
      ->check(cli::FiniteRange(1e-4, 1000.0));
  cli.Add("--track-manoeuvre-jerk", t.manoeuvre_jerk_hz_s2,
          "manoeuvre model: the same for turns and speed changes (Hz/s^2)")
      ->check(cli::FiniteRange(1e-4, 1000.0));
  cli.Add("--track-gate", t.gate, "gate: squared Mahalanobis distance (chi^2, 2 dof)")
      ->check(cli::FiniteRange(1.0, 100.0));
  cli.Add("--track-clutter", t.initial_clutter_per_frame,
          "false alarms per frame assumed until learnt from the data")
      ->check(cli::FiniteRange(0.0, 1e6));
  cli.Add("--track-confirm-score", t.confirm_score,
          "log-likelihood ratio (target vs. clutter) at which a track is confirmed")
      ->check(cli::FiniteRange(0.0, 1000.0));
  cli.Add("--track-max-misses", t.max_misses,
          "consecutive misses (outside the notch) that delete a track")
      ->check(CLI::Range(1u, 1000u));
  cli.Add("--track-max-coast", max_coast, "a track without a detection for this long is deleted");
  cli.AddServiceSettings(c);  // --api-token also goes to the ingest unless --ingest-api-token
  app.add_option("--ingest-api-token", c.ingest_api_token,
                 "bearer token for the ingest (prefer RADARHUB_INGEST_API_TOKEN or the file)")
      ->envname("RADARHUB_INGEST_API_TOKEN");
  cli.Add("--ingest-api-token-file", c.ingest_api_token_file,
          "file holding the ingest's API token (wins over --ingest-api-token)");
  cli.Switch("--ingest-tls", c.ingest_tls.tls, "reach the ingest over TLS (system roots)");
  cli.Add("--ingest-tls-ca", c.ingest_tls.ca_file, "PEM CA the ingest's certificate must chain to");
  cli.Add("--ingest-tls-cert", c.ingest_tls.cert_file,
          "PEM client certificate for the ingest (mTLS)");
  cli.Add("--ingest-tls-key", c.ingest_tls.key_file,
          "PEM key of --ingest-tls-cert (mode 0600 or 0640)");

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
  if (forget_after == "0") {
    c.forget_after = std::chrono::milliseconds::zero();
  } else if (!cli.Duration("--forget-after", forget_after, c.forget_after)) {
    return std::nullopt;
  }
  std::chrono::milliseconds coast{};
  if (!cli.Duration("--track-max-coast", max_coast, coast)) return std::nullopt;
  if (coast.count() <= 0) {
    cli.Fail("--track-max-coast", max_coast, "a positive duration");
    return std::nullopt;
  }
  t.max_coast_s = static_cast<double>(coast.count()) / 1000.0;
  if (!tracks_dir.empty()) c.tracking.tracks_dir = tracks_dir;
  for (const std::string& entry : SplitList(node_transmitters)) {
    const auto eq = entry.find('=');
    const std::string id = entry.substr(0, eq);
    double hz = 0;
    try {
      size_t used = 0;
      hz = eq == std::string::npos ? 0 : std::stod(entry.substr(eq + 1), &used);
      if (used != entry.size() - eq - 1) hz = 0;
    } catch (const std::exception&) {
      hz = 0;
    }
    if (!protocol::IsValidNodeId(id) || !(hz >= 1e6 && hz <= 1e11)) {
      cli.Fail("--node-transmitter-hz", entry, "ID=HZ with a node id and 1e6 <= HZ <= 1e11");
      return std::nullopt;
    }
    c.tracking.transmitter_hz[id] = hz;
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
