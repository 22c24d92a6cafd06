#include "radarhub/auth/token_store.hpp"

#include <gtest/gtest.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cstdlib>
#include <fstream>
#include <string>

#include "support/temp_dir.hpp"

namespace radarhub::auth {
namespace {

class TokenStoreTest : public ::testing::Test {
 protected:
  void Write(const std::string& content, mode_t mode = 0600) {
    dir_.Write("tokens", content, mode);
  }

  radarhub::testing::TempDir dir_;
  const std::string path_ = dir_.File("tokens");
  TokenStore store_;
  std::string error_;
};

TEST_F(TokenStoreTest, ListedNodeNeedsItsOwnTokenNotTheSharedOne) {
  Write("# fleet\nradar1 s3cret\n* shared-token\n\n  # indented comment\nradar2 other\r\n");
  ASSERT_TRUE(store_.Load({.tokens_file = path_}, error_)) << error_;
  EXPECT_EQ(store_.Check("radar1", "s3cret"), AuthResult::kOk);
  EXPECT_EQ(store_.Check("radar2", "other"), AuthResult::kOk);
  EXPECT_EQ(store_.Check("radar1", "shared-token"), AuthResult::kDenied);
  EXPECT_EQ(store_.Check("radar1", "s3cre"), AuthResult::kDenied);
  EXPECT_EQ(store_.Check("radar1", ""), AuthResult::kDenied);
  EXPECT_TRUE(store_.IsListed("radar1"));
  EXPECT_FALSE(store_.IsListed("radar9"));
}

TEST_F(TokenStoreTest, UnlistedNodeUsesSharedTokenWhenAutoProvisioning) {
  Write("radar1 s3cret\n* shared-token\n");
  ASSERT_TRUE(store_.Load({.tokens_file = path_}, error_)) << error_;
  EXPECT_EQ(store_.Check("radar9", "shared-token"), AuthResult::kOk);
  EXPECT_EQ(store_.Check("radar9", "s3cret"), AuthResult::kDenied);
}

TEST_F(TokenStoreTest, UnlistedNodeRefusedWithoutAutoProvision) {
  Write("radar1 s3cret\n* shared-token\n");
  ASSERT_TRUE(store_.Load({.tokens_file = path_, .auto_provision = false}, error_)) << error_;
  EXPECT_EQ(store_.Check("radar9", "shared-token"), AuthResult::kUnknownNode);
  EXPECT_EQ(store_.Check("radar1", "s3cret"), AuthResult::kOk);
}

TEST_F(TokenStoreTest, SharedTokenFromFlagOrEnv) {
  ASSERT_TRUE(store_.Load({.shared_token = "flag-token"}, error_)) << error_;
  EXPECT_EQ(store_.Check("any", "flag-token"), AuthResult::kOk);
  EXPECT_EQ(store_.Check("any", "flag-tokex"), AuthResult::kDenied);
}

TEST_F(TokenStoreTest, AFileOthersCanReadOrWriteIsRefused) {
  for (const mode_t mode : {0644, 0604, 0602, 0666, 0601}) {
    Write("radar1 s3cret\n", mode);
    TokenStore store;
    EXPECT_FALSE(store.Load({.tokens_file = path_}, error_)) << std::oct << mode;
    EXPECT_NE(error_.find("chmod 600, or 640"), std::string::npos) << error_;
  }
}

// Kubernetes mounts a Secret root-owned and readable by the pod's fsGroup (defaultMode 0440).
TEST_F(TokenStoreTest, AFileOnlyOwnerAndGroupCanReadIsAccepted) {
  for (const mode_t mode : {0600, 0400, 0640, 0440, 0660}) {
    Write("radar1 s3cret\n", mode);
    TokenStore store;
    EXPECT_TRUE(store.Load({.tokens_file = path_}, error_)) << std::oct << mode << ": " << error_;
  }
}

TEST_F(TokenStoreTest, MalformedFilesAreRefusedWithTheLine) {
  for (const char* content : {"radar1\n", "radar1 a b\n", "bad/id tok\n", "r t\nr u\n"}) {
    Write(content);
    TokenStore store;
    EXPECT_FALSE(store.Load({.tokens_file = path_}, error_)) << content;
    EXPECT_NE(error_.find("line"), std::string::npos) << error_;
  }
}

TEST_F(TokenStoreTest, MissingFileIsRefused) {
  EXPECT_FALSE(store_.Load({.tokens_file = dir_.File("nope")}, error_));
}

TEST_F(TokenStoreTest, NoTokenAtAllRefusedUnlessUnauthenticatedAllowed) {
  EXPECT_FALSE(store_.Load({}, error_));
  EXPECT_NE(error_.find("--allow-unauthenticated"), std::string::npos);
  TokenStore open;
  ASSERT_TRUE(open.Load({.allow_unauthenticated = true}, error_));
  EXPECT_TRUE(open.unauthenticated());
  EXPECT_EQ(open.Check("anyone", ""), AuthResult::kOk);
}

TEST_F(TokenStoreTest, ReloadSwapsTokensAndKeepsOldTableOnError) {
  Write("radar1 old\n");
  ASSERT_TRUE(store_.Load({.tokens_file = path_}, error_));
  Write("radar1 new\n");
  ASSERT_TRUE(store_.Reload(error_)) << error_;
  EXPECT_EQ(store_.Check("radar1", "new"), AuthResult::kOk);
  EXPECT_EQ(store_.Check("radar1", "old"), AuthResult::kDenied);
  Write("radar1 newer\n", 0644);
  EXPECT_FALSE(store_.Reload(error_));
  EXPECT_EQ(store_.Check("radar1", "new"), AuthResult::kOk) << "a bad reload changes nothing";
}

}  // namespace
}  // namespace radarhub::auth
