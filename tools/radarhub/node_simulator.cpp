#include "node_simulator.hpp"

#include <utility>

#include <atomic>
#include <boost/asio/connect.hpp>
#include <boost/asio/io_context.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <boost/asio/post.hpp>
#include <boost/asio/steady_timer.hpp>
#include <boost/asio/write.hpp>
#include <charconv>
#include <cmath>
#include <memory>
#include <mutex>
#include <optional>
#include <random>
#include <thread>
#include <vector>

#include "radarhub/common/backoff.hpp"
#include "radarhub/common/log.hpp"

namespace radarhub::tools {
namespace {

namespace asio = boost::asio;
using asio::ip::tcp;
using Clock = std::chrono::steady_clock;

constexpr auto kHeartbeatEvery = std::chrono::seconds(5);
constexpr size_t kMaxRateBatchBytes = 64 * 1024;

int64_t NowMs() {
  return std::chrono::duration_cast<std::chrono::milliseconds>(
             std::chrono::system_clock::now().time_since_epoch())
      .count();
}

void AppendFixed(std::string& out, double v, int precision) {
  char buf[64];
  const auto r = std::to_chars(buf, buf + sizeof buf, v, std::chars_format::fixed, precision);
  out.append(buf, r.ptr);
}

void AppendInt(std::string& out, int64_t v) {
  char buf[24];
  const auto r = std::to_chars(buf, buf + sizeof buf, v);
  out.append(buf, r.ptr);
}

struct Shared {
  const SimulatorSettings& settings;
  std::ostream* truth = nullptr;  // guarded by truth_mu
  std::mutex truth_mu;
  Clock::time_point start;    // scenario frames are due at start + (timestamp - start_ms)
  int64_t start_wall_ms = 0;  // and stamped start_wall_ms + (timestamp - start_ms)
  std::optional<tcp::endpoint> literal;    // the ingest as an IP address; else a name to resolve
  common::RateLimiter connect_warnings{};  // one line per reason per 10 s for all nodes
  Clock::time_point end;                   // max(): no end
  std::atomic<bool> stopping{false};
  std::atomic<uint64_t> frames_sent{0}, heartbeats_sent{0}, connects{0}, connect_failures{0};
  std::atomic<int> running{0};
};

// One simulated node: its own connection, timer and target aircraft. Lives on one io_context.
class SimNode final : public std::enable_shared_from_this<SimNode> {
 public:
  // `scenario`: the node's frame source; null for random detections.
  SimNode(asio::io_context& io, Shared& shared, std::string id, uint64_t seed,
          std::unique_ptr<simulation::ScenarioRunner> scenario)
      : io_(io),
        shared_(shared),
        id_(std::move(id)),
        socket_(io),
        resolver_(io),
        timer_(io),
        rng_(seed),
        backoff_(seed),
        scenario_(std::move(scenario)) {
    // A few targets per node that drift smoothly, so a tracker downstream sees real tracks.
    std::uniform_real_distribution<double> delay(5, 150), doppler(-200, 200);
    for (int i = 0; i < 4; ++i) targets_.push_back({delay(rng_), doppler(rng_)});
    if (scenario_) scenario_done_ = !scenario_->Next(scenario_frame_);
  }

  void Start() {
    ++shared_.running;
    Connect();
  }

 private:
  struct Target {
    double delay, doppler;
  };

  bool Finished() const {
    const auto& s = shared_.settings;
    return shared_.stopping.load(std::memory_order_relaxed) || Clock::now() >= shared_.end ||
           (s.frames_per_node != 0 && frames_made_ >= s.frames_per_node) || scenario_done_;
  }

  bool MaxRate() const { return shared_.settings.max_rate && !scenario_; }

