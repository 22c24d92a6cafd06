#include <gtest/gtest.h>

#include <string>

#include "radarhub/live/messages.hpp"
#include "radarhub/live/outbox.hpp"

namespace radarhub::live {
namespace {

const Limits kLimits{.max_message_bytes = 256, .max_subscriptions = 3};

ProtocolError ErrorOf(std::string_view text, const Limits& limits = kLimits) {
  const ClientMessage m = ParseClientMessage(text, limits);
  EXPECT_TRUE(std::holds_alternative<ProtocolError>(m)) << text;
  return std::holds_alternative<ProtocolError>(m) ? std::get<ProtocolError>(m) : ProtocolError{};
}

TEST(LiveMessagesTest, SubscribeAndUnsubscribe) {
  const auto subscribe =
      ParseClientMessage(R"({"type":"subscribe","nodes":["radar1","radar2","radar1"]})", kLimits);
  ASSERT_TRUE(std::holds_alternative<Subscribe>(subscribe));
  EXPECT_EQ(std::get<Subscribe>(subscribe).nodes,
            (std::vector<std::string>{"radar1", "radar2"}));  // duplicates dropped, order kept
  const auto some = ParseClientMessage(R"({"type":"unsubscribe","nodes":["radar2"]})", kLimits);
  ASSERT_TRUE(std::holds_alternative<Unsubscribe>(some));
  EXPECT_EQ(std::get<Unsubscribe>(some).nodes, std::vector<std::string>{"radar2"});
  const auto all = ParseClientMessage(R"({"type":"unsubscribe"})", kLimits);
  ASSERT_TRUE(std::holds_alternative<Unsubscribe>(all));
  EXPECT_TRUE(std::get<Unsubscribe>(all).nodes.empty());
}

TEST(LiveMessagesTest, EveryBadMessageGetsACloseCodeAndAReason) {
  for (const char* text :
       {"", "not json", "[]", R"({"nodes":["radar1"]})", R"({"type":7})", R"({"type":"watch"})",
        R"({"type":"subscribe"})", R"({"type":"subscribe","nodes":[]})",
        R"({"type":"subscribe","nodes":"radar1"})", R"({"type":"subscribe","nodes":[1]})",
        R"({"type":"subscribe","nodes":["bad id"]})", R"({"type":"subscribe","nodes":[""]})",
        R"({"type":"subscribe","nodes":["radar1"])"}) {
    const ProtocolError e = ErrorOf(text);
    EXPECT_EQ(e.code, CloseCode::kInvalidMessage) << text;
    EXPECT_FALSE(e.reason.empty());
    EXPECT_LE(e.reason.size(), 123u) << "a close frame's reason fits in 123 bytes";
  }
}

TEST(LiveMessagesTest, LimitsHaveTheirOwnCloseCodes) {
  EXPECT_EQ(ErrorOf(R"({"type":"subscribe","nodes":["a","b","c","d"]})").code,
            CloseCode::kTooManySubscriptions);
  EXPECT_EQ(ErrorOf(std::string(257, ' ')).code, CloseCode::kMessageTooBig);
  const auto three =
      ParseClientMessage(R"({"type":"subscribe","nodes":["a","b","c","a"]})", kLimits);
  EXPECT_TRUE(std::holds_alternative<Subscribe>(three)) << "duplicates do not count";
}

TEST(LiveMessagesTest, AReasonNeverEchoesWhatTheClientSent) {
  const std::string hostile = std::string(200, 'x') + "<script>";
  const ProtocolError e = ErrorOf(R"({"type":"subscribe","nodes":[")" + hostile + R"("]})",
                                  {.max_message_bytes = 1024});
  EXPECT_EQ(e.reason.find("xxx"), std::string::npos) << e.reason;
}

TEST(LiveOutboxTest, KeepsTheNewestUpdatePerKeyAndCountsWhatItReplaced) {
  Outbox out;
  out.Put("radar1", "1a");
  out.Put("radar2", "2a");
  out.Put("radar1", "1b");
  out.Put("radar1", "1c");
  EXPECT_EQ(out.size(), 2u);
  EXPECT_EQ(out.replaced_total(), 2u);
  auto first = out.Take();
  ASSERT_TRUE(first);
  EXPECT_EQ(first->key, "radar1") << "the key that waited longest goes first";
  EXPECT_EQ(first->update, "1c");
  EXPECT_EQ(first->replaced, 2u);
  out.Put("radar1", "1d");  // behind radar2 now: a busy node cannot starve a quiet one
  auto second = out.Take();
  ASSERT_TRUE(second);
  EXPECT_EQ(second->key, "radar2");
  EXPECT_EQ(second->replaced, 0u);
  auto third = out.Take();
  ASSERT_TRUE(third);
  EXPECT_EQ(third->update, "1d");
  EXPECT_EQ(third->replaced, 0u) << "the count restarts after a Take";
  EXPECT_FALSE(out.Take());
}

TEST(LiveOutboxTest, MemoryIsBoundedByKeysNotByUpdates) {
  Outbox out;
  for (int i = 0; i < 100000; ++i) out.Put("radar" + std::to_string(i % 3), std::to_string(i));
  EXPECT_EQ(out.size(), 3u);
  EXPECT_EQ(out.replaced_total(), 100000u - 3u);
}

TEST(LiveOutboxTest, DropForgetsAKey) {
  Outbox out;
  out.Put("radar1", "1");
  out.Put("radar2", "2");
  out.Drop("radar1");
  out.Drop("nosuch");
  auto only = out.Take();
  ASSERT_TRUE(only);
  EXPECT_EQ(only->key, "radar2");
  EXPECT_TRUE(out.empty());
}

}  // namespace
}  // namespace radarhub::live
