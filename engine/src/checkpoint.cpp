#include "socius/checkpoint.hpp"

#include <fcntl.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>
#include <cstdio>
#include <filesystem>
#include <fstream>

namespace socius {

namespace {
constexpr char kMagic[8] = {'S', 'O', 'C', 'I', 'U', 'S', 'C', 'K'};
constexpr std::size_t kHeader = 8 + 4 + 8 + 8;

// resize + memcpy rather than insert: GCC 12 warns falsely about small inserted ranges.
void append_bytes(std::vector<std::uint8_t>& out, const void* data, std::size_t size) {
  if (size == 0) return;
  const std::size_t at = out.size();
  out.resize(at + size);
  std::memcpy(out.data() + at, data, size);
}

template <class T>
void append(std::vector<std::uint8_t>& out, const T& v) {
  append_bytes(out, &v, sizeof(T));
}
}  // namespace

std::uint64_t checksum64(const std::uint8_t* data, std::size_t size) noexcept {
  std::uint64_t h = 0xcbf29ce484222325ull;
  for (std::size_t i = 0; i < size; ++i) {
    h ^= data[i];
    h *= 0x100000001b3ull;
  }
  return h;
}

void StateWriter::put(std::string_view name, const void* data, std::size_t size) {
  append(payload_, static_cast<std::uint32_t>(name.size()));
  append_bytes(payload_, name.data(), name.size());
  append(payload_, static_cast<std::uint64_t>(size));
  append_bytes(payload_, data, size);
}

std::vector<std::uint8_t> StateWriter::bytes() const {
  std::vector<std::uint8_t> out;
  out.reserve(kHeader + payload_.size());
  append_bytes(out, kMagic, sizeof kMagic);
  append(out, kCheckpointFormat);
  append(out, static_cast<std::uint64_t>(payload_.size()));
  append(out, checksum64(payload_.data(), payload_.size()));
  append_bytes(out, payload_.data(), payload_.size());
  return out;
}

void StateReader::fail(const std::string& why) const {
  throw CheckpointError("checkpoint '" + what_ + "' cannot be used: " + why);
}

StateReader::StateReader(std::vector<std::uint8_t> bytes, std::string what)
    : bytes_(std::move(bytes)), what_(std::move(what)) {
  if (bytes_.size() < kHeader || std::memcmp(bytes_.data(), kMagic, 8) != 0) {
    fail("not a socius checkpoint (no SOCIUSCK header)");
  }
  std::uint32_t format;
  std::uint64_t size, sum;
  std::memcpy(&format, bytes_.data() + 8, 4);
  std::memcpy(&size, bytes_.data() + 12, 8);
  std::memcpy(&sum, bytes_.data() + 20, 8);
  if (format != kCheckpointFormat) {
    fail("written in checkpoint format " + std::to_string(format) + "; this socius reads format " +
         std::to_string(kCheckpointFormat) + " (resume with the socius version that wrote it)");
  }
  if (size != bytes_.size() - kHeader) fail("truncated or padded (the header says " + std::to_string(size) + " bytes of content, the file has " + std::to_string(bytes_.size() - kHeader) + ")");
#ifndef SOCIUS_FUZZING  // fuzzing builds skip the checksum so the fuzzer reaches the parsers below
  if (checksum64(bytes_.data() + kHeader, size) != sum) fail("corrupt (checksum mismatch)");
#else
  (void)sum;
#endif
  std::size_t pos = kHeader;
  const std::size_t end = bytes_.size();
  while (pos < end) {
    std::uint32_t nlen;
    if (end - pos < 4) fail("corrupt section header");
    std::memcpy(&nlen, bytes_.data() + pos, 4);
    pos += 4;
    if (end - pos < nlen) fail("corrupt section name");
    std::string name(reinterpret_cast<const char*>(bytes_.data() + pos), nlen);
    pos += nlen;
    std::uint64_t dlen;
    if (end - pos < 8) fail("corrupt section size");
    std::memcpy(&dlen, bytes_.data() + pos, 8);
    pos += 8;
    if (end - pos < dlen) fail("section '" + name + "' runs past the end of the file");
    sections_[name] = std::string_view(reinterpret_cast<const char*>(bytes_.data() + pos), dlen);
    pos += dlen;
  }
}

std::string_view StateReader::raw(std::string_view name) const {
  auto it = sections_.find(std::string(name));
  if (it == sections_.end()) fail("section '" + std::string(name) + "' is missing");
  return it->second;
}

void write_file_atomically(const std::string& path, const std::vector<std::uint8_t>& bytes) {
  namespace fs = std::filesystem;
  const fs::path target(path);
  fs::path dir = target.parent_path();
  if (dir.empty()) dir = ".";
  std::string name = ".";
  name.append(target.filename().string()).append(".tmp-").append(std::to_string(::getpid()));
  const std::string temp = (dir / name).string();
  const int fd = ::open(temp.c_str(), O_WRONLY | O_CREAT | O_TRUNC, 0644);
  if (fd < 0) throw OutputError("cannot write '" + path + "': " + std::strerror(errno));
  std::size_t done = 0;
  while (done < bytes.size()) {
    const ssize_t n = ::write(fd, bytes.data() + done, bytes.size() - done);
    if (n < 0) {
      if (errno == EINTR) continue;
      const std::string reason = std::strerror(errno);
      ::close(fd);
      std::remove(temp.c_str());
      throw OutputError("cannot write '" + path + "': " + reason);
    }
    done += static_cast<std::size_t>(n);
  }
  const bool synced = ::fsync(fd) == 0;
  const int sync_errno = errno;
  if (::close(fd) != 0 || !synced) {
    const std::string reason = std::strerror(synced ? errno : sync_errno);
    std::remove(temp.c_str());
    throw OutputError("cannot write '" + path + "': " + reason);
  }
  if (std::rename(temp.c_str(), path.c_str()) != 0) {
    const std::string reason = std::strerror(errno);
    std::remove(temp.c_str());
    throw OutputError("cannot move '" + temp + "' to '" + path + "': " + reason);
  }
}

std::vector<std::uint8_t> read_file(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  if (!in) throw CheckpointError("checkpoint '" + path + "' cannot be read: " + std::strerror(errno));
  return std::vector<std::uint8_t>(std::istreambuf_iterator<char>(in), std::istreambuf_iterator<char>());
}

}  // namespace socius
