// Throughput and memory of one model configuration: builds the simulation (setup timed apart),
// runs it to the horizon, repeats, and prints one JSON object with every repetition's times,
// the medians, and the process's peak resident memory. One configuration per process, so that
// the peak memory belongs to that configuration alone (benchmarks/run.py starts one per size).
//
// Usage: socius_throughput --model NAME [--threads T] [--reps R] [--seed S] [--output FILE.h5]
//                          [--steps K] [--warm W] [--save FILE] [--resume FILE] [key=value ...]
// key=value entries are scenario parameters (e.g. simulation.population=100000).
// --output records to an HDF5 results file (ResultsWriter, as `socius run` does) and includes
// writing and closing the file in the run time.
// --steps K runs K steps instead of running to the horizon; --save FILE then writes a checkpoint
// (e.g. a network grown to its steady state); --resume FILE starts each repetition from that
// checkpoint instead of from setup (the 'setup' time is then the time to restore it).
// --warm W runs W steps after setup (or restore) before the timed steps, untimed: the timed
// steps then see the tie array as a long run leaves it (blocks moved by growth and compaction),
// not as setup or a restore lays it out (every block in agent order).
// --edges FILE writes the network at the end of the last repetition as lines "u v w" (every tie
// once, u < v), for the reference implementations that start from the same network
// (benchmarks/reference/kumpula_reference.cpp, benchmarks/mesa/kumpula_mesa.py).
#include <sys/resource.h>

#include <algorithm>
#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <fstream>
#include <iomanip>
#include <memory>
#include <stdexcept>
#include <string>
#include <vector>

#include "registry.hpp"
#include "socius/checkpoint.hpp"
#include "socius/output.hpp"
#include "command_line.hpp"
#include "socius/socius.hpp"

using namespace socius;

namespace {

/// A field of /proc/self/status in bytes (VmHWM: peak resident set; VmRSS: current).
double proc_status_bytes(const char* field) {
  std::ifstream in("/proc/self/status");
  std::string line;
  const std::string key = std::string(field) + ":";
  while (std::getline(in, line)) {
    if (line.rfind(key, 0) == 0) return std::strtod(line.c_str() + key.size(), nullptr) * 1024.0;
  }
  return 0.0;
}


/// CPU time of the whole process (every thread), user plus system, in seconds: less sensitive
/// than wall time to other work on a shared machine.
double cpu_seconds() {
  rusage u{};
  getrusage(RUSAGE_SELF, &u);
  return static_cast<double>(u.ru_utime.tv_sec + u.ru_stime.tv_sec) + 1e-6 * static_cast<double>(u.ru_utime.tv_usec + u.ru_stime.tv_usec);
}

double median(std::vector<double> v) {
  std::sort(v.begin(), v.end());
  const std::size_t n = v.size();
  return n % 2 ? v[n / 2] : 0.5 * (v[n / 2 - 1] + v[n / 2]);
}

std::string json_list(const std::vector<double>& v) {
  std::string s = "[";
  for (std::size_t i = 0; i < v.size(); ++i) {
    char buf[32];
    std::snprintf(buf, sizeof buf, "%s%.6g", i ? ", " : "", v[i]);
    s += buf;
  }
  return s + "]";
}

}  // namespace

