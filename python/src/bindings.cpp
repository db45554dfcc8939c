// socius._core: the private extension module. The public Python API (python/socius/) wraps it;
// nothing here is meant to be called by users directly. The GIL is released in two places:
// around Simulation.step (the simulation's work) and around save_checkpoint (writing the file).
#include <cmath>
#include <pybind11/numpy.h>
#include <pybind11/pybind11.h>
#include <pybind11/stl.h>

#include <atomic>
#include <string>

#include "community/borough.hpp"
#include "community/community.hpp"
#include "registry.hpp"
#include "socius/socius.hpp"

namespace py = pybind11;
using namespace socius;

namespace {

py::object to_python(const ParameterValue& v) {
  switch (v.index()) {
    case 0: return py::bool_(std::get<bool>(v));
    case 1: return py::int_(std::get<std::int64_t>(v));
    case 2: return py::float_(std::get<double>(v));
    default: return py::str(std::get<std::string>(v));
  }
}

const char* type_name(ParameterType t) {
  switch (t) {
    case ParameterType::Boolean: return "boolean";
    case ParameterType::Integer: return "integer";
    case ParameterType::Real: return "real";
    case ParameterType::Choice: return "choice";
  }
  return "?";
}

py::dtype numpy_dtype(DType t) {
  switch (t) {
    case DType::UInt8: return py::dtype::of<std::uint8_t>();
    case DType::Int8: return py::dtype::of<std::int8_t>();
    case DType::UInt16: return py::dtype::of<std::uint16_t>();
    case DType::Int16: return py::dtype::of<std::int16_t>();
    case DType::UInt32: return py::dtype::of<std::uint32_t>();
    case DType::Int32: return py::dtype::of<std::int32_t>();
    case DType::UInt64: return py::dtype::of<std::uint64_t>();
    case DType::Int64: return py::dtype::of<std::int64_t>();
    case DType::Float32: return py::dtype::of<float>();
    case DType::Float64: return py::dtype::of<double>();
  }
  throw InvariantError("unknown column type");
}

/// Converts Python scenario entries [(key, value, origin)] to engine entries; the value's
/// Python type decides the variant (bool before int: bool is a subclass of int).
std::vector<ParameterEntry> to_entries(const py::list& items) {
  std::vector<ParameterEntry> out;
  for (const auto& item : items) {
    auto t = item.cast<py::tuple>();
    if (t.size() != 3) throw py::value_error("entries must be (key, value, origin) tuples");
    ParameterEntry e;
    e.key = t[0].cast<std::string>();
    e.origin = t[2].cast<std::string>();
    py::object v = py::reinterpret_borrow<py::object>(t[1]);
    // NumPy scalars (and 0-d arrays) count as the Python numbers they hold: np.int64(300) is 300.
    // A float32 counts as the decimal it prints as (np.float32(0.1) is 0.1, not 0.10000000149...).
    if (py::hasattr(v, "dtype") && py::hasattr(v, "item") && py::len(v.attr("shape")) == 0) {
      const std::string kind = py::str(v.attr("dtype").attr("kind"));
      const int size = v.attr("dtype").attr("itemsize").cast<int>();
      v = (kind == "f" && size < 8) ? py::object(py::float_(py::str(v))) : py::object(v.attr("item")());
    }
    if (py::isinstance<py::bool_>(v)) e.value = v.cast<bool>();
    else if (py::isinstance<py::int_>(v)) {
      try {
        e.value = v.cast<std::int64_t>();
      } catch (const py::cast_error&) {
        throw ScenarioError((e.origin.empty() ? "" : e.origin + ": ") + "key '" + e.key + "' = " +
                            py::str(v).cast<std::string>() + ": integer too large (64-bit limit)");
      }
    } else if (py::isinstance<py::float_>(v)) e.value = v.cast<double>();
    else if (py::isinstance<py::str>(v)) e.value = v.cast<std::string>();
    else {
      throw ScenarioError((e.origin.empty() ? "" : e.origin + ": ") + "key '" + e.key + "' = " +
                          py::repr(v).cast<std::string>() + ": expected a boolean, number or string, got " +
                          py::str(py::type::of(v).attr("__name__")).cast<std::string>());
    }
    out.push_back(std::move(e));
  }
  return out;
}

/// Every network statistic of a tie graph, as a dict of floats and NumPy arrays.
py::dict network_statistics(const TieGraph& g, std::uint32_t path_sources, std::uint64_t seed) {
  netstats::SummaryOptions opt;
  opt.path_sources = path_sources;
  opt.seed = seed;
  opt.overlap_bins = 10;  // the overlap curve from the summary's own overlaps
  const auto s = netstats::summarize(g, opt);
  const auto& obw = s.overlap_curve;
  const auto comps = netstats::connected_components(g);
  py::dict d;
  d["mean_degree"] = s.mean_degree;
  d["mean_strength"] = s.mean_strength;
  d["mean_weight"] = s.mean_weight;
  d["max_degree"] = s.max_degree;
  d["isolated_share"] = s.isolated_share;
  d["average_clustering"] = s.average_clustering;
  d["transitivity"] = s.transitivity;
  d["assortativity"] = s.assortativity;
  d["largest_component_share"] = s.largest_component_share;
  d["components"] = s.components;
  d["mean_overlap"] = s.mean_overlap;
  d["overlap_weight_spearman"] = s.overlap_weight_spearman;
  d["overlap_weight_pearson"] = obw.pearson;
  d["mean_path_length"] = s.mean_path_length;
  d["degree_histogram"] = py::array(py::cast(netstats::degree_histogram(g)));
  d["local_clustering"] = py::array(py::cast(netstats::local_clustering(g)));
  d["triangles"] = py::array(py::cast(netstats::triangles(g)));
  d["weights"] = py::array(py::cast(netstats::weights(g)));
  d["overlap"] = py::array(py::cast(netstats::overlap(g)));
  d["overlap_by_weight"] = py::dict(py::arg("mean_weight") = obw.mean_weight, py::arg("mean_overlap") = obw.mean_overlap,
                                    py::arg("count") = obw.count);
  d["component_sizes"] = py::array(py::cast(comps.sizes));
  d["component_label"] = py::array(py::cast(comps.label));
  return d;
}

/// A borough table (docs/borough.md) from the dict socius.borough.Borough.core() gives: population,
/// quintile, age (rows of 7 shares), household (rows of 5 shares) and digest. Its values are
/// checked by the model (check_borough); None is no borough.
std::shared_ptr<const models::community::Borough> to_borough(const py::object& o) {
  if (o.is_none()) return nullptr;
  const auto d = o.cast<py::dict>();
  auto b = std::make_shared<models::community::Borough>();
  b->population = d["population"].cast<std::vector<double>>();
  for (int q : d["quintile"].cast<std::vector<int>>()) {
    if (q < 0 || q > 255) throw ScenarioError("borough table: quintile " + std::to_string(q) + "; allowed: 1 to 5");
    b->quintile.push_back(static_cast<std::uint8_t>(q));
  }
  b->age = d["age"].cast<std::vector<std::array<double, models::community::Borough::kAgeBands>>>();
  b->household = d["household"].cast<std::vector<std::array<double, 5>>>();
  b->digest = d["digest"].cast<std::int64_t>();
  return b;
}

/// The model's description, built from `borough` when one is given (the community model only).
ModelDescription describe(const std::string& model, const py::object& borough) {
  auto b = to_borough(borough);
  if (!b) return models::find(model);
  if (model != "community") throw ScenarioError("simulation.borough: model '" + model + "' has no neighbourhoods; a borough table is for the community model");
  return models::community::description(std::move(b));
}

/// A simulation plus the stop flag that Ctrl-C sets from Python.
struct PySimulation {
  PySimulation(const std::string& model, const py::list& entries, std::optional<std::uint64_t> seed, int threads,
               const py::object& borough)
      : sim(std::make_unique<Simulation>(describe(model, borough), to_entries(entries), seed, threads)) {}
  explicit PySimulation(std::unique_ptr<Simulation> s) : sim(std::move(s)) {}
  std::unique_ptr<Simulation> sim;
  std::atomic<bool> stop{false};
};

/// The names of the columns code outside the model may write, comma-separated.
std::string writable_columns(PySimulation& s) {
  std::string out;
  for (const auto& c : s.sim->world().population.columns()) {
    if (c.writable) out += (out.empty() ? "" : ", ") + c.name;
  }
  return out.empty() ? "none" : out;
}

/// A verified checkpoint file held in memory.
struct PyCheckpoint {
  explicit PyCheckpoint(const std::string& path) : reader(read_file(path), path) {}
  StateReader reader;
};

}  // namespace

