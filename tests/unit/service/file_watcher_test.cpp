#include "radarhub/service/file_watcher.hpp"

#include <gtest/gtest.h>
#include <unistd.h>

#include <atomic>
#include <cstdio>
#include <filesystem>
#include <fstream>
#include <thread>

namespace radarhub::service {
namespace {

using namespace std::chrono_literals;
namespace fs = std::filesystem;

class FileWatcherTest : public ::testing::Test {
 protected:
  void SetUp() override {
    dir_ = fs::temp_directory_path() / ("rh-watch-" + std::to_string(::getpid()));
    fs::create_directories(dir_);
  }
  void TearDown() override { fs::remove_all(dir_); }
  void Write(const fs::path& path, const std::string& text) {
    std::ofstream(path, std::ios::trunc) << text;
  }
  // Waits for `calls` to reach `n`, for at most two seconds.
  static bool Reaches(const std::atomic<int>& calls, int n) {
    for (int i = 0; i < 200 && calls.load() < n; ++i) std::this_thread::sleep_for(10ms);
    return calls.load() >= n;
  }
  fs::path dir_;
};

TEST_F(FileWatcherTest, CallsBackOnceAChangeAndNotForAnUnchangedFile) {
  const fs::path file = dir_ / "token";
  Write(file, "one");
  std::atomic<int> calls{0};
  FileWatcher watcher(20ms);
  watcher.Watch(file.string(), [&] { ++calls; });
  watcher.Start();
  std::this_thread::sleep_for(100ms);
  EXPECT_EQ(calls.load(), 0) << "nothing changed since Watch";
  Write(file, "two, longer");
  EXPECT_TRUE(Reaches(calls, 1));
  std::this_thread::sleep_for(100ms);
  EXPECT_EQ(calls.load(), 1);
}

// The kubelet publishes a Secret update by pointing ..data at a new directory.
TEST_F(FileWatcherTest, SeesASymlinkSwapAsKubernetesDoesIt) {
  fs::create_directories(dir_ / "v1");
  fs::create_directories(dir_ / "v2");
  Write(dir_ / "v1" / "token", "same");
  Write(dir_ / "v2" / "token", "same");  // same size, maybe the same mtime: a new inode
  fs::create_directory_symlink("v1", dir_ / "..data");
  fs::create_symlink("..data/token", dir_ / "token");
  std::atomic<int> calls{0};
  FileWatcher watcher(20ms);
  watcher.Watch((dir_ / "token").string(), [&] { ++calls; });
  watcher.Start();
  fs::create_directory_symlink("v2", dir_ / "..data_tmp");
  fs::rename(dir_ / "..data_tmp", dir_ / "..data");
  EXPECT_TRUE(Reaches(calls, 1));
}

TEST_F(FileWatcherTest, AFileThatGoesAwayIsNotReportedUntilItComesBack) {
  const fs::path file = dir_ / "token";
  Write(file, "one");
  std::atomic<int> calls{0};
  FileWatcher watcher(20ms);
  watcher.Watch(file.string(), [&] { ++calls; });
  watcher.Watch("", [&] { ADD_FAILURE() << "an empty path is not watched"; });
  watcher.Start();
  fs::remove(file);
  std::this_thread::sleep_for(100ms);
  EXPECT_EQ(calls.load(), 0);
  Write(file, "back");
  EXPECT_TRUE(Reaches(calls, 1));
  watcher.Stop();
  watcher.Stop();  // idempotent
}

TEST(WholeSecondsTest, RoundsDownWithAFloorOfOneSecond) {
  EXPECT_EQ(WholeSeconds(250ms), 1s);
  EXPECT_EQ(WholeSeconds(10500ms), 10s);
}

}  // namespace
}  // namespace radarhub::service
