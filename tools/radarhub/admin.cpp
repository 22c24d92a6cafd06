#include "admin.hpp"

#include <google/protobuf/util/json_util.h>

#include <CLI/CLI.hpp>
#include <iostream>

#include "radarhub/auth/secret.hpp"
#include "radarhub/cli/cli.hpp"
#include "radarhub/v1/radarhub.grpc.pb.h"

namespace radarhub::tools {

void AddAdminOptions(CLI::App& command, AdminSettings& s) {
  command.add_option("node_id", s.node_id, "the node")->required();
  command.add_option("--grpc", s.client.target, "ingest gRPC HOST:PORT")->envname("RADARHUB_GRPC");
  cli::AddSwitch(command, "--tls", s.client.tls.tls,
                 "use TLS (implied by the other --tls-* options)", "");
  command.add_option("--tls-ca", s.client.tls.ca_file, "PEM CA to verify the server");
  command.add_option("--tls-cert", s.client.tls.cert_file, "PEM client certificate (mTLS)");
  command.add_option("--tls-key", s.client.tls.key_file, "PEM key of --tls-cert");
  command.add_option("--admin-token", s.client.api_token, "prefer RADARHUB_ADMIN_TOKEN")
      ->envname("RADARHUB_ADMIN_TOKEN");
  command.add_option("--admin-token-file", s.client.api_token_file, "file holding the token");
}

int RunAdmin(const AdminSettings& s) {
  const std::string program = s.forget ? "radarhub forget" : "radarhub disconnect";
  std::string error, token = s.client.api_token;
  if (!s.client.api_token_file.empty() &&
      !auth::ReadSecretLine("--admin-token-file", s.client.api_token_file, token, error)) {
    std::cerr << program << ": " << error << "\n";
    return 2;
  }
  const auto channel = OpenChannel(s.client, error);
  if (!channel) {
    std::cerr << program << ": " << error << "\n";
    return 2;
  }
  auto stub = v1::IngestAdmin::NewStub(channel);
  grpc::ClientContext context;
  context.set_deadline(std::chrono::system_clock::now() + std::chrono::seconds(10));
  if (!token.empty()) context.AddMetadata("authorization", "Bearer " + token);
  v1::NodeStatus node;
  grpc::Status status;
  if (s.forget) {
    v1::ForgetNodeRequest request;
    request.set_node_id(s.node_id);
    request.set_disconnect(s.disconnect);
    v1::ForgetNodeResponse response;
    status = stub->ForgetNode(&context, request, &response);
    node = response.last_status();
  } else {
    v1::DisconnectNodeRequest request;
    request.set_node_id(s.node_id);
    status = stub->DisconnectNode(&context, request, &node);
  }
  if (!status.ok()) {
    std::cerr << program << ": " << StatusCodeName(status.error_code()) << ": "
              << status.error_message() << "\n";
    return 1;
  }
  std::string line;
  google::protobuf::util::JsonPrintOptions json;
  json.preserve_proto_field_names = true;
  json.always_print_primitive_fields = true;  // "connected": false says something here
  (void)google::protobuf::util::MessageToJsonString(node, &line, json);
  std::cout << line << "\n";
  return 0;
}

}  // namespace radarhub::tools
