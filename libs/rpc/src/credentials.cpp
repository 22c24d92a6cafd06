#include "radarhub/rpc/credentials.hpp"

#include <grpcpp/security/tls_certificate_provider.h>
#include <grpcpp/security/tls_credentials_options.h>

#include <fstream>
#include <sstream>

#include "radarhub/auth/secret.hpp"

namespace radarhub::rpc {

namespace {

bool ReadPem(const char* setting, const std::string& path, std::string& out, std::string& error) {
  std::ifstream in(path, std::ios::binary);
  std::ostringstream text;
  if (in) text << in.rdbuf();
  out = std::move(text).str();
  if (!in || out.find("-----BEGIN") == std::string::npos) {
    error = std::string(setting) + ": cannot read a PEM file at " + path;
    return false;
  }
  return true;
}

}  // namespace

std::shared_ptr<grpc::ServerCredentials> MakeServerCredentials(const ServerTlsSettings& tls,
                                                               std::string& error) {
  if (tls.cert_file.empty() && tls.key_file.empty()) {
    if (!tls.client_ca_file.empty()) {
      error = "--tls-client-ca: needs --tls-cert and --tls-key (mTLS is on top of TLS)";
      return nullptr;
    }
    return grpc::InsecureServerCredentials();
  }
  if (tls.cert_file.empty() || tls.key_file.empty()) {
    error = tls.cert_file.empty() ? "--tls-key: needs --tls-cert" : "--tls-cert: needs --tls-key";
    return nullptr;
  }
  grpc::SslServerCredentialsOptions::PemKeyCertPair pair;
  if (!ReadPem("--tls-cert", tls.cert_file, pair.cert_chain, error)) return nullptr;
  if (!auth::ReadPrivateFile("--tls-key", tls.key_file, pair.private_key, error)) return nullptr;
  if (tls.reload_interval.count() > 0) {
    // The files were read above only to refuse bad ones with a clear line; gRPC reads them now
    // and again every interval, and keeps the last good set when a read fails.
    std::string root;
    if (!tls.client_ca_file.empty() &&
        !ReadPem("--tls-client-ca", tls.client_ca_file, root, error)) {
      return nullptr;
    }
    auto provider = std::make_shared<grpc::experimental::FileWatcherCertificateProvider>(
        tls.key_file, tls.cert_file, tls.client_ca_file,
        static_cast<unsigned>(tls.reload_interval.count()));
    grpc::experimental::TlsServerCredentialsOptions options(provider);
    options.watch_identity_key_cert_pairs();
    if (!tls.client_ca_file.empty()) {
      options.watch_root_certs();
      options.set_cert_request_type(GRPC_SSL_REQUEST_AND_REQUIRE_CLIENT_CERTIFICATE_AND_VERIFY);
    }
    return grpc::experimental::TlsServerCredentials(options);
  }
  grpc::SslServerCredentialsOptions options;
  options.pem_key_cert_pairs.push_back(std::move(pair));
  if (!tls.client_ca_file.empty()) {
    if (!ReadPem("--tls-client-ca", tls.client_ca_file, options.pem_root_certs, error)) {
      return nullptr;
    }
    options.client_certificate_request = GRPC_SSL_REQUEST_AND_REQUIRE_CLIENT_CERTIFICATE_AND_VERIFY;
  }
  return grpc::SslServerCredentials(options);
}

std::shared_ptr<grpc::ChannelCredentials> MakeChannelCredentials(const ClientTlsSettings& tls,
                                                                 std::string& error) {
  if (!tls.tls && tls.ca_file.empty() && tls.cert_file.empty() && tls.key_file.empty()) {
    return grpc::InsecureChannelCredentials();
  }
  const std::string ca = tls.flags + "-ca", cert = tls.flags + "-cert", key = tls.flags + "-key";
  if (tls.cert_file.empty() != tls.key_file.empty()) {
    error = tls.cert_file.empty() ? key + ": needs " + cert : cert + ": needs " + key;
    return nullptr;
  }
  grpc::SslCredentialsOptions options;
  if (!tls.ca_file.empty() && !ReadPem(ca.c_str(), tls.ca_file, options.pem_root_certs, error)) {
    return nullptr;
  }
  if (!tls.cert_file.empty()) {
    if (!ReadPem(cert.c_str(), tls.cert_file, options.pem_cert_chain, error)) return nullptr;
    if (!auth::ReadPrivateFile(key.c_str(), tls.key_file, options.pem_private_key, error)) {
      return nullptr;
    }
  }
  if (tls.reload_interval.count() > 0 && (!tls.ca_file.empty() || !tls.cert_file.empty())) {
    // Checked above; from here gRPC reads them, now and every interval, keeping the last good set.
    auto provider = std::make_shared<grpc::experimental::FileWatcherCertificateProvider>(
        tls.key_file, tls.cert_file, tls.ca_file,
        static_cast<unsigned>(tls.reload_interval.count()));
    grpc::experimental::TlsChannelCredentialsOptions reloading;
    reloading.set_certificate_provider(provider);
    if (!tls.ca_file.empty()) reloading.watch_root_certs();  // else the system roots
    if (!tls.cert_file.empty()) reloading.watch_identity_key_cert_pairs();
    return grpc::experimental::TlsCredentials(reloading);
  }
  return grpc::SslCredentials(options);
}

}  // namespace radarhub::rpc
