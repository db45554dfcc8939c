// Replays the committed fuzzing corpus (tests/fuzz/corpus) through the fuzz targets: every input
// a fuzzer ever found interesting must still be handled without a crash.
//
// The checkpoint corpus was found by a build that skips the checksum (SOCIUS_FUZZING), so most
// of its inputs carry a stale checksum: replayed as they are, this build would refuse them at the
// checksum and never reach the parsers and the models' checks they were found to exercise. The
// replay therefore seals each input with its correct checksum first, and checks that it did reach
// past the header.
#include <catch2/catch.hpp>

#include <cstring>
#include <filesystem>
#include <fstream>
#include <iterator>
#include <vector>

#include "../fuzz/fuzz_targets.hpp"
#include "registry.hpp"
#include "socius/socius.hpp"

namespace {

using Bytes = std::vector<std::uint8_t>;

std::vector<std::pair<std::filesystem::path, Bytes>> corpus(const char* folder) {
  std::vector<std::pair<std::filesystem::path, Bytes>> out;
  const auto dir = std::filesystem::path(SOCIUS_SOURCE_DIR) / "tests" / "fuzz" / "corpus" / folder;
  for (const auto& entry : std::filesystem::directory_iterator(dir)) {
    std::ifstream in(entry.path(), std::ios::binary);
    out.emplace_back(entry.path(), Bytes((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>()));
  }
  return out;
}

/// The checkpoint with the checksum its content has (header: magic 8, format 4, size 8, sum 8).
Bytes sealed(Bytes b) {
  constexpr std::size_t kHeader = 28;
  if (b.size() >= kHeader && std::memcmp(b.data(), "SOCIUSCK", 8) == 0) {
    const std::uint64_t sum = socius::checksum64(b.data() + kHeader, b.size() - kHeader);
    std::memcpy(b.data() + 20, &sum, 8);
  }
  return b;
}

/// Whether the reader refused the input at its checksum (the parsers and models come after).
bool stopped_at_checksum(const Bytes& b) {
  try {
    socius::StateReader reader(b, "corpus");
    return false;
  } catch (const socius::CheckpointError& e) {
    return std::string(e.what()).find("checksum") != std::string::npos;
  }
}

}  // namespace

TEST_CASE("the parameter fuzzing corpus replays cleanly", "[fuzz]") {
  const auto inputs = corpus("parameters");
  REQUIRE(!inputs.empty());
  for (const auto& [path, bytes] : inputs) {
    INFO(path.string());
    socius::fuzz::parameters(bytes.data(), bytes.size());
  }
}

TEST_CASE("the checkpoint fuzzing corpus replays cleanly, past the checksum", "[fuzz]") {
  const auto inputs = corpus("checkpoint");
  REQUIRE(inputs.size() >= 40);
  std::size_t stopped_before = 0, stopped_after = 0;
  for (const auto& [path, raw] : inputs) {
    INFO(path.string());
    socius::fuzz::checkpoint(raw.data(), raw.size());  // as found
    stopped_before += stopped_at_checksum(raw);
    const Bytes b = sealed(raw);
    stopped_after += stopped_at_checksum(b);
    socius::fuzz::checkpoint(b.data(), b.size());  // and as a file with a valid checksum
  }
  // Replayed as found, most inputs stop at the checksum (or at the size check before it); sealed,
  // none does: each reaches the section parser or is refused for its header (magic, format, size).
  INFO(stopped_before << " of " << inputs.size() << " inputs stop at the checksum as found");
  CHECK(stopped_before >= inputs.size() / 2);
  CHECK(stopped_after == 0);
}

TEST_CASE("the checkpoint that made rebuild_foci write out of bounds is refused by the model's own checks", "[fuzz]") {
  // The one finding of the checkpoint fuzzer (docs/reliability.md): community focus ids out of
  // range made rebuild_foci write out of bounds. Its regression input in the corpus is replayed
  // above, but its layout is that of the model when it was found, so once the model gains a
  // column it is refused for the missing section before reaching the model's checks. This test
  // therefore rebuilds the same fault in a checkpoint of today's model (every section valid,
  // sealed checksum, the community focus ids of a few residents out of range): the community
  // model's load (check_loaded) must refuse it before rebuilding anything.
  socius::Simulation sim(socius::models::find("community"),
                         {{"simulation.population", std::int64_t{300}, "test"}, {"simulation.burn_in", std::int64_t{2}, "test"}}, 7, 1);
  sim.step(2);
  socius::StateWriter original;
  sim.save(original);
  const socius::StateReader fresh(original.bytes(), "fresh");
  socius::StateWriter out;
  bool corrupted = false;
  for (const std::string& name : fresh.names()) {
    if (name == "column.focus_community") {
      auto ids = fresh.get_vector<std::uint32_t>(name);
      REQUIRE(ids.size() >= 10);
      for (std::size_t i = 0; i < 10; ++i) ids[i] = 4000000000u - static_cast<std::uint32_t>(i);
      out.put_vector(name, ids);
      corrupted = true;
    } else {
      const auto raw = fresh.raw(name);
      out.put(name, raw.data(), raw.size());
    }
  }
  REQUIRE(corrupted);
  socius::StateReader reader(out.bytes(), "regression");
  REQUIRE(reader.get_string("model") == "community");
  REQUIRE_THROWS_WITH(socius::Simulation::restore(socius::models::find("community"), reader, 1),
                      Catch::Contains("community state"));
}
