// Classic network-formation models, as published, used to validate the engine.
#pragma once

#include "socius/simulation.hpp"

namespace socius::models::classic {

/// Davidsen, Ebel & Bornholdt (2002), "Emergence of a small world from local interactions:
/// modeling acquaintance networks", Phys. Rev. Lett. 88, 128701.
ModelDescription davidsen();

}  // namespace socius::models::classic