  void Connect() {
    if (Finished()) return Done();
    socket_ = tcp::socket(io_);
    if (shared_.literal) {
      socket_.async_connect(*shared_.literal,
                            [self = shared_from_this()](const boost::system::error_code& ec) {
                              self->OnConnect(ec, "connect");
                            });
      return;
    }
    // A name is resolved on every attempt: a restarted ingest may come back at another address
    // (Compose and Kubernetes give a new container a new IP).
    const auto& s = shared_.settings;
    resolver_.async_resolve(
        s.host, std::to_string(s.port),
        [self = shared_from_this()](const boost::system::error_code& resolved,
                                    const tcp::resolver::results_type& results) {
          if (resolved) return self->OnConnect(resolved, "resolve");
          asio::async_connect(self->socket_, results,
                              [self](const boost::system::error_code& ec, const tcp::endpoint&) {
                                self->OnConnect(ec, "connect");
                              });
        });
  }

  void OnConnect(const boost::system::error_code& ec, const char* step) {
    if (ec) {
      ++shared_.connect_failures;
      WarnUnreachable(ec, step);
      return Reconnect();
    }
    ++shared_.connects;
    boost::system::error_code ignored;
    socket_.set_option(tcp::no_delay(true), ignored);
    backoff_.Reset();
    connected_ = true;
    pending_.clear();
    pending_truth_.clear();
    AppendHeartbeat(pending_, /*hello=*/true);
    ++pending_heartbeats_;
    next_tick_ = Clock::now();
    if (MaxRate()) {
      FillMaxRate();
    } else {
      Tick();
    }
    Flush();
  }

  void WarnUnreachable(const boost::system::error_code& ec, const char* step) {
    if (Finished()) return;  // stopping cancels the attempt: not a failure worth a line
    const std::string reason = std::string(step) + ": " + ec.message();
    const uint64_t count = shared_.connect_warnings.Admit(reason, Clock::now());
    if (count == 0) return;
    const auto& s = shared_.settings;
    common::LogWarn("ingest unreachable; retrying",
                    {{"ingest", s.host + ":" + std::to_string(s.port)},
                     {"error", reason},
                     {"count", std::to_string(count)}});
  }

  void Reconnect() {
    connected_ = false;
    boost::system::error_code ignored;
    socket_.close(ignored);
    timer_.cancel();
    if (Finished()) return Done();
    // Capped at the end of the run, which Connect() then notices.
    const auto retry_at = Clock::now() + backoff_.Next();
    timer_.expires_at(std::min(retry_at, shared_.end));
    timer_.async_wait([self = shared_from_this()](const boost::system::error_code& ec) {
      if (!ec) self->Connect();
    });
  }

  // Rate mode: one frame per period on a fixed schedule (no drift); a heartbeat instead when the
  // node sends nothing for 5 s.
  void Tick() {
    if (!connected_) return;
    if (Finished()) return Flush();
    const auto now = Clock::now();
    const auto& s = shared_.settings;
    if (scenario_) {
      AppendDueScenarioFrames(now);
    } else if (s.rate_hz > 0) {
      AppendFrame(pending_);
      ++pending_frames_;
      const auto period = std::chrono::duration_cast<Clock::duration>(
          std::chrono::duration<double>(1.0 / s.rate_hz));
      next_tick_ += period;
      if (next_tick_ < now - std::chrono::seconds(1)) next_tick_ = now;  // long stall: no burst
    } else {
      if (now - last_sent_ >= kHeartbeatEvery) {
        AppendHeartbeat(pending_, false);
        ++pending_heartbeats_;
      }
      next_tick_ = now + kHeartbeatEvery;
    }
    Flush();
    timer_.expires_at(std::min(next_tick_, shared_.end));
    timer_.async_wait([self = shared_from_this()](const boost::system::error_code& ec) {
      if (!ec) self->Tick();
    });
  }

