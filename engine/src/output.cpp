#include "socius/output.hpp"

#include <hdf5.h>
#include <hdf5_hl.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <chrono>
#include <cmath>
#include <cstdio>
#include <cstring>
#include <ctime>
#include <filesystem>
#include <map>
#include <vector>

#include "socius/checkpoint.hpp"
#include "socius/errors.hpp"

namespace socius {

namespace {

// netCDF-4's marker for a dimension that has no coordinate variable (h5netcdf and netCDF-C
// both recognise it by this prefix).
constexpr const char* kDimensionOnly = "This is a netCDF dimension but not a netCDF variable.";

std::string os_reason() {
  return errno ? std::string(": ") + std::strerror(errno) : std::string();
}

class Handle {  // closes an HDF5 identifier with the right function
 public:
  Handle() = default;
  Handle(hid_t id, herr_t (*close)(hid_t)) : id_(id), close_(close) {}
  Handle(Handle&& o) noexcept : id_(o.id_), close_(o.close_) { o.id_ = -1; }
  Handle& operator=(Handle&& o) noexcept {
    reset();
    id_ = o.id_;
    close_ = o.close_;
    o.id_ = -1;
    return *this;
  }
  ~Handle() { reset(); }
  void reset() {
    if (id_ >= 0 && close_) close_(id_);
    id_ = -1;
  }
  hid_t get() const { return id_; }
  hid_t release() {
    const hid_t id = id_;
    id_ = -1;
    return id;
  }
  operator hid_t() const { return id_; }

 private:
  hid_t id_ = -1;
  herr_t (*close_)(hid_t) = nullptr;
};

}  // namespace

struct ResultsWriter::Impl {
  std::string path;    // the temporary file
  std::string target;  // the final path, for messages
  Handle file;
  Handle text;  // variable-length UTF-8 string type
  Handle edge_dim, edge_source, edge_target, edge_weight, edge_type;
  std::vector<std::int64_t> snap_times, snap_offsets, snap_counts;
  hsize_t edges = 0;

  void check(long long status, const std::string& what) const {
    if (status >= 0) return;
    const int err = errno;
    std::string msg = "cannot write results to '" + target + "' (temporary file '" + path + "'): " + what + " failed" + os_reason();
    if (err == ENOSPC || err == EFBIG || err == EDQUOT) msg += "; free disk space (or raise the file-size limit) or choose another location with -o";
    throw OutputError(msg + "; nothing was written at '" + target + "'");
  }

  Handle dataset_1d(const std::string& name, hid_t type, hsize_t n, hsize_t max, bool compress) {
    hsize_t dims[1] = {n};
    hsize_t maxdims[1] = {max};
    Handle space(H5Screate_simple(1, dims, maxdims), H5Sclose);
    Handle dcpl(H5Pcreate(H5P_DATASET_CREATE), H5Pclose);
    if (max == H5S_UNLIMITED || compress) {
      hsize_t chunk[1] = {std::max<hsize_t>(1, std::min<hsize_t>(max == H5S_UNLIMITED ? 1 << 16 : n, 1 << 16))};
      check(H5Pset_chunk(dcpl, 1, chunk), "chunking " + name);
      if (compress) {
        H5Pset_shuffle(dcpl);
        H5Pset_deflate(dcpl, 4);
      }
    }
    // Grown datasets are always written in full; skip filling them (not allowed for strings).
    if (max == H5S_UNLIMITED) H5Pset_fill_time(dcpl, H5D_FILL_TIME_NEVER);
    Handle ds(H5Dcreate2(file, name.c_str(), type, space, H5P_DEFAULT, dcpl, H5P_DEFAULT), H5Dclose);
    check(ds.get(), "creating dataset " + name);
    return ds;
  }

  void write_all(hid_t ds, hid_t mem_type, const void* data, const std::string& name) {
    check(H5Dwrite(ds, mem_type, H5S_ALL, H5S_ALL, H5P_DEFAULT, data), "writing " + name);
  }

