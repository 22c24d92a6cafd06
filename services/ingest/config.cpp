#include "config.hpp"

#include <thread>

namespace radarhub::ingest {

std::optional<IngestConfig> ParseIngestCommandLine(int argc, char** argv, int& exit_code) {
  IngestConfig c;
  c.io_threads = static_cast<int>(std::max(1u, std::thread::hardware_concurrency()));
  service::CommandLine cli("radarhub-ingest",
                           "terminates the radar nodes' TCP protocol and republishes frames");
  CLI::App& app = cli.app();
  std::string node_listen = c.node_listen.ToString(), grpc_listen = c.grpc_listen.ToString(),
              metrics_listen = c.metrics_listen->ToString();
  std::string auth_timeout = "30s", idle_timeout = "30s", forget_after = "1h";

  cli.Add("--node-listen", node_listen, "HOST:PORT for radar nodes (port 0: any free port)");
  cli.Add("--grpc-listen", grpc_listen, "HOST:PORT for the gRPC API");
  cli.Add("--metrics-listen", metrics_listen, "HOST:PORT for Prometheus /metrics (empty: off)");
  cli.Add("--io-threads", c.io_threads, "I/O threads (default: number of cores)")
      ->check(CLI::Range(1, 256));
  cli.Add("--max-line-bytes", c.max_line_bytes, "longest accepted line, newline excluded")
      ->check(CLI::Range(size_t{64}, size_t{1} << 30));
  cli.Add("--max-detections", c.max_detections, "most detections in one frame")
      ->check(CLI::Range(size_t{1}, size_t{1000000}));
  cli.Add("--auth-timeout", auth_timeout, "time to complete the first line");
  cli.Add("--idle-timeout", idle_timeout, "close connections silent this long");
  cli.Add("--max-connections", c.max_connections,
          "open node connections above which new ones close")
      ->check(CLI::Range(size_t{1}, size_t{10000000}));
  cli.Add("--max-pending-per-address", c.max_pending_per_address,
          "connections from one address still before their first line, above which new ones "
          "from it close")
      ->check(CLI::Range(size_t{1}, size_t{10000000}));
  cli.Add("--max-nodes", c.max_nodes,
          "nodes registered in all (tokens-file nodes always are); a new node beyond it is closed "
          "at its hello (limit)")
      ->check(CLI::Range(size_t{1}, size_t{10000000}));
  cli.Add("--forget-after", forget_after,
          "forget a node disconnected this long: its status, counters, replay frames and metric "
          "series go, and its place under --max-nodes (0: never; tokens-file nodes stay listed)");
  cli.Add("--line-memory", c.line_memory,
          "bytes of unfinished lines held for all connections together; over it, a line that "
          "grows past 64 KiB is dropped (before the hello: the connection is closed)")
      ->transform(CLI::AsSizeValue(false))
      ->check(CLI::Range(size_t{1} << 20, size_t{1} << 40));
  cli.Switch("--tcp-nodelay", c.tcp_nodelay, "TCP_NODELAY on node sockets", true);
  cli.Add("--tokens-file", c.tokens_file, "node tokens: 'node_id token' lines, '* token' shared");
  app.add_option("--token", c.token, "shared node token (prefer RADARHUB_TOKEN)")
      ->envname("RADARHUB_TOKEN");
  cli.Switch("--auto-provision", c.auto_provision,
             "register unknown nodes that present the shared token", true);
  cli.Switch("--allow-unauthenticated", c.allow_unauthenticated,
             "accept nodes when no token is configured");
  cli.Add("--replay-frames", c.replay_frames, "frames kept per node for resume, at most")
      ->check(CLI::Range(size_t{1}, size_t{1} << 24));
  cli.Add("--replay-memory", c.replay_memory,
          "bytes of frames kept for resume by all nodes together, shared fairly (KiB, MiB, GiB; "
          "each node keeps at least its latest frame)")
      ->transform(CLI::AsSizeValue(false))
      ->check(CLI::Range(size_t{1} << 20, size_t{1} << 40));
  cli.Add("--subscriber-queue", c.subscriber_queue, "events queued per subscriber")
      ->check(CLI::Range(size_t{1}, size_t{1} << 24));
  cli.Add("--subscriber-memory", c.subscriber_memory,
          "bytes of frames queued for all Subscribe streams together; while they are spent, a "
          "stream over an equal share (one that is behind) loses its oldest frames (KiB, MiB, GiB)")
      ->transform(CLI::AsSizeValue(false))
      ->check(CLI::Range(size_t{1} << 20, size_t{1} << 40));
  cli.Add("--max-batch", c.max_batch, "most events in one SubscribeResponse")
      ->check(CLI::Range(size_t{1}, size_t{65536}));
  cli.Add("--max-subscribers", c.max_subscribers, "concurrent Subscribe streams")
      ->check(CLI::Range(size_t{1}, size_t{1000000}));
  app.add_option("--admin-token", c.admin_token,
                 "bearer token of the admin API (IngestAdmin: disconnect, forget); unset: off "
                 "(prefer RADARHUB_ADMIN_TOKEN or the file)")
      ->envname("RADARHUB_ADMIN_TOKEN");
  cli.Add("--admin-token-file", c.admin_token_file,
          "file holding the admin token (wins over --admin-token)");
  cli.AddServiceSettings(c);

  if (!cli.Parse(argc, argv, exit_code)) return std::nullopt;
  exit_code = 2;
  if (!cli.Listen("--node-listen", node_listen, c.node_listen) ||
      !cli.Listen("--grpc-listen", grpc_listen, c.grpc_listen) ||
      !cli.OptionalListen("--metrics-listen", metrics_listen, c.metrics_listen) ||
      !cli.Duration("--auth-timeout", auth_timeout, c.auth_timeout) ||
      !cli.Duration("--idle-timeout", idle_timeout, c.idle_timeout)) {
    return std::nullopt;
  }
  if (forget_after == "0") {
    c.forget_after = std::chrono::milliseconds::zero();
  } else if (!cli.Duration("--forget-after", forget_after, c.forget_after)) {
    return std::nullopt;
  }
  exit_code = 0;
  return c;
}

}  // namespace radarhub::ingest