int main(int argc, char** argv) {
  std::string model_name, output, save, resume, edges;
  long long run_steps = -1, warm = 0;
  int threads = 1, reps = 1;
  std::uint64_t seed = 1;
  std::vector<ParameterEntry> entries;
  for (int i = 1; i < argc; ++i) {
    const std::string a = argv[i];
    if (a == "--model" && i + 1 < argc) model_name = argv[++i];
    else if (a == "--threads" && i + 1 < argc) threads = std::atoi(argv[++i]);
    else if (a == "--reps" && i + 1 < argc) reps = std::atoi(argv[++i]);
    else if (a == "--seed" && i + 1 < argc) seed = std::strtoull(argv[++i], nullptr, 10);
    else if (a == "--output" && i + 1 < argc) output = argv[++i];
    else if (a == "--steps" && i + 1 < argc) run_steps = std::atoll(argv[++i]);
    else if (a == "--warm" && i + 1 < argc) warm = std::atoll(argv[++i]);
    else if (a == "--save" && i + 1 < argc) save = argv[++i];
    else if (a == "--resume" && i + 1 < argc) resume = argv[++i];
    else if (a == "--edges" && i + 1 < argc) edges = argv[++i];
    else if (a.find('=') != std::string::npos && a[0] != '-') {
      const auto eq = a.find('=');
      entries.push_back({a.substr(0, eq), bench::parse_value(a.substr(eq + 1)), "command line"});
    } else {
      std::fprintf(stderr,
                   "usage: socius_throughput --model NAME [--threads T] [--reps R] [--seed S] [--output FILE.h5]\n"
                   "                         [--steps K] [--warm W] [--save FILE] [--resume FILE] [--edges FILE] [key=value ...]\n"
                   "unexpected argument: %s\n", a.c_str());
      return 2;
    }
  }
  if (model_name.empty() || threads < 1 || reps < 1) {
    std::fprintf(stderr, "socius_throughput: --model is required; --threads and --reps must be at least 1\n");
    return 2;
  }
  try {
    const auto& model = models::find(model_name);
    const double rss_before = proc_status_bytes("VmRSS");
    std::vector<double> setups, runs, cpus;
    std::uint64_t last_digest = 0;
    double population = 0, steps = 0, ties = 0, tie_bytes = 0, column_bytes = 0, rss_after_setup = 0;
    for (int r = 0; r < reps; ++r) {
      const auto t0 = std::chrono::steady_clock::now();
      std::unique_ptr<Simulation> made;
      if (resume.empty()) {
        made = std::make_unique<Simulation>(model, entries, seed + static_cast<std::uint64_t>(r), threads);
      } else {
        made = Simulation::restore(model, StateReader(read_file(resume), resume), threads);
      }
      Simulation& sim = *made;
      if (warm > 0) sim.step(std::min<std::int64_t>(warm, sim.remaining()));  // counted as setup
      const auto t1 = std::chrono::steady_clock::now();
      rss_after_setup = std::max(rss_after_setup, proc_status_bytes("VmRSS"));
      const std::int64_t before = sim.steps_done();
      const double cpu0 = cpu_seconds();
      const std::int64_t todo = run_steps >= 0 ? run_steps : sim.remaining();
      if (output.empty()) {
        sim.step(todo);
      } else {
        ResultsWriter writer(output);
        writer.attach(sim);
        sim.step(todo);
        writer.commit(sim);
      }
      const auto t2 = std::chrono::steady_clock::now();
      cpus.push_back(cpu_seconds() - cpu0);
      if (!edges.empty() && r + 1 == reps) {
        std::ofstream out(edges);
        out << std::setprecision(9);
        for (const Edge& e : sim.world().ties.edges()) out << e.source << ' ' << e.target << ' ' << e.weight << '\n';
        if (!out) throw std::runtime_error("cannot write " + edges);
      }
      if (!save.empty()) {
        StateWriter state;
        sim.save(state);
        write_file_atomically(save, state.bytes());
      }
      setups.push_back(std::chrono::duration<double>(t1 - t0).count());
      runs.push_back(std::chrono::duration<double>(t2 - t1).count());
      population = static_cast<double>(sim.world().population.size());
      steps = static_cast<double>(sim.steps_done() - before);
      ties = static_cast<double>(sim.world().ties.tie_count());
      tie_bytes = static_cast<double>(sim.world().ties.memory_bytes());
      column_bytes = static_cast<double>(sim.world().population.memory_bytes());
      last_digest = result_digest(sim);
    }
    const double peak = proc_status_bytes("VmHWM");
    const double run = median(runs);
    std::printf(
        "{\"model\": \"%s\", \"population\": %.0f, \"steps\": %.0f, \"threads\": %d, \"reps\": %d, "
        "\"setup_s\": %s, \"run_s\": %s, \"run_cpu_s\": %s, \"setup_median_s\": %.6g, \"run_median_s\": %.6g, "
        "\"agent_steps_per_s\": %.6g, \"ties\": %.0f, \"tie_graph_bytes\": %.0f, \"column_bytes\": %.0f, "
        "\"rss_before_bytes\": %.0f, \"rss_after_setup_bytes\": %.0f, \"peak_rss_bytes\": %.0f, "
        "\"peak_bytes_per_agent\": %.6g, \"recorded\": %s, \"digest\": \"%016llx\", \"seed\": %llu}\n",
        model_name.c_str(), population, steps, threads, reps, json_list(setups).c_str(), json_list(runs).c_str(), json_list(cpus).c_str(),
        median(setups), run, run > 0 ? population * steps / run : 0.0, ties, tie_bytes, column_bytes, rss_before,
        rss_after_setup, peak, population > 0 ? (peak - rss_before) / population : 0.0, output.empty() ? "false" : "true",
        static_cast<unsigned long long>(last_digest), static_cast<unsigned long long>(seed));
  } catch (const std::exception& e) {
    std::fprintf(stderr, "socius_throughput: %s\n", e.what());
    return 2;
  }
  return 0;
}
