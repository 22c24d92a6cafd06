#pragma once

#include <grpcpp/security/credentials.h>
#include <grpcpp/security/server_credentials.h>

#include <chrono>
#include <memory>
#include <string>

namespace radarhub::rpc {

// Server side (api.md "Subscriber auth"): plaintext unless a certificate and key are given;
// with a client CA, clients must present a certificate it signed (mTLS).
struct ServerTlsSettings {
  std::string cert_file;
  std::string key_file;        // secret: must not be readable by group or others
  std::string client_ca_file;  // empty: no client certificates asked for
  // Above zero: the three files are read again this often and a good new set serves new
  // connections (gRPC's FileWatcherCertificateProvider), so certificates rotate without a restart.
  std::chrono::seconds reload_interval{0};
};
// Null with a one-line reason naming the setting on bad files or combinations.
std::shared_ptr<grpc::ServerCredentials> MakeServerCredentials(const ServerTlsSettings& tls,
                                                               std::string& error);

// Client side (radarhub watch/health, the tracker): TLS when any file is given or `tls` is set.
struct ClientTlsSettings {
  bool tls = false;
  std::string ca_file;    // empty: the system roots
  std::string cert_file;  // with key_file: a client certificate (mTLS)
  std::string key_file;
  std::string flags = "--tls";  // how errors name the settings: <flags>-ca, <flags>-cert, ...
  // Above zero: the files are read again this often, and new connections use a good new set (a
  // long-lived client, the tracker, whose certificate rotates).
  std::chrono::seconds reload_interval{0};
};
std::shared_ptr<grpc::ChannelCredentials> MakeChannelCredentials(const ClientTlsSettings& tls,
                                                                 std::string& error);

}  // namespace radarhub::rpc
