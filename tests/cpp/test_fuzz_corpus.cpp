// Replays the committed fuzzing corpus (tests/fuzz/corpus) through the fuzz targets: every input
// a fuzzer ever found interesting must still be handled without a crash.
#include <catch2/catch.hpp>

#include <filesystem>
#include <fstream>
#include <iterator>
#include <vector>

#include "../fuzz/fuzz_targets.hpp"

namespace {
std::size_t replay(const char* folder, int (*target)(const std::uint8_t*, std::size_t)) {
  std::size_t n = 0;
  const auto dir = std::filesystem::path(SOCIUS_SOURCE_DIR) / "tests" / "fuzz" / "corpus" / folder;
  for (const auto& entry : std::filesystem::directory_iterator(dir)) {
    std::ifstream in(entry.path(), std::ios::binary);
    const std::vector<std::uint8_t> bytes((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
    INFO(entry.path().string());
    target(bytes.data(), bytes.size());
    ++n;
  }
  return n;
}
}  // namespace

TEST_CASE("the parameter fuzzing corpus replays cleanly", "[fuzz]") {
  CHECK(replay("parameters", socius::fuzz::parameters) > 0);
}

TEST_CASE("the checkpoint fuzzing corpus replays cleanly", "[fuzz]") {
  CHECK(replay("checkpoint", socius::fuzz::checkpoint) > 0);
}