  void append(hid_t ds, hid_t mem_type, const void* data, hsize_t offset, hsize_t n, const std::string& name) {
    hsize_t size[1] = {offset + n};
    check(H5Dset_extent(ds, size), "extending " + name);
    if (n == 0) return;
    Handle fspace(H5Dget_space(ds), H5Sclose);
    hsize_t start[1] = {offset}, count[1] = {n};
    check(H5Sselect_hyperslab(fspace, H5S_SELECT_SET, start, nullptr, count, nullptr), "selecting " + name);
    Handle mspace(H5Screate_simple(1, count, nullptr), H5Sclose);
    check(H5Dwrite(ds, mem_type, mspace, fspace, H5P_DEFAULT, data), "writing " + name);
  }

  void strings(const std::string& name, const std::vector<std::string>& values) {
    std::vector<const char*> ptrs;
    for (const auto& v : values) ptrs.push_back(v.c_str());
    Handle ds = dataset_1d(name, text, values.size(), values.size(), false);
    if (!values.empty()) write_all(ds, text, ptrs.data(), name);
  }

  void attach(hid_t ds, hid_t scale, unsigned idx, const std::string& name) {
    check(H5DSattach_scale(ds, scale, idx), "attaching a dimension to " + name);
  }

  void string_attribute(hid_t loc, const std::string& name, const std::string& value) {
    if (H5Aexists(loc, name.c_str()) > 0) H5Adelete(loc, name.c_str());
    Handle space(H5Screate(H5S_SCALAR), H5Sclose);
    Handle attr(H5Acreate2(loc, name.c_str(), text, space, H5P_DEFAULT, H5P_DEFAULT), H5Aclose);
    check(attr.get(), "creating attribute " + name);
    const char* p = value.c_str();
    check(H5Awrite(attr, text, &p), "writing attribute " + name);
  }

