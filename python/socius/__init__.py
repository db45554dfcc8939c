"""socius: agent-based community simulation (under construction)."""
