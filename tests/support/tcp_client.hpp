#pragma once

#include <chrono>
#include <cstdint>
#include <string>
#include <string_view>

namespace radarhub::testing {

// A blocking loopback TCP client for tests: sends bytes, and tells when the server closed.
class TcpClient final {
 public:
  explicit TcpClient(uint16_t port);
  ~TcpClient();
  TcpClient(const TcpClient&) = delete;
  TcpClient& operator=(const TcpClient&) = delete;

  bool connected() const { return fd_ >= 0; }
  // False once the server has closed the connection.
  bool Send(std::string_view bytes);
  // True if the server closes (EOF or reset) within `timeout`; bytes it sent are discarded.
  bool WaitClosed(std::chrono::milliseconds timeout);
  // Closes with a TCP reset instead of a FIN.
  void Reset();
  void Close();
  uint16_t local_port() const;

 private:
  int fd_ = -1;
};

}  // namespace radarhub::testing
