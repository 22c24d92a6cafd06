#include "support/tcp_proxy.hpp"

#include <utility>

#include <array>
#include <boost/asio.hpp>
#include <future>
#include <thread>
#include <vector>

namespace radarhub::testing {

namespace asio = boost::asio;
using asio::ip::tcp;

namespace {

// Both directions of one proxied connection.
struct Pipe : std::enable_shared_from_this<Pipe> {
  explicit Pipe(asio::io_context& io) : client(io), server(io) {}

  void Start(uint16_t upstream) {
    server.async_connect(tcp::endpoint(asio::ip::address_v4::loopback(), upstream),
                         [self = shared_from_this()](const boost::system::error_code& ec) {
                           if (ec) return self->Reset();
                           self->Pump(self->client, self->server, self->up);
                           self->Pump(self->server, self->client, self->down);
                         });
  }

  void Pump(tcp::socket& from, tcp::socket& to, std::array<char, 65536>& buffer) {
    from.async_read_some(asio::buffer(buffer), [self = shared_from_this(), &from, &to, &buffer](
                                                   const boost::system::error_code& ec, size_t n) {
      if (ec) return self->Reset();
      asio::async_write(to, asio::buffer(buffer.data(), n),
                        [self, &from, &to, &buffer](const boost::system::error_code& wec, size_t) {
                          if (wec) return self->Reset();
                          self->Pump(from, to, buffer);
                        });
    });
  }

  // An abrupt break, as a failing network or a dying peer would give: RST, not FIN.
  void Reset() {
    for (tcp::socket* s : {&client, &server}) {
      if (!s->is_open()) continue;
      boost::system::error_code ignored;
      s->set_option(asio::socket_base::linger(true, 0), ignored);
      s->close(ignored);
    }
  }

  tcp::socket client, server;
  std::array<char, 65536> up{}, down{};
};

}  // namespace

struct TcpProxy::Impl {
  explicit Impl(uint16_t upstream_port) : upstream(upstream_port), acceptor(io) {}

  void Listen(uint16_t on) {
    acceptor.open(tcp::v4());
    acceptor.set_option(asio::socket_base::reuse_address(true));
    acceptor.bind(tcp::endpoint(asio::ip::address_v4::loopback(), on));
    acceptor.listen();
    port = acceptor.local_endpoint().port();
    Accept();
  }

  void Accept() {
    auto pipe = std::make_shared<Pipe>(io);
    acceptor.async_accept(pipe->client, [this, pipe](const boost::system::error_code& ec) {
      if (ec) return;
      pipes.push_back(pipe);
      pipe->Start(upstream);
      Accept();
    });
  }

  // Runs `fn` on the proxy's thread and waits for it.
  template <typename Fn>
  void Run(Fn fn) {
    std::promise<void> done;
    asio::post(io, [&] {
      fn();
      done.set_value();
    });
    done.get_future().wait();
  }

  const uint16_t upstream;
  asio::io_context io;
  asio::executor_work_guard<asio::io_context::executor_type> guard{io.get_executor()};
  tcp::acceptor acceptor;
  uint16_t port = 0;
  std::vector<std::shared_ptr<Pipe>> pipes;
  std::thread thread;
};

TcpProxy::TcpProxy(uint16_t upstream) : impl_(std::make_unique<Impl>(upstream)) {
  impl_->Listen(0);
  impl_->thread = std::thread([this] { impl_->io.run(); });
}

TcpProxy::~TcpProxy() {
  Break();
  impl_->guard.reset();
  impl_->io.stop();
  impl_->thread.join();
}

uint16_t TcpProxy::port() const { return impl_->port; }

void TcpProxy::Break() {
  impl_->Run([this] {
    boost::system::error_code ignored;
    impl_->acceptor.close(ignored);
    for (auto& pipe : impl_->pipes) pipe->Reset();
    impl_->pipes.clear();
  });
}

void TcpProxy::Heal() {
  impl_->Run([this] { impl_->Listen(impl_->port); });
}

}  // namespace radarhub::testing