PYBIND11_MODULE(_core, m) {
  m.doc() = "socius private extension module; use the public API in the socius package.";
  m.attr("__version__") = SOCIUS_VERSION;
  m.attr("RESULTS_FORMAT") = kResultsFormat;

  // One hierarchy: every socius error is a socius.Error; those where the user's input is at fault
  // are also ValueErrors (the command line maps them to exit code 2). A tuple of bases makes
  // PyErr_NewException (which register_exception calls) build a class with both.
  auto base = py::register_exception<Error>(m, "Error", PyExc_RuntimeError);
  base.doc() = "Base of every error socius raises on purpose.";
  const py::tuple input_error(py::make_tuple(base, py::handle(PyExc_ValueError)));
  auto scenario = py::register_exception<ScenarioError>(m, "ScenarioError", input_error);
  scenario.doc() = "A scenario or parameter is invalid; the message names the file, key, value and what is allowed.";
  auto output = py::register_exception<OutputError>(m, "OutputError", base.ptr());
  output.doc() = "A results file cannot be written or read (missing, not socius output, disk full).";
  auto invariant = py::register_exception<InvariantError>(m, "InvariantError", base.ptr());
  invariant.doc() = "An internal invariant was broken: a bug in socius or in a model; please report it.";

  m.def("models", [] {
    py::list out;
    for (const auto& d : models::builtin()) {
      py::list systems;
      for (const auto& s : d.systems) systems.append(py::make_tuple(s.name, s.description));
      out.append(py::dict(py::arg("name") = d.name, py::arg("summary") = d.summary, py::arg("systems") = systems));
    }
    return out;
  }, "Built-in models: a list of dicts with name, summary and systems.");

  m.def("schema", [](const std::string& model) {
    py::list out;
    const ParameterSchema schema = models::find(model).full_schema();  // kept alive for the loop
    for (const auto& s : schema.specs()) {
      py::dict d;
      d["key"] = s.key;
      d["type"] = type_name(s.type);
      d["default"] = to_python(s.default_value);
      d["min"] = s.min;
      d["max"] = s.max;
      d["choices"] = s.choices;
      d["unit"] = s.unit;
      d["description"] = s.description;
      d["source"] = s.source;
      d["fixed"] = s.fixed;  // fixed once the simulation is built (set_parameters refuses it)
      out.append(d);
    }
    return out;
  }, py::arg("model"), "Every parameter of a model (simulation keys, system switches, model keys).");

  m.def("resolve", [](const std::string& model, const py::list& entries) {
    const auto& description = models::find(model);
    const auto set = resolve_parameters(description, description.full_schema(), to_entries(entries));
    py::dict out;
    for (const auto& [k, v] : set.values()) out[py::str(k)] = to_python(v);
    return out;
  }, py::arg("model"), py::arg("entries"),
  "Validates (key, value, origin) entries and returns every parameter's value; raises ScenarioError.");

  m.def("philox4x32_10", [](std::array<std::uint32_t, 4> ctr, std::array<std::uint32_t, 2> key) {
    return philox4x32_10(ctr, key);
  }, py::arg("counter"), py::arg("key"), "The Philox4x32-10 block function (for tests).");
  m.def("derive_seed", &derive_seed, py::arg("parent"), py::arg("index"),
        "An independent 64-bit seed derived from a parent seed and an index.");

  m.def("assign_arms", [](py::array_t<std::uint8_t, py::array::c_style | py::array::forcecast> eligible, double p_offered,
                          std::uint64_t seed) {
    if (eligible.ndim() != 1) throw py::value_error("eligible must be one-dimensional, got " + std::to_string(eligible.ndim()) + " dimensions");
    py::array_t<std::uint8_t> arm(eligible.shape(0));
    const std::span<const std::uint8_t> in(eligible.data(), static_cast<std::size_t>(eligible.shape(0)));
    const std::span<std::uint8_t> out(arm.mutable_data(), static_cast<std::size_t>(arm.shape(0)));
    if (!(p_offered >= 0.0 && p_offered <= 1.0)) {
      throw py::value_error("p_offered must be a probability in [0, 1], got " + format_number(p_offered));
    }
    {
      py::gil_scoped_release release;
      assign_arms(in, p_offered, seed, out);
    }
    return arm;
  }, py::arg("eligible"), py::arg("p_offered"), py::arg("seed"),
  "Random assignment by agent (socius/assignment.hpp): uint8 arms, 1 offered with probability p_offered, 2 control, "
  "0 where eligible is 0; agent a's draw depends only on (seed, a).");

  m.def("network_statistics", [](AgentIndex n, const std::vector<AgentIndex>& source, const std::vector<AgentIndex>& target,
                                  std::optional<std::vector<float>> weight, std::uint32_t path_sources, std::uint64_t seed) {
    if (source.size() != target.size() || (weight && weight->size() != source.size())) {
      throw py::value_error("source, target and weight must have the same length");
    }
    // Bad input is the caller's, so it is a ValueError naming the tie (InvariantError is for bugs).
    for (std::size_t i = 0; i < source.size(); ++i) {
      const std::string tie = "tie " + std::to_string(i) + " (" + std::to_string(source[i]) + ", " + std::to_string(target[i]) + ")";
      if (source[i] >= n || target[i] >= n) {
        throw py::value_error(tie + " names an agent outside [0, n) with n = " + std::to_string(n));
      }
      if (source[i] == target[i]) throw py::value_error(tie + " is a self-loop; allowed: ties between two different agents");
      if (weight) {
        const float w = (*weight)[i];
        if (!(w > 0.0f) || !std::isfinite(w)) {
          throw py::value_error(tie + " has weight " + format_number(w) + "; allowed: a positive, finite weight");
        }
      }
    }
    TieGraph g(n);
    std::vector<TieEvent> batch;
    batch.reserve(source.size());
    for (std::size_t i = 0; i < source.size(); ++i) batch.push_back(TieEvent::add(source[i], target[i], weight ? (*weight)[i] : 1.0f, 0));
    g.apply(batch);
    return network_statistics(g, path_sources, seed);
  }, py::arg("n"), py::arg("source"), py::arg("target"), py::arg("weight") = py::none(), py::arg("path_sources") = 0,
  py::arg("seed") = 0,
  "Network statistics (socius/netstats.hpp) of the graph on n agents with the given ties (duplicates merged).");

  py::class_<PySimulation>(m, "Simulation")
      .def(py::init<const std::string&, const py::list&, std::optional<std::uint64_t>, int, const py::object&>(),
           py::arg("model"), py::arg("entries"), py::arg("seed") = py::none(), py::arg("threads") = 0,
           py::arg("borough") = py::none())
      .def("step", [](PySimulation& s, std::int64_t n) {
        if (n < 0) throw py::value_error("n must be >= 0, got " + std::to_string(n));
        s.stop = false;
        py::gil_scoped_release release;
        return s.sim->step(n, &s.stop);
      }, py::arg("n"), "Runs up to n steps with the GIL released; returns the steps done.")
      // A burn-in shared by the options of an appraisal (docs/appraisal.md): run to the end of
      // burn-in without starting policy time 0, keep the state in memory, continue it under
      // each option's parameters (restore_state).
      .def("burn_in", [](PySimulation& s) {
        s.stop = false;
        py::gil_scoped_release release;
        return s.sim->burn_in(&s.stop);
      }, "Runs the rest of the burn-in, stopping before policy time 0 starts; returns the steps done.")
      .def_property_readonly("started", [](const PySimulation& s) { return s.sim->started(); })
      .def("state", [](const PySimulation& s) {
        std::vector<std::uint8_t> bytes;
        {
          py::gil_scoped_release release;
          StateWriter out;
          s.sim->save(out);
          bytes = out.bytes();
        }
        return py::bytes(reinterpret_cast<const char*>(bytes.data()), bytes.size());
      }, "The complete state as checkpoint bytes (in memory; no snapshots).")
      .def("request_stop", [](PySimulation& s) { s.stop = true; },
           "Asks a running step() to return after the current step (safe from any thread).")
      .def_property_readonly("seed", [](const PySimulation& s) { return s.sim->seed(); })
      .def_property_readonly("threads", [](const PySimulation& s) { return s.sim->threads(); })
      .def_property_readonly("model", [](const PySimulation& s) { return s.sim->model_name(); })
      .def_property_readonly("time", [](const PySimulation& s) { return s.sim->time(); })
      .def_property_readonly("steps_done", [](const PySimulation& s) { return s.sim->steps_done(); })
      .def_property_readonly("steps_total", [](const PySimulation& s) { return s.sim->steps_total(); })
      .def_property_readonly("wall_seconds", [](const PySimulation& s) { return s.sim->wall_seconds(); })
      .def_property_readonly("population", [](const PySimulation& s) { return s.sim->world().population.size(); })
      .def_property_readonly("tie_count", [](const PySimulation& s) { return s.sim->world().ties.tie_count(); })
      .def("parameters", [](const PySimulation& s) {
        py::dict out;
        for (const auto& [k, v] : s.sim->parameters().values()) out[py::str(k)] = to_python(v);
        return out;
      })
      .def("indicators", [](const PySimulation& s) {
        const Recorder& r = s.sim->recorder();
        const auto nt = static_cast<py::ssize_t>(r.times.size());
        const auto ng = static_cast<py::ssize_t>(r.spec.groups.size());
        const auto ni = static_cast<py::ssize_t>(r.spec.indicators.size());
        py::array_t<std::int64_t> times(nt, r.times.data());
        py::array_t<double> values({nt, ng, ni});
        std::copy(r.values.begin(), r.values.end(), values.mutable_data());
        py::list names, descriptions, labels, categories, units, better;
        for (const auto& i : r.spec.indicators) {
          names.append(i.name);
          descriptions.append(i.description);
          labels.append(i.label);
          categories.append(i.category);
          units.append(i.unit);
          better.append(static_cast<int>(i.better));
        }
        return py::dict(py::arg("time") = times, py::arg("values") = values, py::arg("groups") = r.spec.groups,
                        py::arg("indicators") = names, py::arg("descriptions") = descriptions, py::arg("labels") = labels,
                        py::arg("categories") = categories, py::arg("units") = units, py::arg("better") = better);
      }, "Recorded indicators (copies): time, values[time, group, indicator], groups, and per indicator its "
         "name, description, label, category, units and better (1 higher is better, -1 lower, 0 neither).")
      .def("distributions", [](const PySimulation& s) {
        const Recorder& r = s.sim->recorder();
        const auto nt = static_cast<py::ssize_t>(r.times.size());
        py::list out;
        for (const auto& d : r.distributions) {
          const auto nb = static_cast<py::ssize_t>(d.spec.bin_lower.size());
          py::array_t<double> values({nt, nb});
          std::copy(d.values.begin(), d.values.end(), values.mutable_data());
          out.append(py::dict(py::arg("name") = d.spec.name, py::arg("dimension") = d.spec.dimension,
                              py::arg("bin_lower") = py::array_t<double>(nb, d.spec.bin_lower.data()),
                              py::arg("description") = d.spec.description, py::arg("units") = d.spec.units,
                              py::arg("bin_units") = d.spec.bin_units, py::arg("time") = py::array_t<std::int64_t>(nt, r.times.data()),
                              py::arg("values") = values));
        }
        return out;
      }, "Recorded distributions (copies), in the model's order: a list of dicts with name, dimension, "
         "bin_lower (lower bin edges; the last bin is open-ended), description, units, bin_units, time, "
         "values[time, bin]. Empty for models without distributions.")
      .def("column_names", [](PySimulation& s) {
        std::vector<std::string> names;
        for (const auto& c : s.sim->world().population.columns()) names.push_back(c.name);
        return names;
      })
      .def("column", [](py::object self, const std::string& name, bool writable) {
        auto& s = self.cast<PySimulation&>();
        std::string known;
        for (const auto& c : s.sim->world().population.columns()) {
          known += (known.empty() ? "" : ", ") + c.name;
          if (c.name != name) continue;
          // The view's base is the simulation object: the memory lives as long as the view.
          py::array view(numpy_dtype(c.dtype), {static_cast<py::ssize_t>(c.size)},
                         {static_cast<py::ssize_t>(c.item_size)}, c.data, self);
          if (writable && !c.writable) {
            throw py::value_error("agent column '" + name + "' is read-only: it holds the model's own indices, which a "
                                  "wrong value would corrupt; the writable columns are: " + writable_columns(s));
          }
          if (!writable) py::detail::array_proxy(view.ptr())->flags &= ~py::detail::npy_api::NPY_ARRAY_WRITEABLE_;
          return view;
        }
        throw py::key_error("no agent column '" + name + "'; the columns are: " + known);
      }, py::arg("name"), py::arg("writable") = false,
      "A NumPy view of an agent column over every slot (no copy). writable=True only for the model's "
      "state columns (ValueError for the read-only ones).")
      .def("column_info", [](PySimulation& s) {
        py::list out;
        for (const auto& c : s.sim->world().population.columns()) {
          out.append(py::dict(py::arg("name") = c.name, py::arg("description") = c.description,
                              py::arg("dtype") = numpy_dtype(c.dtype), py::arg("min") = c.lo, py::arg("max") = c.hi,
                              py::arg("writable") = c.writable));
        }
        return out;
      }, "Every agent column: a list of dicts with name, description, dtype, min, max (the declared "
         "range) and writable.")
      .def("column_problems", [](const PySimulation& s) {
        py::list out;
        for (const auto& p : s.sim->world().population.problems()) {
          out.append(py::make_tuple(p.column, p.count, p.first, p.value, p.lo, p.hi));
        }
        return out;
      }, "Columns holding NaN or values outside their declared range: a list of (column, count, "
         "first_agent, value, min, max); empty when all is well.")
      .def("agent_ids", [](const PySimulation& s) {
        const auto& ids = s.sim->world().population.ids();
        return py::array_t<std::uint64_t>(static_cast<py::ssize_t>(ids.size()), ids.data());
      }, "Every slot's agent id (a copy, uint64): a slot renewed for a newcomer (Population::renew) gets a fresh id.")
      .def("agent_kinds", [](const PySimulation& s) {
        py::list out;
        for (const auto& k : s.sim->world().population.kinds()) out.append(py::make_tuple(k.name, k.start, k.stop));
        return out;
      }, "The kinds of agent as contiguous slot ranges: a list of (name, start, stop); the first is "
         "the default kind.")
      .def("set_parameters", [](PySimulation& s, const py::list& entries) { s.sim->set_parameters(to_entries(entries)); },
           py::arg("entries"), "Changes model parameters between steps; raises ScenarioError.")
      .def("edges", [](const PySimulation& s) {
        const auto edges = s.sim->world().ties.edges();
        const auto n = static_cast<py::ssize_t>(edges.size());
        py::array_t<std::uint32_t> u(n), v(n);
        py::array_t<float> w(n);
        py::array_t<std::uint8_t> t(n);
        for (py::ssize_t i = 0; i < n; ++i) {
          u.mutable_at(i) = edges[i].source;
          v.mutable_at(i) = edges[i].target;
          w.mutable_at(i) = edges[i].weight;
          t.mutable_at(i) = edges[i].type;
        }
        return py::dict(py::arg("source") = u, py::arg("target") = v, py::arg("weight") = w, py::arg("type") = t);
      }, "Every tie once (source < target) as arrays: source, target, weight, type.")
      .def("network_statistics", [](const PySimulation& s, std::uint32_t path_sources) {
        return network_statistics(s.sim->world().ties, path_sources, derive_seed(s.sim->seed(), static_cast<std::uint64_t>(s.sim->steps_done())));
      }, py::arg("path_sources") = 32,
      "Network statistics of the current tie graph: summary values, degree histogram, clustering, overlap, components.")
      .def("check_ties", [](const PySimulation& s) { return s.sim->world().ties.check(); },
           "Empty string if the tie-graph invariants hold, else the first violation.")
      .def("memory_bytes", [](const PySimulation& s) {
        return s.sim->world().ties.memory_bytes() + s.sim->world().population.memory_bytes();
      });

  py::register_exception<CheckpointError>(m, "CheckpointError", input_error)
      .doc() = "A checkpoint cannot be used: corrupt, truncated, or from another version.";

  m.def("save_checkpoint", [](const std::string& path, PySimulation& s, ResultsWriter* writer,
                              const std::map<std::string, std::string>& extras) {
    py::gil_scoped_release release;
    StateWriter out;
    for (const auto& [k, v] : extras) out.put_string("extra." + k, v);
    s.sim->save(out);
    if (writer) writer->save_snapshots(out);
    write_file_atomically(path, out.bytes());
  }, py::arg("path"), py::arg("simulation"), py::arg("writer"), py::arg("extras"),
  "Saves the complete state (and the writer's snapshots) to `path` atomically.");

  m.def("restore_state", [](const py::bytes& state, const std::optional<py::list>& entries, int threads) {
    const std::string data = state;
    StateReader reader(std::vector<std::uint8_t>(data.begin(), data.end()), "state in memory");
    const auto parameters = entries ? std::optional<std::vector<ParameterEntry>>(to_entries(*entries)) : std::nullopt;
    py::gil_scoped_release release;
    return std::make_unique<PySimulation>(Simulation::restore(models::find(reader.get_string("model")), reader, threads,
                                                              parameters ? &*parameters : nullptr));
  }, py::arg("state"), py::arg("entries") = py::none(), py::arg("threads") = 0,
  "Rebuilds a simulation from Simulation.state() bytes; with entries (complete scenario entries), a state "
  "saved at the end of burn-in continues under them (only policy keys may differ).");

  py::class_<PyCheckpoint>(m, "Checkpoint")
      .def(py::init<const std::string&>(), py::arg("path"), "Reads and verifies a checkpoint file.")
      .def("extra", [](const PyCheckpoint& c, const std::string& key) { return c.reader.get_string("extra." + key); })
      .def_property_readonly("model", [](const PyCheckpoint& c) { return c.reader.get_string("model"); })
      .def("restore", [](const PyCheckpoint& c, int threads, const py::object& borough) {
        return std::make_unique<PySimulation>(Simulation::restore(describe(c.reader.get_string("model"), borough), c.reader, threads));
      }, py::arg("threads") = 0, py::arg("borough") = py::none(),
      "Rebuilds the simulation saved in the checkpoint (with the borough table it was built from, if any).")
      .def("load_snapshots_into", [](const PyCheckpoint& c, ResultsWriter& w) { w.load_snapshots(c.reader); });

  py::class_<ResultsWriter>(m, "ResultsWriter")
      .def(py::init<std::string>(), py::arg("path"))
      .def("attach", [](ResultsWriter& w, PySimulation& s) { w.attach(*s.sim); }, py::keep_alive<2, 1>(),
           py::arg("simulation"), "Streams the simulation's tie-graph snapshots into this file.")
      .def("attribute", py::overload_cast<const std::string&, const std::string&>(&ResultsWriter::attribute))
      .def("attribute", py::overload_cast<const std::string&, std::int64_t>(&ResultsWriter::attribute))
      .def("attribute", py::overload_cast<const std::string&, double>(&ResultsWriter::attribute))
      .def("commit", [](ResultsWriter& w, PySimulation& s) { w.commit(*s.sim); }, py::arg("simulation"))
      .def("discard", &ResultsWriter::discard)
      .def_property_readonly("path", &ResultsWriter::path)
      .def_property_readonly("temp_path", &ResultsWriter::temp_path);
}