  // Max-rate mode stamps a fresh timestamp on one of kBodies pre-rendered detection bodies, so
  // one sending thread outruns the ingest it is measuring.
  void FillMaxRate() {
    const auto& s = shared_.settings;
    if (bodies_.empty()) {
      for (int i = 0; i < kBodies; ++i) {
        std::string frame;
        AppendFrame(frame);
        const auto cut = frame.find(R"(,"delay")");
        bodies_.push_back(frame.substr(cut));
      }
      frames_made_ = 0;
      prefix_ = R"({"node_id":")" + id_ + R"(","token":")" + s.token + R"(","timestamp":)";
    }
    while (pending_.size() < kMaxRateBatchBytes &&
           (s.frames_per_node == 0 || frames_made_ < s.frames_per_node)) {
      last_timestamp_ = std::max(NowMs(), last_timestamp_ + 1);
      pending_ += prefix_;
      AppendInt(pending_, last_timestamp_);
      pending_ += bodies_[frames_made_ % kBodies];
      ++frames_made_;
      ++pending_frames_;
    }
  }

  void Flush() {
    if (writing_ || pending_.empty() || !connected_) {
      if (!writing_ && pending_.empty() && Finished()) Finish();
      return;
    }
    writing_ = true;
    in_flight_.swap(pending_);
    pending_.clear();
    in_flight_truth_.swap(pending_truth_);
    pending_truth_.clear();
    in_flight_frames_ = std::exchange(pending_frames_, 0);
    in_flight_heartbeats_ = std::exchange(pending_heartbeats_, 0);
    asio::async_write(socket_, asio::buffer(in_flight_),
                      [self = shared_from_this()](const boost::system::error_code& ec, size_t) {
                        self->OnWritten(ec);
                      });
  }

  void OnWritten(const boost::system::error_code& ec) {
    writing_ = false;
    if (ec) {
      // Frames of a failed write are not counted as sent; a fresh connection starts clean.
      pending_frames_ = pending_heartbeats_ = 0;
      return Reconnect();
    }
    shared_.frames_sent.fetch_add(in_flight_frames_, std::memory_order_relaxed);
    shared_.heartbeats_sent.fetch_add(in_flight_heartbeats_, std::memory_order_relaxed);
    if (shared_.truth != nullptr && !in_flight_truth_.empty()) {
      std::lock_guard lock(shared_.truth_mu);
      *shared_.truth << in_flight_truth_;
    }
    last_sent_ = Clock::now();
    if (MaxRate() && !Finished()) FillMaxRate();
    Flush();
  }

  // Everything written: close the sending side so the server reads every line, then finish.
  void Finish() {
    if (done_) return;
    boost::system::error_code ignored;
    socket_.shutdown(tcp::socket::shutdown_send, ignored);
    socket_.close(ignored);
    timer_.cancel();
    Done();
  }

  void Done() {
    if (done_) return;
    done_ = true;
    --shared_.running;
  }

  // Scenario mode: the frames due by now, each stamped with the wall-clock time it is due at.
  // Frames more than a second overdue (missed while disconnected) are skipped, not sent in a
  // burst: live data, not a backlog. A heartbeat when nothing was sent for 5 s.
  void AppendDueScenarioFrames(Clock::time_point now) {
    const int64_t start_ms = scenario_->scenario().start_ms;
    const auto due = [&] {
      return shared_.start + std::chrono::milliseconds(scenario_frame_.timestamp_ms - start_ms);
    };
    bool appended = false;
    while (!Finished() && due() <= now) {
      if (now - due() <= std::chrono::seconds(1)) {
        const int64_t wall_ms = shared_.start_wall_ms + (scenario_frame_.timestamp_ms - start_ms);
        scenario_frame_.timestamp_ms = scenario_frame_.frame.timestamp_ms = wall_ms;
        pending_ += simulation::ToNodeLine(scenario_frame_.frame, id_, shared_.settings.token);
        pending_ += '\n';
        if (shared_.truth != nullptr) {
          pending_truth_ += simulation::ToTruthLine(scenario_frame_, id_);
          pending_truth_ += '\n';
        }
        ++frames_made_;
        ++pending_frames_;
        appended = true;
      }
      scenario_done_ = !scenario_->Next(scenario_frame_);
    }
    if (!appended && pending_heartbeats_ == 0 && now - last_sent_ >= kHeartbeatEvery) {
      AppendHeartbeat(pending_, false);
      ++pending_heartbeats_;
    }
    next_tick_ = scenario_done_ ? now : std::min(due(), now + kHeartbeatEvery);
  }

