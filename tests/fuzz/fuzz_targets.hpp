// Fuzz targets, shared by the libFuzzer programs (built with the `fuzz` preset) and by the
// Catch2 test that replays the committed corpus on every test run.
#pragma once

#include <cstddef>
#include <cstdint>

namespace socius::fuzz {

/// Scenario validation: the input is text, one "key=value" per line (the value typed as TOML
/// would: true/false, integer, real, else string); the first byte picks the model. Any outcome
/// other than success or ScenarioError is a finding.
int parameters(const std::uint8_t* data, std::size_t size);

/// Checkpoint reading: the input is a checkpoint file. Any outcome other than a restored
/// simulation or CheckpointError is a finding. In fuzzing builds the checksum is not enforced so
/// that the fuzzer reaches the section parser and the state loaders.
int checkpoint(const std::uint8_t* data, std::size_t size);

}  // namespace socius::fuzz
