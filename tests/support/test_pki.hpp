#pragma once

#include <sys/stat.h>

#include <cstdlib>
#include <fstream>
#include <iterator>
#include <string>
#include <vector>

#include "support/temp_dir.hpp"

namespace radarhub::testing {

// Certificates made by the openssl CLI for one test: a CA, a server certificate for 127.0.0.1,
// a client certificate from the same CA, and one from a CA the server does not trust.
class TestPki {
 public:
  TestPki() {
    const std::string d = dir_.path();
    const std::string key = " -newkey ec -pkeyopt ec_paramgen_curve:prime256v1 -nodes";
    dir_.Write("server.ext", "subjectAltName=IP:127.0.0.1,DNS:localhost\n", 0644);
    const std::vector<std::string> commands = {
        "openssl req -x509" + key + " -keyout " + d + "/ca.key -out " + d +
            "/ca.pem -days 1 -subj /CN=radarhub-test-ca",
        "openssl req -x509" + key + " -keyout " + d + "/rogue-ca.key -out " + d +
            "/rogue-ca.pem -days 1 -subj /CN=rogue-ca",
        Leaf("server", "ca", " -extfile " + d + "/server.ext"),
        Leaf("client", "ca", ""),
        Leaf("rogue", "rogue-ca", ""),
    };
    for (const auto& c : commands) {
      ok_ = ok_ && std::system((c + " >/dev/null 2>&1").c_str()) == 0;
    }
    for (const char* k : {"server.key", "client.key", "rogue.key"}) {
      ::chmod(dir_.File(k).c_str(), 0600);
    }
  }
  bool ok() const { return ok_; }
  std::string Path(const std::string& name) const { return dir_.File(name); }
  std::string Read(const std::string& name) const {
    std::ifstream in(dir_.File(name));
    return std::string(std::istreambuf_iterator<char>(in), {});
  }

 private:
  std::string Leaf(const std::string& name, const std::string& ca, const std::string& extra) {
    const std::string d = dir_.path();
    return "openssl req -newkey ec -pkeyopt ec_paramgen_curve:prime256v1 -nodes -keyout " + d +
           "/" + name + ".key -out " + d + "/" + name + ".csr -subj /CN=" + name +
           " && openssl x509 -req -in " + d + "/" + name + ".csr -CA " + d + "/" + ca +
           ".pem -CAkey " + d + "/" + ca + ".key -CAcreateserial -days 1 -out " + d + "/" + name +
           ".pem" + extra;
  }
  TempDir dir_;
  bool ok_ = true;
};

}  // namespace radarhub::testing