  void AppendHeartbeat(std::string& out, bool hello) {
    out += R"({"node_id":")";
    out += id_;
    out += R"(","token":")";
    out += shared_.settings.token;
    out += R"(","type":"heartbeat","status":"ok","version":"radarhub-sim/1")";
    if (hello) out += R"(,"capabilities":["adsb"])";
    out += "}\n";
  }

  void AppendFrame(std::string& out) {
    // Timestamps strictly increase per node: equal ones would be dropped as duplicates.
    last_timestamp_ = std::max(NowMs(), last_timestamp_ + 1);
    ++frames_made_;
    const int n = shared_.settings.detections;
    std::normal_distribution<double> jitter(0, 0.05);
    std::uniform_real_distribution<double> unit(0, 1);
    for (auto& t : targets_) {
      t.delay = std::clamp(t.delay + t.doppler * 1e-4, 1.0, 200.0);
      t.doppler += jitter(rng_);
    }
    scratch_.resize(static_cast<size_t>(n));
    for (int i = 0; i < n; ++i) {
      if (i < static_cast<int>(targets_.size())) {
        const Target& t = targets_[static_cast<size_t>(i)];
        scratch_[static_cast<size_t>(i)] = {t.delay + jitter(rng_), t.doppler + jitter(rng_)};
      } else {  // clutter
        scratch_[static_cast<size_t>(i)] = {1 + 199 * unit(rng_), -300 + 600 * unit(rng_)};
      }
    }
    out += R"({"node_id":")";
    out += id_;
    out += R"(","token":")";
    out += shared_.settings.token;
    out += R"(","timestamp":)";
    AppendInt(out, last_timestamp_);
    out += R"(,"delay":[)";
    for (int i = 0; i < n; ++i) {
      if (i) out.push_back(',');
      AppendFixed(out, scratch_[static_cast<size_t>(i)].delay, 3);
    }
    out += R"(],"doppler":[)";
    for (int i = 0; i < n; ++i) {
      if (i) out.push_back(',');
      AppendFixed(out, scratch_[static_cast<size_t>(i)].doppler, 2);
    }
    out += R"(],"snr":[)";
    for (int i = 0; i < n; ++i) {
      if (i) out.push_back(',');
      AppendFixed(out, 8 + 17 * unit(rng_), 2);
    }
    out += R"(],"adsb":[)";
    for (int i = 0; i < n; ++i) {
      if (i) out.push_back(',');
      if (i < static_cast<int>(targets_.size()) && unit(rng_) < shared_.settings.adsb_fraction) {
        out += R"({"hex":"4ca)";
        AppendInt(out, 100 + i);
        out += R"(","flight":"SIM)";
        AppendInt(out, 10 * i + 1);
        out += R"(","alt_baro":)";
        AppendInt(out, 30000 + 1000 * i);
        out += R"(,"lat":53.)";
        AppendInt(out, 100 + i);
        out += R"(,"lon":-6.)";
        AppendInt(out, 200 + i);
        out += "}";
      } else {
        out += "null";
      }
    }
    out += "]}\n";
  }

  asio::io_context& io_;
  Shared& shared_;
  const std::string id_;
  tcp::socket socket_;
  tcp::resolver resolver_;
  asio::steady_timer timer_;
  std::mt19937_64 rng_;
  common::Backoff backoff_;
  std::vector<Target> targets_;
  std::vector<Target> scratch_;
  static constexpr int kBodies = 64;
  std::vector<std::string> bodies_;
  std::string prefix_;
  std::unique_ptr<simulation::ScenarioRunner> scenario_;
  simulation::SimFrame scenario_frame_;  // the next frame the scenario plays
  bool scenario_done_ = false;
  std::string pending_, in_flight_;
  std::string pending_truth_, in_flight_truth_;  // lines for the frames in pending_, in_flight_
  uint64_t pending_frames_ = 0, pending_heartbeats_ = 0;
  uint64_t in_flight_frames_ = 0, in_flight_heartbeats_ = 0;
  uint64_t frames_made_ = 0;
  int64_t last_timestamp_ = 0;
  Clock::time_point next_tick_{}, last_sent_{};
  bool connected_ = false, writing_ = false, done_ = false;
};

}  // namespace

