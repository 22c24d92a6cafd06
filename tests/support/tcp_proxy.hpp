#pragma once

#include <cstdint>
#include <memory>

namespace radarhub::testing {

// A loopback TCP proxy the test controls: forwards every connection to 127.0.0.1:`upstream`
// until Break() resets them all and refuses new ones; Heal() listens again on the same port.
class TcpProxy final {
 public:
  explicit TcpProxy(uint16_t upstream);
  ~TcpProxy();
  TcpProxy(const TcpProxy&) = delete;
  TcpProxy& operator=(const TcpProxy&) = delete;

  uint16_t port() const;
  void Break();
  void Heal();

 private:
  struct Impl;
  std::unique_ptr<Impl> impl_;
};

}  // namespace radarhub::testing
