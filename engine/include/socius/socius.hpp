// The umbrella header: everything a model or an application needs from the engine.
#pragma once

#include "socius/assignment.hpp"
#include "socius/checkpoint.hpp"
#include "socius/errors.hpp"
#include "socius/netstats.hpp"
#include "socius/output.hpp"
#include "socius/parallel.hpp"
#include "socius/parameter_table.hpp"
#include "socius/parameters.hpp"
#include "socius/population.hpp"
#include "socius/random.hpp"
#include "socius/simulation.hpp"
#include "socius/ties.hpp"