class NodeSimulator::Impl {
 public:
  Impl(SimulatorSettings s, std::ostream* truth) : settings(std::move(s)), shared{settings} {
    shared.truth = truth;
  }
  SimulatorSettings settings;
  Shared shared;
  std::mutex contexts_mutex;  // Stop() runs on another thread while Run() fills `contexts`
  std::vector<std::unique_ptr<asio::io_context>> contexts;
};

NodeSimulator::NodeSimulator(SimulatorSettings settings, std::ostream* truth)
    : impl_(new Impl(std::move(settings), truth)) {}
NodeSimulator::~NodeSimulator() { delete impl_; }

void NodeSimulator::Stop() {
  impl_->shared.stopping = true;
  const std::lock_guard lock(impl_->contexts_mutex);
  for (auto& io : impl_->contexts) io->stop();
}

SimulatorReport NodeSimulator::Run() {
  const SimulatorSettings& s = impl_->settings;
  Shared& shared = impl_->shared;
  boost::system::error_code not_an_address;
  const auto address = asio::ip::make_address(s.host, not_an_address);
  if (!not_an_address) shared.literal = tcp::endpoint(address, s.port);
  const auto start = Clock::now();
  shared.start = start;
  shared.start_wall_ms = NowMs();
  shared.end = s.duration.count() > 0 ? start + s.duration : Clock::time_point::max();
  const int threads = std::max(1, s.threads);
  {
    const std::lock_guard lock(impl_->contexts_mutex);
    for (int t = 0; t < threads; ++t) {
      impl_->contexts.push_back(std::make_unique<asio::io_context>(1));
      if (shared.stopping) impl_->contexts.back()->stop();  // Stop() came first
    }
  }
  const int nodes = s.node_ids.empty() ? s.nodes : static_cast<int>(s.node_ids.size());
  for (int i = 0; i < nodes; ++i) {
    char id[96];
    if (s.node_ids.empty()) {
      std::snprintf(id, sizeof id, "%s-%04d", s.node_prefix.c_str(), i + 1);
    } else {
      std::snprintf(id, sizeof id, "%s", s.node_ids[static_cast<size_t>(i)].c_str());
    }
    auto& io = *impl_->contexts[static_cast<size_t>(i % threads)];
    std::unique_ptr<simulation::ScenarioRunner> scenario;
    if (s.scenario) {
      simulation::Scenario own = *s.scenario;
      own.seed += static_cast<uint64_t>(i);
      scenario = std::make_unique<simulation::ScenarioRunner>(std::move(own));
    }
    auto node = std::make_shared<SimNode>(
        io, shared, id, s.seed * 1000003 + static_cast<uint64_t>(i), std::move(scenario));
    asio::post(io, [node] { node->Start(); });
  }
  std::vector<std::thread> workers;
  for (auto& io : impl_->contexts) workers.emplace_back([&io] { io->run(); });
  for (auto& w : workers) w.join();
  SimulatorReport report;
  report.frames_sent = shared.frames_sent;
  report.heartbeats_sent = shared.heartbeats_sent;
  report.connects = shared.connects;
  report.connect_failures = shared.connect_failures;
  report.seconds = std::chrono::duration<double>(Clock::now() - start).count();
  return report;
}

}  // namespace radarhub::tools
