#include "radarhub/protocol/line_framer.hpp"

#include <gtest/gtest.h>

#include <string>
#include <vector>

namespace radarhub::protocol {
namespace {

struct Collect {
  std::vector<std::string> lines;
  int overlong = 0;
  int stop_after = -1;  // stop consuming after this many lines
  bool OnLine(char* line, size_t n) {
    line[n] = '\0';  // the framer promises this byte is writable
    lines.emplace_back(line, n);
    return stop_after < 0 || static_cast<int>(lines.size()) < stop_after;
  }
  bool OnOverlong() {
    lines.emplace_back("<overlong>");
    ++overlong;
    return true;
  }
};

void Feed(LineFramer& framer, Collect& sink, std::string bytes) {
  const size_t size = bytes.size();
  bytes.append(kLinePadding, '\0');  // the padding Consume's contract asks of read buffers
  framer.Consume(bytes.data(), size, sink);
}

TEST(LineFramerTest, SplitsLinesInOneChunk) {
  LineFramer framer(100);
  Collect sink;
  Feed(framer, sink, "a\nbb\nccc\n");
  EXPECT_EQ(sink.lines, (std::vector<std::string>{"a", "bb", "ccc"}));
  EXPECT_EQ(framer.buffered(), 0u);
}

TEST(LineFramerTest, StripsCarriageReturnAndSkipsEmptyLines) {
  LineFramer framer(100);
  Collect sink;
  Feed(framer, sink, "a\r\n\n\r\nb\n");
  EXPECT_EQ(sink.lines, (std::vector<std::string>{"a", "b"}));
}

TEST(LineFramerTest, OneByteAtATimeGivesTheSameLines) {
  const std::string input = "{\"x\":1}\r\n\n{\"y\":[1,2]}\nlast\n";
  LineFramer framer(100);
  Collect sink;
  for (const char c : input) Feed(framer, sink, std::string(1, c));
  EXPECT_EQ(sink.lines, (std::vector<std::string>{"{\"x\":1}", "{\"y\":[1,2]}", "last"}));
}

TEST(LineFramerTest, LineSplitAcrossChunksIsReassembled) {
  LineFramer framer(100);
  Collect sink;
  Feed(framer, sink, "hel");
  EXPECT_EQ(framer.buffered(), 3u);
  Feed(framer, sink, "lo\nwor");
  Feed(framer, sink, "ld\n");
  EXPECT_EQ(sink.lines, (std::vector<std::string>{"hello", "world"}));
}

TEST(LineFramerTest, LineOfExactlyTheLimitPassesWithOrWithoutCarriageReturn) {
  LineFramer framer(5);
  Collect sink;
  Feed(framer, sink, "12345\n12345\r\n");
  Feed(framer, sink, "123");
  Feed(framer, sink, "45\r\n");
  EXPECT_EQ(sink.lines, (std::vector<std::string>{"12345", "12345", "12345"}));
}

TEST(LineFramerTest, OverlongLineInOneChunkSkippedToNextNewline) {
  LineFramer framer(5);
  Collect sink;
  Feed(framer, sink, "123456\nok\n");
  EXPECT_EQ(sink.lines, (std::vector<std::string>{"<overlong>", "ok"}));
}

TEST(LineFramerTest, OverlongLineSkippedWithoutBufferingIt) {
  LineFramer framer(10);
  Collect sink;
  Feed(framer, sink, "0123456");
  Feed(framer, sink, "789abcdef");  // now past the limit: reported once, then discarded
  EXPECT_EQ(sink.overlong, 1);
  EXPECT_EQ(framer.buffered(), 0u);
  for (int i = 0; i < 1000; ++i) Feed(framer, sink, std::string(1000, 'x'));
  EXPECT_EQ(framer.buffered(), 0u) << "memory stays bounded whatever the peer sends";
  EXPECT_EQ(sink.overlong, 1);
  Feed(framer, sink, "tail\nnext\n");
  EXPECT_EQ(sink.lines, (std::vector<std::string>{"<overlong>", "next"}));
}

TEST(LineFramerTest, HugeChunkWithoutNewlineIsDiscarded) {
  LineFramer framer(10);
  Collect sink;
  Feed(framer, sink, std::string(50, 'x'));
  EXPECT_EQ(sink.overlong, 1);
  EXPECT_EQ(framer.buffered(), 0u);
  Feed(framer, sink, "\nok\n");
  EXPECT_EQ(sink.lines, (std::vector<std::string>{"<overlong>", "ok"}));
}

TEST(LineFramerTest, SinkCanStopConsumption) {
  LineFramer framer(100);
  Collect sink;
  sink.stop_after = 1;
  std::string bytes = "a\nb\nc\n" + std::string(kLinePadding, '\0');
  EXPECT_FALSE(framer.Consume(bytes.data(), bytes.size() - kLinePadding, sink));
  EXPECT_EQ(sink.lines, (std::vector<std::string>{"a"}));
}

}  // namespace
}  // namespace radarhub::protocol
