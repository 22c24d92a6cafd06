// radarhub: simulated nodes (`node`), scenario files (`scenario`), live views (`watch`,
// `status`, `tracks`), `health` checks and operator actions (`disconnect`, `forget`). Exit codes:
// 0 ok, 1 failure, 2 usage (radarhub/cli/cli.hpp).
#include <CLI/CLI.hpp>
#include <csignal>
#include <cstdio>
#include <fstream>
#include <iostream>

#include "admin.hpp"
#include "health_check.hpp"
#include "node_simulator.hpp"
#include "radarhub/cli/cli.hpp"
#include "radarhub/common/duration.hpp"
#include "radarhub/common/host_port.hpp"
#include "radarhub/common/log.hpp"
#include "radarhub/simulation/scenario.hpp"
#include "scenario_export.hpp"
#include "status_view.hpp"
#include "stop_signals.hpp"
#include "tracks.hpp"
#include "watch.hpp"

namespace {

bool SplitHostPort(const std::string& text, std::string& host, uint16_t& port) {
  const auto parsed = radarhub::common::ParseHostPort(text);
  if (!parsed || parsed->port == 0) return false;
  host = parsed->host;
  port = parsed->port;
  return true;
}

}  // namespace

int main(int argc, char** argv) {
  CLI::App app{"radarhub: simulated radar nodes, live views and checks"};
  radarhub::cli::Configure(app, "radarhub");
  app.require_subcommand(1);

  radarhub::tools::SimulatorSettings sim;
  std::string ingest = "127.0.0.1:30050", rate = "10", duration = "0";
  auto* node = app.add_subcommand("node", "run simulated radar nodes against an ingest");
  node->add_option("--ingest", ingest, "ingest node port HOST:PORT")->envname("RADARHUB_INGEST");
  node->add_option("--nodes", sim.nodes, "simulated nodes in this process")
      ->check(CLI::Range(1, 1000000));
  auto* rate_option = node->add_option(
      "--rate", rate, "frames per second per node; 0: heartbeats only; max: as fast as possible");
  auto* detections_option = node->add_option("--detections", sim.detections, "detections per frame")
                                ->check(CLI::Range(0, 100000));
  auto* adsb_option = node->add_option("--adsb-fraction", sim.adsb_fraction,
                                       "share of target detections with an ADS-B match")
                          ->check(radarhub::cli::FiniteRange(0.0, 1.0));
  node->add_option("--token", sim.token, "node token (prefer RADARHUB_TOKEN)")
      ->envname("RADARHUB_TOKEN");
  node->add_option("--node-prefix", sim.node_prefix, "node ids are PREFIX-0001, PREFIX-0002, ...");
  node->add_option("--node-ids", sim.node_ids, "exactly these node ids (instead of --nodes)")
      ->delimiter(',');
  node->add_option("--duration", duration, "stop after this long (0: run until Ctrl-C)");
  node->add_option("--frames", sim.frames_per_node,
                   "stop after this many frames per node (0: no limit)");
  node->add_option("--threads", sim.threads, "sending threads")->check(CLI::Range(1, 64));
  auto* node_seed = node->add_option("--seed", sim.seed, "random seed");
  std::string node_scenario, node_truth;
  auto* scenario_option =
      node->add_option("--scenario", node_scenario,
                       "play this scenario (built-in name or JSON file) live instead of random "
                       "detections; node i with seed + i")
          ->excludes(rate_option)
          ->excludes(detections_option)
          ->excludes(adsb_option);
  node->add_option("--truth", node_truth, "with --scenario: ground truth of every frame sent")
      ->needs(scenario_option);

  radarhub::tools::ScenarioExportSettings export_settings;
  std::string export_node_id = "radar1";
  std::vector<std::string> export_node_ids;
  uint64_t export_seed = 1;
  auto* scenario = app.add_subcommand(
      "scenario", "write a scenario's frames (node protocol) and ground truth to files");
  scenario
      ->add_option("scenario", export_settings.scenario,
                   "busy, crossing, dense, sparse, demo, or a scenario JSON file")
      ->required();
  scenario->add_option("--out", export_settings.out_path, "frames: one node-protocol line each")
      ->required();
  scenario->add_option("--truth", export_settings.truth_path,
                       "ground truth: one JSON line per frame and node");
  auto* export_node_id_option = scenario->add_option("--node-id", export_node_id, "node id");
  scenario
      ->add_option("--node-ids", export_node_ids,
                   "several nodes (node i with seed + i), frames interleaved by timestamp")
      ->delimiter(',')
      ->excludes(export_node_id_option);
  auto* export_seed_option =
      scenario->add_option("--seed", export_seed, "random seed (default: the file's, else 1)");
  scenario->add_option("--token", export_settings.token, "token written in every frame");

  radarhub::tools::StatusSettings status_settings;
  std::string interval = "1s";
  auto* status = app.add_subcommand(
      "status", "live per-node table from an ingest's /metrics and, with --tracker, its health");
  status->add_option("--metrics", status_settings.metrics, "ingest metrics HOST:PORT");
  status->add_option("--interval", interval, "refresh period");
  status
      ->add_option("--iterations", status_settings.iterations,
                   "stop after this many refreshes (0: never)")
      ->check(CLI::Range(0, 1000000000));
  status
      ->add_option("--tracker", status_settings.tracker.target,
                   "also show each node's health as this tracker (gRPC HOST:PORT) sees it")
      ->envname("RADARHUB_TRACKER");
  radarhub::tools::AddCredentialOptions(*status, status_settings.tracker);
  radarhub::cli::AddSwitch(*status, "--json", status_settings.json,
                           "one JSON object per refresh instead of the table", "");

  radarhub::tools::WatchSettings watch_settings;
  auto* watch = app.add_subcommand("watch", "print a Subscribe stream as JSON lines");
  radarhub::tools::AddClientOptions(*watch, watch_settings.client);
  watch->add_option("--nodes", watch_settings.nodes, "node ids (default: every node)")
      ->delimiter(',');
  radarhub::cli::AddSwitch(*watch, "--status-only", watch_settings.status_only,
                           "status events only, no frames", "");
  bool watch_json = true;
  radarhub::cli::AddSwitch(*watch, "--json", watch_json,
                           "JSON lines, proto field names (what watch always prints)", "");
  watch->add_option("--resume", watch_settings.resume,
                    "NODE:EPOCH:SEQUENCE: continue after that frame (repeatable)");
  watch->add_option("--count", watch_settings.max_events, "stop after this many events");

  radarhub::tools::ClientSettings health_client;
  std::string health_service, health_timeout = "3s";
  auto* health = app.add_subcommand(
      "health", "grpc.health.v1 Check: exit 0 only if SERVING (container health checks)");
  radarhub::tools::AddClientOptions(*health, health_client);
  health->add_option("--service", health_service, "\"\" (the process), a service or node/<id>");
  health->add_option("--timeout", health_timeout, "give up after this long");
  bool health_json = false;
  radarhub::cli::AddSwitch(*health, "--json", health_json,
                           "print {\"service\",\"status\"[,\"error\"]} as JSON", "");

  radarhub::tools::TracksSettings tracks_settings;
  auto* tracks = app.add_subcommand(
      "tracks", "a tracker's tracks now (ListTracks), or after every frame with --follow");
  tracks->add_option("--tracker", tracks_settings.client.target, "tracker gRPC HOST:PORT")
      ->envname("RADARHUB_TRACKER");
  radarhub::tools::AddCredentialOptions(*tracks, tracks_settings.client);
  tracks->add_option("--node", tracks_settings.nodes, "only this node (repeatable or a,b,c)")
      ->delimiter(',');
  tracks
      ->add_option("--status", tracks_settings.statuses,
                   "only these statuses (default: confirmed and coasting; with --follow, "
                   "deleted too)")
      ->delimiter(',')
      ->check(CLI::IsMember({"tentative", "confirmed", "coasting", "deleted"}));
  radarhub::cli::AddSwitch(*tracks, "--follow", tracks_settings.follow,
                           "stream each node's tracks after every frame (StreamTracks)", "");
  radarhub::cli::AddSwitch(*tracks, "--json", tracks_settings.json,
                           "JSON lines: a track each, or with --follow an update each", "");
  tracks->add_option("--count", tracks_settings.max_updates,
                     "with --follow: stop after this many updates (0: never)");

  radarhub::tools::AdminSettings disconnect_settings, forget_settings;
  auto* disconnect = app.add_subcommand(
      "disconnect", "close a node's connection at an ingest (admin token; it may reconnect)");
  radarhub::tools::AddAdminOptions(*disconnect, disconnect_settings);
  auto* forget = app.add_subcommand(
      "forget",
      "forget a disconnected node at an ingest now, as --forget-after would (admin token)");
  radarhub::tools::AddAdminOptions(*forget, forget_settings);
  radarhub::cli::AddSwitch(*forget, "--disconnect", forget_settings.disconnect,
                           "close its connection first", "");
  forget_settings.forget = true;

  if (const auto done = radarhub::cli::Parse(app, argc, argv)) return *done;

  radarhub::tools::StopSignals stop;
  if (watch->parsed()) return radarhub::tools::RunWatch(watch_settings, stop);
  if (tracks->parsed()) return radarhub::tools::RunTracks(tracks_settings, stop);
  if (disconnect->parsed()) return radarhub::tools::RunAdmin(disconnect_settings);
  if (forget->parsed()) return radarhub::tools::RunAdmin(forget_settings);
  if (scenario->parsed()) {
    export_settings.node_ids =
        export_node_ids.empty() ? std::vector<std::string>{export_node_id} : export_node_ids;
    if (export_seed_option->count() > 0) export_settings.seed = export_seed;
    return radarhub::tools::RunScenarioExport(export_settings);
  }
  if (health->parsed()) {
    const auto timeout = radarhub::common::ParseDuration(health_timeout);
    if (!timeout || timeout->count() <= 0) {
      std::cerr << "radarhub health: invalid --timeout '" << health_timeout << "'\n";
      return 2;
    }
    return radarhub::tools::RunHealthCheck(
        health_client, health_service,
        std::chrono::duration_cast<std::chrono::milliseconds>(*timeout), health_json);
  }

  if (node->parsed()) {
    if (!SplitHostPort(ingest, sim.host, sim.port)) {
      std::cerr << "radarhub node: invalid --ingest '" << ingest << "': expected HOST:PORT\n";
      return 2;
    }
    if (rate == "max") {
      sim.max_rate = true;
    } else {
      char* end = nullptr;
      sim.rate_hz = std::strtod(rate.c_str(), &end);
      if (end == rate.c_str() || *end != '\0' || !(sim.rate_hz >= 0) || sim.rate_hz > 1e6) {
        std::cerr << "radarhub node: invalid --rate '" << rate << "': expected a number or max\n";
        return 2;
      }
    }
    const auto d = radarhub::common::ParseDuration(duration);
    if (!d) {
      std::cerr << "radarhub node: invalid --duration '" << duration << "'\n";
      return 2;
    }
    sim.duration = std::chrono::duration_cast<std::chrono::milliseconds>(*d);
    if (!sim.node_ids.empty()) sim.nodes = static_cast<int>(sim.node_ids.size());
    std::ofstream truth;
    if (!node_scenario.empty()) {
      std::string error;
      sim.scenario = radarhub::simulation::LoadScenario(node_scenario, sim.seed, error);
      if (!sim.scenario) {
        std::cerr << "radarhub node: --scenario " << error << "\n";
        return 2;
      }
      if (node_seed->count() > 0) sim.scenario->seed = sim.seed;
      if (!node_truth.empty()) {
        truth.open(node_truth, std::ios::binary | std::ios::trunc);
        if (!truth) {
          std::cerr << "radarhub node: cannot write --truth '" << node_truth << "'\n";
          return 2;
        }
      }
    }
    std::signal(SIGPIPE, SIG_IGN);
    radarhub::tools::NodeSimulator simulator(sim, truth.is_open() ? &truth : nullptr);
    const radarhub::tools::ScopedStopAction stop_nodes(stop, [&simulator] { simulator.Stop(); });
    const auto report = simulator.Run();
    std::printf(
        "{\"nodes\":%d,\"frames_sent\":%llu,\"heartbeats_sent\":%llu,\"connects\":%llu,"
        "\"connect_failures\":%llu,\"seconds\":%.3f,\"frames_per_second\":%.0f}\n",
        sim.nodes, static_cast<unsigned long long>(report.frames_sent),
        static_cast<unsigned long long>(report.heartbeats_sent),
        static_cast<unsigned long long>(report.connects),
        static_cast<unsigned long long>(report.connect_failures), report.seconds,
        report.seconds > 0 ? static_cast<double>(report.frames_sent) / report.seconds : 0.0);
    return 0;
  }
  const auto every = radarhub::common::ParseDuration(interval);
  if (!every || every->count() <= 0) {
    std::cerr << "radarhub status: invalid --interval '" << interval << "'\n";
    return 2;
  }
  status_settings.interval = std::chrono::duration_cast<std::chrono::milliseconds>(*every);
  return radarhub::tools::RunStatusView(status_settings, stop);
}
