// Results in HDF5, laid out as netCDF-4 so that xarray.open_dataset(path, engine="h5netcdf")
// opens it without options:
//   /indicators  float64 (time, group, indicator)   chunked, deflate-compressed
//   /time /group /indicator                         dimension scales (coordinates)
//   /indicator_description, /indicator_label, /indicator_category, /indicator_unit (indicator)
//     strings, and /indicator_better (indicator) int8: 1 higher is better, -1 lower, 0 neither
//     (with CF flag_values and flag_meanings): each indicator's metadata, declared by the model
//   for each distribution a model declares (Model::distributions; none for most models):
//   /<name>  float64 (time, <dimension>)            chunked, deflate-compressed; long_name, units
//   /<dimension>  the bins' lower edges (int64 if all whole, else float64), a dimension scale;
//     bin k holds [edge k, edge k+1), the last bin is open-ended
//   /snapshot (snapshot) with snapshot_offset, snapshot_count: the tie graph at snapshot
//     times as ragged edge arrays edge_source, edge_target, edge_weight, edge_type (edge)
//   root attributes: format, model, seed, threads, wall time, engine version, plus any the
//     caller adds (resolved scenario text, git revision).
// The file is written under a temporary name in the same directory and renamed only by
// commit(), so a killed or failed run never leaves a file that looks complete.
#pragma once

#include <cstdint>
#include <memory>
#include <string>

#include "socius/simulation.hpp"

namespace socius {

/// Value of the root attribute "format" that marks a socius results file.
inline constexpr const char* kResultsFormat = "socius-results-1";

class ResultsWriter {
 public:
  /// Creates the temporary file next to `path`. Throws OutputError (naming the path and the
  /// reason) if the directory does not exist or cannot be written.
  explicit ResultsWriter(std::string path);
  /// Closes and deletes the temporary file unless commit() succeeded.
  ~ResultsWriter();
  ResultsWriter(const ResultsWriter&) = delete;
  ResultsWriter& operator=(const ResultsWriter&) = delete;

  /// Appends one tie-graph snapshot taken at policy time `time`.
  void snapshot(std::int64_t time, const TieGraph& ties);
  /// Streams the simulation's snapshots into this file as they are taken.
  void attach(Simulation& sim);

  void attribute(const std::string& name, const std::string& value);
  void attribute(const std::string& name, std::int64_t value);
  void attribute(const std::string& name, double value);

  /// Writes the indicators, distributions and provenance of `sim`, closes the file and renames it into place.
  void commit(const Simulation& sim);

  /// Copies the snapshots written so far into a checkpoint, and back into a fresh writer on
  /// resume, so that a resumed run's file holds every snapshot.
  void save_snapshots(class StateWriter& out);
  void load_snapshots(const class StateReader& in);

  /// Closes and deletes the temporary file now (what the destructor does), e.g. after a failed
  /// run. Later calls on this writer throw OutputError.
  void discard();

  const std::string& path() const { return path_; }
  const std::string& temp_path() const { return temp_path_; }

 private:
  struct Impl;
  Impl& open();
  std::string path_;
  std::string temp_path_;
  std::unique_ptr<Impl> impl_;
  bool committed_ = false;
};

}  // namespace socius
