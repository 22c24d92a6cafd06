#include "http_get.hpp"

#include <utility>

#include <boost/asio/connect.hpp>
#include <boost/asio/io_context.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <boost/asio/read.hpp>
#include <boost/asio/streambuf.hpp>
#include <boost/asio/write.hpp>

namespace radarhub::tools {

std::optional<std::string> HttpGet(const std::string& host, uint16_t port, const std::string& path,
                                   std::chrono::milliseconds timeout) {
  namespace asio = boost::asio;
  using asio::ip::tcp;
  asio::io_context io;
  tcp::socket socket(io);
  boost::system::error_code ec;
  std::string response;
  bool ok = false;
  tcp::resolver resolver(io);
  resolver.async_resolve(host, std::to_string(port), [&](auto rec, tcp::resolver::results_type r) {
    if (rec) return;
    asio::async_connect(socket, r, [&](auto cec, const tcp::endpoint&) {
      if (cec) return;
      auto request = std::make_shared<std::string>("GET " + path + " HTTP/1.0\r\nHost: " + host +
                                                   "\r\nConnection: close\r\n\r\n");
      asio::async_write(socket, asio::buffer(*request), [&, request](auto wec, size_t) {
        if (wec) return;
        asio::async_read(socket, asio::dynamic_buffer(response),
                         [&](auto rerr, size_t) { ok = rerr == asio::error::eof || !rerr; });
      });
    });
  });
  io.run_for(timeout);
  if (!ok) return std::nullopt;
  const auto body = response.find("\r\n\r\n");
  if (body == std::string::npos || response.compare(0, 12, "HTTP/1.0 200") != 0) {
    if (response.compare(0, 12, "HTTP/1.1 200") != 0) return std::nullopt;
  }
  return body == std::string::npos ? std::nullopt
                                   : std::optional<std::string>(response.substr(body + 4));
}

}  // namespace radarhub::tools
