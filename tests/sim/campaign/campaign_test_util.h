// Campaign YAML files written on the fly for tests (absolute paths to the shipped network configs).
#pragma once

#include <filesystem>
#include <fstream>
#include <string>

namespace flipsim::test {

inline std::string temp_dir() {
  const auto dir = std::filesystem::temp_directory_path() / ("flipsim_campaign_" + std::to_string(::getpid()));
  std::filesystem::create_directories(dir);
  return dir.string();
}

/// A database path in temp_dir() with no file (nor WAL, nor shared memory) left from an earlier run.
inline std::string fresh_db(const std::string& name) {
  const std::string db = temp_dir() + "/" + name + ".db";
  for (const char* suffix : {"", "-wal", "-shm"}) std::filesystem::remove(db + suffix);
  return db;
}

/// Writes a campaign file whose body (the keys under `campaign:`) is `body`; network defaults to LeNet-5 int8.
inline std::string write_campaign(const std::string& name, const std::string& body,
                                  const std::string& network = "configs/infer/lenet5.yaml") {
  const std::string path = temp_dir() + "/" + name + ".yaml";
  std::ofstream(path) << "campaign:\n  name: " << name << "\n  network: " << FLIPSIM_SOURCE_DIR << "/" << network
                      << "\n"
                      << body;
  return path;
}

}  // namespace flipsim::test
