#pragma once

#include "radarhub/hub/event.hpp"
#include "radarhub/v1/radarhub.pb.h"

namespace radarhub::ingest {

// A status change as the hub carries it: a serialized NodeEvent{status}.
hub::EventPtr MakeStatusEvent(const v1::NodeStatus& status);

}  // namespace radarhub::ingest
