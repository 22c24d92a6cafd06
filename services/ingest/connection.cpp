#include "connection.hpp"

#include <boost/asio/post.hpp>
#include <optional>

#include "radarhub/auth/token_store.hpp"
#include "radarhub/common/log.hpp"
#include "radarhub/hub/hub.hpp"
#include "radarhub/registry/node_registry.hpp"
#include "status_event.hpp"

namespace radarhub::ingest {
namespace {

namespace asio = boost::asio;
using asio::ip::tcp;

constexpr size_t kReadBufferBytes = 64 * 1024;
// Reads per readiness event before yielding the thread: a flooding peer gets its turn, no more.
constexpr int kReadsPerTurn = 4;

// One parser and one read buffer per I/O thread, shared by every connection on it: lines are
// parsed in place in the buffer they were read into.
protocol::Parser& ThreadParser(const protocol::ParseLimits& limits) {
  thread_local std::unique_ptr<protocol::Parser> parser;
  if (!parser) parser = std::make_unique<protocol::Parser>(limits);
  return *parser;
}

char* ThreadReadBuffer() {
  thread_local std::unique_ptr<char[]> buffer(new char[kReadBufferBytes + protocol::kLinePadding]);
  return buffer.get();
}

std::string PeerOf(const tcp::socket& socket) {
  boost::system::error_code ec;
  const auto ep = socket.remote_endpoint(ec);
  if (ec) return "unknown";
  const auto address = ep.address().to_string();
  return (ep.address().is_v6() ? "[" + address + "]" : address) + ":" + std::to_string(ep.port());
}

protocol::WallTime ToWallTime(registry::WallClock::time_point t) {
  const auto ns =
      std::chrono::duration_cast<std::chrono::nanoseconds>(t.time_since_epoch()).count();
  return {ns / 1000000000, static_cast<int32_t>(ns % 1000000000)};
}

}  // namespace

Connection::Connection(tcp::socket socket, uint64_t id, const ConnectionServices& services,
                       ConnectionOwner& owner)
    : socket_(std::move(socket)),
      timer_(socket_.get_executor()),
      id_(id),
      services_(services),
      owner_(owner),
      framer_(services.settings.max_line_bytes),
      warn_limiter_(services.log_limiter.period()) {}

void Connection::Start() {
  if (closed_) return;  // closed (takeover, shutdown) before it started
  peer_ = PeerOf(socket_);
  boost::system::error_code ec;
  socket_.non_blocking(true, ec);
  socket_.set_option(tcp::no_delay(services_.settings.tcp_nodelay), ec);
  socket_.set_option(asio::socket_base::keep_alive(true), ec);
  last_activity_ = SteadyClock::now();
  ArmTimer(last_activity_ + services_.settings.auth_timeout);
  WaitReadable();
}

void Connection::Close(CloseReason reason) {
  asio::post(socket_.get_executor(),
             [self = shared_from_this(), reason] { self->Shutdown(reason); });
}

void Connection::WaitReadable() {
  socket_.async_wait(tcp::socket::wait_read,
                     [self = shared_from_this()](const boost::system::error_code& ec) {
                       if (!ec) {
                         self->OnReadable();
                       } else if (ec != asio::error::operation_aborted) {
                         self->Shutdown(CloseReason::kError);
                       }
                     });
}

void Connection::OnReadable() {
  if (closed_) return;
  char* const buffer = ThreadReadBuffer();
  for (int i = 0; i < kReadsPerTurn; ++i) {
    boost::system::error_code ec;
    const size_t n = socket_.read_some(asio::buffer(buffer, kReadBufferBytes), ec);
    if (ec == asio::error::would_block || ec == asio::error::try_again) {
      WaitReadable();
      return;
    }
    if (ec == asio::error::eof) {
      Shutdown(CloseReason::kPeerClosed);  // a partial last line is discarded with the framer
      return;
    }
    if (ec) {
      Shutdown(CloseReason::kError, ec.message());
      return;
    }
    last_activity_ = SteadyClock::now();
    read_at_wall_ = registry::WallClock::now();
    received_at_ = ToWallTime(read_at_wall_);
    if (!framer_.Consume(buffer, n, *this)) return;
    if (framer_.buffered() != partial_accounted_ && !AccountPartialLine()) return;
    if (n < kReadBufferBytes) {
      WaitReadable();
      return;
    }
  }
  asio::post(socket_.get_executor(), [self = shared_from_this()] { self->OnReadable(); });
}

void Connection::ArmTimer(SteadyClock::time_point deadline) {
  timer_.expires_at(deadline);
  timer_.async_wait([self = shared_from_this()](const boost::system::error_code& ec) {
    if (!ec) self->OnTimer();
  });
}

// One timer per connection, re-armed lazily: reads only stamp last_activity_, so a busy
// connection costs no timer operations per read.
void Connection::OnTimer() {
  if (closed_) return;
  if (node_ == nullptr) {
    Shutdown(CloseReason::kAuthTimeout);
    return;
  }
  const auto deadline = last_activity_ + services_.settings.idle_timeout;
  if (SteadyClock::now() >= deadline) {
    Shutdown(CloseReason::kIdle);
  } else {
    ArmTimer(deadline);
  }
}

namespace {
// A partial line this small is never cut for the budget: a hello or an ordinary frame split
// across reads always completes.
constexpr size_t kOwnPartialAllowance = 64 * 1024;
}  // namespace

bool Connection::AccountPartialLine() {
  std::atomic<size_t>& total = services_.metrics.partial_line_bytes();
  const size_t held = framer_.buffered();
  if (held > partial_accounted_) {
    total.fetch_add(held - partial_accounted_, std::memory_order_relaxed);
  } else {
    total.fetch_sub(partial_accounted_ - held, std::memory_order_relaxed);
  }
  partial_accounted_ = held;
  if (held <= kOwnPartialAllowance ||
      total.load(std::memory_order_relaxed) <= services_.settings.line_memory) {
    return true;
  }
  total.fetch_sub(held, std::memory_order_relaxed);
  partial_accounted_ = 0;
  framer_.DiscardPartial();
  if (node_ == nullptr) {
    Shutdown(CloseReason::kBadHello, "unfinished first line while --line-memory is spent");
    return false;
  }
  return OnOverlong();
}

bool Connection::OnOverlong() {
  if (node_ == nullptr) {
    Shutdown(CloseReason::kBadHello, "first line over --max-line-bytes");
    return false;
  }
  services_.metrics.Rejected(ExtraReject::kLineTooLong);
  services_.registry.CountRejected(*node_, 0);
  Warn("line_too_long");
  return true;
}

bool Connection::OnLine(char* line, size_t length) {
  if (closed_) return false;
  if (node_ == nullptr) return OnHello(line, length);
  protocol::Parser& parser = ThreadParser(services_.settings.parse_limits);
  protocol::Message message;
  const protocol::Reject reject = parser.Parse(line, length, message);
  if (message.has_node_id && message.node_id != node_->id()) {
    Shutdown(CloseReason::kNodeMismatch, message.node_id);
    return false;
  }
  if (reject != protocol::Reject::kNone) {
    services_.metrics.Rejected(reject);
    services_.registry.CountRejected(*node_, length + 1);
    Warn(protocol::RejectName(reject));
    return true;
  }
  return Handle(message, length + 1);
}

bool Connection::OnHello(char* line, size_t length) {
  protocol::Parser& parser = ThreadParser(services_.settings.parse_limits);
  protocol::Message hello;
  const protocol::Reject reject = parser.Parse(line, length, hello);
  if (reject != protocol::Reject::kNone) {
    Shutdown(CloseReason::kBadHello, protocol::RejectName(reject));
    return false;
  }
  if (hello.type == protocol::MessageType::kUnknown || !hello.has_token) {
    Shutdown(CloseReason::kBadHello,
             hello.has_token ? "first line is neither frame nor heartbeat" : "no token");
    return false;
  }
  const std::string node_id(hello.node_id);
  switch (services_.tokens.Check(node_id, hello.token)) {
    case auth::AuthResult::kOk:
      break;
    case auth::AuthResult::kDenied:
      Shutdown(CloseReason::kAuth, "wrong token for " + node_id);
      return false;
    case auth::AuthResult::kUnknownNode:
      Shutdown(CloseReason::kAuth, "unknown node " + node_id + " (auto-provision off)");
      return false;
  }
  std::optional<uint64_t> previous;
  do {  // again if the node was forgotten meanwhile: it registers anew
    node_ = services_.registry.GetWithin(node_id, services_.settings.max_nodes);
    if (node_ == nullptr) {
      Shutdown(CloseReason::kLimit, "--max-nodes registered; " + node_id + " is new");
      return false;
    }
    channel_ = node_->channel();
    previous = services_.registry.Attach(
        *node_, id_, peer_, registry::WallClock::now(), [&](const v1::NodeStatus& status) {
          services_.hub.Publish(*channel_, MakeStatusEvent(status));
        });
  } while (!previous);
  if (*previous != 0) owner_.Supersede(*previous);
  owner_.Authenticated(id_);
  ArmTimer(last_activity_ + services_.settings.idle_timeout);  // from auth deadline to idle
  // A node reconnecting hundreds of times a second makes one line per period, with the count.
  if (const uint64_t count = services_.log_limiter.Admit("connected/" + node_id, last_activity_);
      count != 0) {
    common::LogInfo("node connected", {{"node_id", node_id},
                                       {"peer", peer_},
                                       {"takeover", *previous != 0 ? "true" : "false"},
                                       {"count", std::to_string(count)}});
  }
  return Handle(hello, length + 1);
}

bool Connection::Handle(const protocol::Message& message, size_t bytes) {
  switch (message.type) {
    case protocol::MessageType::kHeartbeat:
      services_.registry.Heartbeat(
          *node_, bytes, message.advertisement_too_large ? nullptr : &message.advertisement,
          registry::WallClock::now());
      if (message.advertisement_too_large) Warn("advertisement_too_large");
      return true;
    case protocol::MessageType::kUnknown:
      services_.metrics.Rejected(ExtraReject::kUnknownType);
      services_.registry.CountBytes(*node_, bytes);
      Warn("unknown_type", message.type_name);
      return true;
    case protocol::MessageType::kFrame:
      break;
  }
  const uint64_t epoch = node_->epoch();
  bool out_of_order = false;
  const registry::Admission admission = services_.registry.AcceptFrame(
      *node_, id_, message.timestamp_ms, bytes, read_at_wall_, out_of_order,
      [&](uint64_t sequence) {
        auto event = std::make_shared<hub::Event>();
        event->kind = hub::Event::Kind::kFrame;
        event->sequence = sequence;
        protocol::AppendFrameEvent(message, sequence, epoch, received_at_, event->payload);
        services_.hub.Publish(*channel_, std::move(event));
      });
  switch (admission) {
    case registry::Admission::kAccepted:
      services_.metrics.PublishLatency(SteadyClock::now() - last_activity_);
      if (out_of_order) Note(common::LogLevel::kInfo, "frame out of order", "out_of_order");
      return true;
    case registry::Admission::kDuplicate:
      Warn("deduplicated");
      return true;
    case registry::Admission::kNotOwner:
      Shutdown(CloseReason::kSuperseded);
      return false;
  }
  return true;
}

void Connection::Warn(std::string_view reason, std::string_view detail) {
  Note(common::LogLevel::kWarn, "frame dropped", reason, detail);
}

void Connection::Note(common::LogLevel level, std::string_view message, std::string_view reason,
                      std::string_view detail) {
  // Held back here first: a flood of bad frames costs no lock and no allocation per frame. The
  // time of the read that brought the line is recent enough for a 10 s period.
  const uint64_t held = warn_limiter_.Admit(reason, last_activity_);
  if (held == 0) return;
  std::string key = node_ != nullptr ? node_->id() : peer_;
  key.push_back('/');
  key += reason;
  const uint64_t count = services_.log_limiter.Admit(key, last_activity_, held);
  if (count == 0) return;
  common::Logger::Fields fields = {{"node_id", node_ != nullptr ? node_->id() : ""},
                                   {"peer", peer_},
                                   {"reason", std::string(reason)},
                                   {"count", std::to_string(count)}};
  if (!detail.empty()) fields.emplace_back("detail", std::string(detail));
  common::Logger::Write(level, message, fields);
}

void Connection::Shutdown(CloseReason reason, std::string_view detail) {
  if (closed_) return;
  closed_ = true;
  services_.metrics.partial_line_bytes().fetch_sub(partial_accounted_, std::memory_order_relaxed);
  partial_accounted_ = 0;
  // Account first, close last: whoever sees the socket closed also sees why.
  services_.metrics.ConnectionClosed(reason);
  if (node_ != nullptr) {
    services_.registry.Detach(*node_, id_, registry::WallClock::now(),
                              [&](const v1::NodeStatus& status) {
                                services_.hub.Publish(*channel_, MakeStatusEvent(status));
                              });
  }
  // Log keys name the node, or for a stranger only its address, so a flood of failed
  // connections from one host makes one line per period.
  const std::string who = node_ != nullptr ? node_->id() : peer_.substr(0, peer_.rfind(':'));
  const std::string_view name = CloseReasonName(reason);
  const uint64_t count =
      services_.log_limiter.Admit("close/" + who + "/" + std::string(name), SteadyClock::now());
  if (count != 0) {
    common::Logger::Fields fields = {{"reason", std::string(name)},
                                     {"peer", peer_},
                                     {"node_id", node_ != nullptr ? node_->id() : ""},
                                     {"count", std::to_string(count)}};
    if (!detail.empty()) fields.emplace_back("detail", std::string(detail));
    const bool expected = reason == CloseReason::kPeerClosed ||
                          reason == CloseReason::kSuperseded || reason == CloseReason::kShutdown;
    common::Logger::Write(expected ? common::LogLevel::kInfo : common::LogLevel::kWarn,
                          "connection closed", fields);
  }
  // The server forgets the connection (and counts a failed login against its address) before the
  // socket closes, so a peer that sees the close and connects again meets the throttle it earned.
  owner_.Closed(id_, reason);
  boost::system::error_code ignored;
  socket_.close(ignored);
  timer_.cancel();
}

}  // namespace radarhub::ingest
