// Checkpoints: the complete state of a simulation in one self-checking binary file, so that a
// run killed at any moment can resume and produce the same results as an uninterrupted one.
//
// Layout: an 8-byte magic "SOCIUSCK", a format version, the payload size and a 64-bit checksum
// of the payload, then named sections (name length, name, data length, data). Every read is
// bounds-checked; a file from another format or engine version, a truncated file or one whose
// checksum does not match is refused with a CheckpointError saying which.
#pragma once

#include <cstdint>
#include <cstring>
#include <map>
#include <string>
#include <string_view>
#include <type_traits>
#include <vector>

#include "socius/errors.hpp"

namespace socius {

inline constexpr std::uint32_t kCheckpointFormat = 1;

/// Collects named sections; `bytes()` is the finished file content.
class StateWriter {
 public:
  void put(std::string_view name, const void* data, std::size_t size);
  template <class T>
  void put_vector(std::string_view name, const std::vector<T>& v) {
    static_assert(std::is_trivially_copyable_v<T>);
    put(name, v.data(), v.size() * sizeof(T));
  }
  template <class T>
  void put_value(std::string_view name, const T& v) {
    static_assert(std::is_trivially_copyable_v<T>);
    put(name, &v, sizeof(T));
  }
  void put_string(std::string_view name, std::string_view s) { put(name, s.data(), s.size()); }

  /// The complete file: header (magic, format, size, checksum) and sections.
  std::vector<std::uint8_t> bytes() const;

 private:
  std::vector<std::uint8_t> payload_;
};

/// Parses and verifies a checkpoint held in memory; sections are then looked up by name.
class StateReader {
 public:
  /// Verifies magic, format, size and checksum. `what` names the file in messages.
  StateReader(std::vector<std::uint8_t> bytes, std::string what);

  bool has(std::string_view name) const { return sections_.count(std::string(name)) != 0; }
  /// The names of the sections, in name order.
  std::vector<std::string> names() const {
    std::vector<std::string> out;
    for (const auto& [name, data] : sections_) out.push_back(name);
    return out;
  }
  std::string_view raw(std::string_view name) const;
  template <class T>
  std::vector<T> get_vector(std::string_view name) const {
    static_assert(std::is_trivially_copyable_v<T>);
    const auto r = raw(name);
    if (r.size() % sizeof(T) != 0) fail("section '" + std::string(name) + "' has a size that does not fit its type");
    std::vector<T> out(r.size() / sizeof(T));
    if (!r.empty()) std::memcpy(out.data(), r.data(), r.size());
    return out;
  }
  template <class T>
  T get_value(std::string_view name) const {
    static_assert(std::is_trivially_copyable_v<T>);
    const auto r = raw(name);
    if (r.size() != sizeof(T)) fail("section '" + std::string(name) + "' has the wrong size");
    T v;
    std::memcpy(&v, r.data(), sizeof(T));
    return v;
  }
  std::string get_string(std::string_view name) const { return std::string(raw(name)); }

  [[noreturn]] void fail(const std::string& why) const;
  const std::string& what() const { return what_; }

 private:
  std::vector<std::uint8_t> bytes_;
  std::string what_;
  std::map<std::string, std::string_view> sections_;
};

/// FNV-1a, 64 bits: detects corruption (not tampering).
std::uint64_t checksum64(const std::uint8_t* data, std::size_t size) noexcept;

/// Writes `bytes` to `path` atomically: a temporary file in the same directory, flushed to disk,
/// then renamed. Throws OutputError on failure and leaves no temporary file.
void write_file_atomically(const std::string& path, const std::vector<std::uint8_t>& bytes);

/// Reads a whole file; CheckpointError if it cannot be read.
std::vector<std::uint8_t> read_file(const std::string& path);

}  // namespace socius