  template <class T>
  void number_attribute(hid_t loc, const std::string& name, hid_t type, T value) {
    if (H5Aexists(loc, name.c_str()) > 0) H5Adelete(loc, name.c_str());
    Handle space(H5Screate(H5S_SCALAR), H5Sclose);
    Handle attr(H5Acreate2(loc, name.c_str(), type, space, H5P_DEFAULT, H5P_DEFAULT), H5Aclose);
    check(attr.get(), "creating attribute " + name);
    check(H5Awrite(attr, type, &value), "writing attribute " + name);
  }
};

ResultsWriter::ResultsWriter(std::string path) : path_(std::move(path)), impl_(std::make_unique<Impl>()) {
  namespace fs = std::filesystem;
  const fs::path target(path_);
  fs::path dir = target.parent_path();
  if (dir.empty()) dir = ".";
  std::error_code ec;
  if (!fs::is_directory(dir, ec)) {
    throw OutputError("cannot write results to '" + path_ + "': directory '" + dir.string() +
                      "' does not exist; create it or choose another -o path");
  }
  if (fs::is_directory(target, ec)) {
    throw OutputError("cannot write results to '" + path_ + "': it is a directory; give a file name ending in .h5");
  }
  if (::access(dir.c_str(), W_OK) != 0) {
    throw OutputError("cannot write results to '" + path_ + "': directory '" + dir.string() +
                      "' is not writable; choose another -o path");
  }
  std::string temp_name = ".";  // built by appending: GCC 12 warns falsely on a chain of + here
  temp_name.append(target.filename().string()).append(".tmp-").append(std::to_string(::getpid()));
  temp_path_ = (dir / temp_name).string();
  impl_->path = temp_path_;
  impl_->target = path_;
  // After a failed write (disk full) HDF5 cannot close the file, and its exit handler would then
  // crash trying again; we close every file we open ourselves, so the handler is not needed.
  // (Effective only before the library's first use; later calls fail harmlessly.)
  H5dont_atexit();
  H5Eset_auto2(H5E_DEFAULT, nullptr, nullptr);  // errors become exceptions with our messages
  errno = 0;
  impl_->file = Handle(H5Fcreate(temp_path_.c_str(), H5F_ACC_TRUNC, H5P_DEFAULT, H5P_DEFAULT), H5Fclose);
  if (impl_->file.get() < 0) {
    throw OutputError("cannot create results file '" + temp_path_ + "'" + os_reason());
  }
  try {
    impl_->text = Handle(H5Tcopy(H5T_C_S1), H5Tclose);
    H5Tset_size(impl_->text, H5T_VARIABLE);
    H5Tset_cset(impl_->text, H5T_CSET_UTF8);

    // The ragged edge arrays of the tie-graph snapshots, appended to as snapshots are taken.
    auto& m = *impl_;
    m.edge_dim = m.dataset_1d("edge", H5T_IEEE_F32LE, 0, H5S_UNLIMITED, false);
    m.check(H5DSset_scale(m.edge_dim, kDimensionOnly), "marking dimension edge");
    m.edge_source = m.dataset_1d("edge_source", H5T_STD_U32LE, 0, H5S_UNLIMITED, true);
    m.edge_target = m.dataset_1d("edge_target", H5T_STD_U32LE, 0, H5S_UNLIMITED, true);
    m.edge_weight = m.dataset_1d("edge_weight", H5T_IEEE_F32LE, 0, H5S_UNLIMITED, true);
    m.edge_type = m.dataset_1d("edge_type", H5T_STD_U8LE, 0, H5S_UNLIMITED, true);
    m.attach(m.edge_source, m.edge_dim, 0, "edge_source");
    m.attach(m.edge_target, m.edge_dim, 0, "edge_target");
    m.attach(m.edge_weight, m.edge_dim, 0, "edge_weight");
    m.attach(m.edge_type, m.edge_dim, 0, "edge_type");
    m.string_attribute(m.edge_source, "long_name", "lower agent index of each tie");
    m.string_attribute(m.edge_target, "long_name", "higher agent index of each tie");
    m.string_attribute(m.edge_weight, "long_name", "tie strength");
    m.string_attribute(m.edge_type, "long_name", "tie type code (see the model's documentation)");
  } catch (...) {
    impl_.reset();
    std::remove(temp_path_.c_str());
    throw;
  }
}

ResultsWriter::~ResultsWriter() { discard(); }

void ResultsWriter::discard() {
  if (committed_ || !impl_) return;
  impl_.reset();  // close every handle before removing the file
  std::remove(temp_path_.c_str());
}

ResultsWriter::Impl& ResultsWriter::open() {
  if (!impl_) throw OutputError("results file '" + path_ + "' is already closed");
  return *impl_;
}

void ResultsWriter::snapshot(std::int64_t time, const TieGraph& ties) {
  auto& m = open();
  const std::vector<Edge> edges = ties.edges();
  const hsize_t n = edges.size();
  std::vector<std::uint32_t> u(n), v(n);
  std::vector<float> w(n);
  std::vector<std::uint8_t> t(n);
  for (hsize_t i = 0; i < n; ++i) {
    u[i] = edges[i].source;
    v[i] = edges[i].target;
    w[i] = edges[i].weight;
    t[i] = edges[i].type;
  }
  m.append(m.edge_source, H5T_NATIVE_UINT32, u.data(), m.edges, n, "edge_source");
  m.append(m.edge_target, H5T_NATIVE_UINT32, v.data(), m.edges, n, "edge_target");
  m.append(m.edge_weight, H5T_NATIVE_FLOAT, w.data(), m.edges, n, "edge_weight");
  m.append(m.edge_type, H5T_NATIVE_UINT8, t.data(), m.edges, n, "edge_type");
  hsize_t size[1] = {m.edges + n};
  m.check(H5Dset_extent(m.edge_dim, size), "extending dimension edge");
  m.snap_times.push_back(time);
  m.snap_offsets.push_back(static_cast<std::int64_t>(m.edges));
  m.snap_counts.push_back(static_cast<std::int64_t>(n));
  m.edges += n;
}

namespace {
template <class T>
std::vector<T> read_1d(hid_t ds, hid_t mem_type, hsize_t n, const std::string& path) {
  std::vector<T> out(n);
  if (n && H5Dread(ds, mem_type, H5S_ALL, H5S_ALL, H5P_DEFAULT, out.data()) < 0) {
    throw OutputError("reading back snapshots from '" + path + "' failed");
  }
  return out;
}
}  // namespace

void ResultsWriter::save_snapshots(StateWriter& out) {
  auto& m = open();
  m.check(H5Fflush(m.file, H5F_SCOPE_LOCAL), "flushing");
  out.put_vector("snapshots.times", m.snap_times);
  out.put_vector("snapshots.counts", m.snap_counts);
  out.put_vector("snapshots.source", read_1d<std::uint32_t>(m.edge_source, H5T_NATIVE_UINT32, m.edges, m.path));
  out.put_vector("snapshots.target", read_1d<std::uint32_t>(m.edge_target, H5T_NATIVE_UINT32, m.edges, m.path));
  out.put_vector("snapshots.weight", read_1d<float>(m.edge_weight, H5T_NATIVE_FLOAT, m.edges, m.path));
  out.put_vector("snapshots.type", read_1d<std::uint8_t>(m.edge_type, H5T_NATIVE_UINT8, m.edges, m.path));
}

void ResultsWriter::load_snapshots(const StateReader& in) {
  auto& m = open();
  if (!m.snap_times.empty()) throw OutputError("load_snapshots: the results file already has snapshots");
  const auto times = in.get_vector<std::int64_t>("snapshots.times");
  const auto counts = in.get_vector<std::int64_t>("snapshots.counts");
  const auto u = in.get_vector<std::uint32_t>("snapshots.source");
  const auto v = in.get_vector<std::uint32_t>("snapshots.target");
  const auto w = in.get_vector<float>("snapshots.weight");
  const auto t = in.get_vector<std::uint8_t>("snapshots.type");
  std::int64_t total = 0;
  for (auto c : counts) {
    if (c < 0) in.fail("a snapshot has a negative size");
    total += c;
  }
  const auto n = static_cast<std::size_t>(total);
  if (times.size() != counts.size() || u.size() != n || v.size() != n || w.size() != n || t.size() != n) {
    in.fail("its snapshots are inconsistent");
  }
  m.append(m.edge_source, H5T_NATIVE_UINT32, u.data(), 0, n, "edge_source");
  m.append(m.edge_target, H5T_NATIVE_UINT32, v.data(), 0, n, "edge_target");
  m.append(m.edge_weight, H5T_NATIVE_FLOAT, w.data(), 0, n, "edge_weight");
  m.append(m.edge_type, H5T_NATIVE_UINT8, t.data(), 0, n, "edge_type");
  hsize_t size[1] = {n};
  m.check(H5Dset_extent(m.edge_dim, size), "extending dimension edge");
  std::int64_t offset = 0;
  for (std::size_t i = 0; i < times.size(); ++i) {
    m.snap_times.push_back(times[i]);
    m.snap_offsets.push_back(offset);
    m.snap_counts.push_back(counts[i]);
    offset += counts[i];
  }
  m.edges = n;
}

void ResultsWriter::attach(Simulation& sim) {
  sim.set_snapshot_sink([this](std::int64_t time, const TieGraph& ties) { snapshot(time, ties); });
}

void ResultsWriter::attribute(const std::string& name, const std::string& value) {
  open().string_attribute(impl_->file, name, value);
}
void ResultsWriter::attribute(const std::string& name, std::int64_t value) {
  open().number_attribute(impl_->file, name, H5T_NATIVE_INT64, value);
}
void ResultsWriter::attribute(const std::string& name, double value) {
  open().number_attribute(impl_->file, name, H5T_NATIVE_DOUBLE, value);
}

void ResultsWriter::commit(const Simulation& sim) {
  auto& m = open();
  const Recorder& rec = sim.recorder();
  const hsize_t nt = rec.times.size(), ng = rec.spec.groups.size(), ni = rec.spec.indicators.size();

  {  // coordinates
    Handle time = m.dataset_1d("time", H5T_STD_I64LE, nt, nt, false);
    if (nt) m.write_all(time, H5T_NATIVE_INT64, rec.times.data(), "time");
    m.check(H5DSset_scale(time, "time"), "marking dimension time");
    m.string_attribute(time, "units", "steps");
    m.string_attribute(time, "long_name", "policy time: steps after burn-in (1 step = 1 week)");
    m.strings("group", rec.spec.groups);
    std::vector<std::string> names;
    for (const auto& i : rec.spec.indicators) names.push_back(i.name);
    m.strings("indicator", names);
    Handle group(H5Dopen2(m.file, "group", H5P_DEFAULT), H5Dclose);
    Handle indicator(H5Dopen2(m.file, "indicator", H5P_DEFAULT), H5Dclose);
    m.check(H5DSset_scale(group, "group"), "marking dimension group");
    m.check(H5DSset_scale(indicator, "indicator"), "marking dimension indicator");

    // What each indicator is, as variables along `indicator` (output.hpp).
    const auto along_indicator = [&](const char* name, const char* long_name, auto field) {
      std::vector<std::string> text;
      for (const auto& i : rec.spec.indicators) text.push_back(field(i));
      m.strings(name, text);
      Handle d(H5Dopen2(m.file, name, H5P_DEFAULT), H5Dclose);
      m.attach(d, indicator, 0, name);
      m.string_attribute(d, "long_name", long_name);
    };
    along_indicator("indicator_description", "what the indicator measures, over whom, and its unit",
                    [](const Indicator& i) { return i.description; });
    along_indicator("indicator_label", "short plain-language label of the indicator", [](const Indicator& i) { return i.label; });
    along_indicator("indicator_category", "what the indicator is about (e.g. loneliness, trust, services, staff, cost, network)",
                    [](const Indicator& i) { return i.category; });
    along_indicator("indicator_unit", "unit of the indicator: share (fraction of the group, 0-1), score (mean on 0-1), "
                    "a currency, or what is counted", [](const Indicator& i) { return i.unit; });
    {
      std::vector<std::int8_t> better;
      for (const auto& i : rec.spec.indicators) better.push_back(static_cast<std::int8_t>(i.better));
      Handle b = m.dataset_1d("indicator_better", H5T_STD_I8LE, ni, ni, false);
      if (ni) m.write_all(b, H5T_NATIVE_INT8, better.data(), "indicator_better");
      m.attach(b, indicator, 0, "indicator_better");
      m.string_attribute(b, "long_name", "which way the indicator is better: 1 higher, -1 lower, 0 neither");
      // CF flags: xarray and netCDF readers show the meaning of each value.
      const std::int8_t values[3] = {-1, 0, 1};
      hsize_t three[1] = {3};
      Handle space(H5Screate_simple(1, three, nullptr), H5Sclose);
      Handle attr(H5Acreate2(b, "flag_values", H5T_STD_I8LE, space, H5P_DEFAULT, H5P_DEFAULT), H5Aclose);
      m.check(attr.get(), "creating attribute flag_values");
      m.check(H5Awrite(attr, H5T_NATIVE_INT8, values), "writing attribute flag_values");
      m.string_attribute(b, "flag_meanings", "lower_is_better neither higher_is_better");
    }

    hsize_t dims[3] = {nt, ng, ni};
    Handle space(H5Screate_simple(3, dims, nullptr), H5Sclose);
    Handle dcpl(H5Pcreate(H5P_DATASET_CREATE), H5Pclose);
    if (nt && ng && ni) {
      hsize_t chunk[3] = {std::min<hsize_t>(nt, 128), ng, ni};
      H5Pset_chunk(dcpl, 3, chunk);
      H5Pset_shuffle(dcpl);
      H5Pset_deflate(dcpl, 4);
    }
    Handle values(H5Dcreate2(m.file, "indicators", H5T_IEEE_F64LE, space, H5P_DEFAULT, dcpl, H5P_DEFAULT), H5Dclose);
    m.check(values.get(), "creating dataset indicators");
    if (!rec.values.empty()) m.write_all(values, H5T_NATIVE_DOUBLE, rec.values.data(), "indicators");
    m.attach(values, time, 0, "indicators");
    m.attach(values, group, 1, "indicators");
    m.attach(values, indicator, 2, "indicators");
    m.string_attribute(values, "long_name", "recorded indicators by group");

    // Distributions: /<name> (time, <dimension>), with the bins' lower edges as the coordinate
    // /<dimension> (int64 when every edge is a whole number, e.g. degrees; float64 otherwise).
    std::map<std::string, Handle> scales;
    for (const auto& dist : rec.distributions) {
      const auto& spec = dist.spec;
      const hsize_t nb = spec.bin_lower.size();
      if (dist.values.size() != nt * nb) {
        throw OutputError("cannot write results to '" + m.target + "': distribution '" + spec.name + "' has " +
                          std::to_string(dist.values.size()) + " values for " + std::to_string(nt) + " times x " +
                          std::to_string(nb) + " bins");
      }
      auto it = scales.find(spec.dimension);
      if (it == scales.end()) {
        const bool whole = std::all_of(spec.bin_lower.begin(), spec.bin_lower.end(), [](double x) {
          return x == std::floor(x) && std::abs(x) < 9e15;
        });
        Handle dim = m.dataset_1d(spec.dimension, whole ? H5T_STD_I64LE : H5T_IEEE_F64LE, nb, nb, false);
        if (whole) {
          std::vector<std::int64_t> edges(spec.bin_lower.begin(), spec.bin_lower.end());
          m.write_all(dim, H5T_NATIVE_INT64, edges.data(), spec.dimension);
        } else {
          m.write_all(dim, H5T_NATIVE_DOUBLE, spec.bin_lower.data(), spec.dimension);
        }
        m.check(H5DSset_scale(dim, spec.dimension.c_str()), "marking dimension " + spec.dimension);
        m.string_attribute(dim, "long_name", "lower edge of each bin: bin k holds [" + spec.dimension + "[k], " +
                                                 spec.dimension + "[k+1]); the last bin is open-ended");
        m.string_attribute(dim, "units", spec.bin_units);
        it = scales.emplace(spec.dimension, std::move(dim)).first;
      }
      hsize_t ddims[2] = {nt, nb};
      Handle dspace(H5Screate_simple(2, ddims, nullptr), H5Sclose);
      Handle ddcpl(H5Pcreate(H5P_DATASET_CREATE), H5Pclose);
      if (nt) {
        hsize_t chunk[2] = {std::min<hsize_t>(nt, 128), nb};
        H5Pset_chunk(ddcpl, 2, chunk);
        H5Pset_shuffle(ddcpl);
        H5Pset_deflate(ddcpl, 4);
      }
      Handle ds(H5Dcreate2(m.file, spec.name.c_str(), H5T_IEEE_F64LE, dspace, H5P_DEFAULT, ddcpl, H5P_DEFAULT), H5Dclose);
      m.check(ds.get(), "creating dataset " + spec.name);
      if (nt) m.write_all(ds, H5T_NATIVE_DOUBLE, dist.values.data(), spec.name);
      m.attach(ds, time, 0, spec.name);
      m.attach(ds, it->second, 1, spec.name);
      m.string_attribute(ds, "long_name", spec.description);
      m.string_attribute(ds, "units", spec.units);
    }
  }
  {  // snapshot index
    const hsize_t ns = m.snap_times.size();
    Handle snap = m.dataset_1d("snapshot", H5T_STD_I64LE, ns, ns, false);
    if (ns) m.write_all(snap, H5T_NATIVE_INT64, m.snap_times.data(), "snapshot");
    m.check(H5DSset_scale(snap, "snapshot"), "marking dimension snapshot");
    m.string_attribute(snap, "units", "steps");
    m.string_attribute(snap, "long_name", "policy time of each tie-graph snapshot");
    for (auto [name, data] : {std::pair{"snapshot_offset", &m.snap_offsets}, std::pair{"snapshot_count", &m.snap_counts}}) {
      Handle ds = m.dataset_1d(name, H5T_STD_I64LE, ns, ns, false);
      if (ns) m.write_all(ds, H5T_NATIVE_INT64, data->data(), name);
      m.attach(ds, snap, 0, name);
    }
  }
  const auto now = std::chrono::system_clock::to_time_t(std::chrono::system_clock::now());
  char created[32];
  std::strftime(created, sizeof created, "%Y-%m-%dT%H:%M:%SZ", std::gmtime(&now));
  attribute("format", std::string(kResultsFormat));
  attribute("model", sim.model_name());
  attribute("seed", std::to_string(sim.seed()));  // text: a uint64 does not fit netCDF's int64
  attribute("threads", static_cast<std::int64_t>(sim.threads()));
  attribute("wall_seconds", sim.wall_seconds());
  attribute("steps", sim.time());
  attribute("burn_in", sim.steps_done() - sim.time());
  attribute("engine_version", std::string(SOCIUS_VERSION));
  attribute("created", std::string(created));

  errno = 0;
  m.check(H5Fflush(m.file, H5F_SCOPE_GLOBAL), "flushing");
  for (Handle* h : {&m.edge_dim, &m.edge_source, &m.edge_target, &m.edge_weight, &m.edge_type, &m.text}) h->reset();
  m.check(H5Fclose(m.file.release()), "closing");  // a failed write of cached data shows up here
  impl_.reset();
  if (std::rename(temp_path_.c_str(), path_.c_str()) != 0) {
    const std::string reason = os_reason();
    std::remove(temp_path_.c_str());
    throw OutputError("cannot move results into place at '" + path_ + "'" + reason);
  }
  committed_ = true;
}

}  // namespace socius
