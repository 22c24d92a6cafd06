#pragma once

#include <string>

#include "grpc_client.hpp"

namespace radarhub::tools {

// `radarhub disconnect` and `radarhub forget`: radarhub.v1.IngestAdmin with the admin token.
struct AdminSettings {
  ClientSettings client;  // api_token / api_token_file hold the admin token here
  std::string node_id;
  bool forget = false;      // ForgetNode; else DisconnectNode
  bool disconnect = false;  // ForgetNode: close the connection first
};

void AddAdminOptions(CLI::App& command, AdminSettings& settings);
// Prints the node's status as one JSON line; exit 0, 1 on an RPC error, 2 on a bad setting.
int RunAdmin(const AdminSettings& settings);

}  // namespace radarhub::tools
